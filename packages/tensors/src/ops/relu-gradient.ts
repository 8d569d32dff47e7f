import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';

/**
 * The kernel of ReLU's gradient in one pass: inputs `dy`, `x` (float32, the same shape); output dx = dy where x > 0,
 * else 0. selfsup's native kernels register it for the wasm backend; tfjs' own gradient of `Relu` is
 * dy * cast(step(x)), three full-size kernels.
 */
export const RELU_GRAD_KERNEL = 'SelfsupReluGrad';

/** The gradient of `Relu` that {@link useReluGradKernel} replaced, to run where the kernel is absent and to restore. */
let replaced: GradConfig | undefined;

/** tfjs-core's formula, for when no gradient of `Relu` was registered before ours (tfjs' are registered by initBackend). */
const tfjsFormula = (dy: tf.Tensor, x: tf.Tensor): tf.Tensor => tf.mul(dy, tf.cast(tf.step(x), 'float32'));

/**
 * `Relu`'s gradient with the one-pass kernel where the active backend has it (float32), and otherwise the gradient it
 * replaced, so every other backend computes exactly what it did before.
 */
const reluGradient: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap | undefined) => {
    const dy = Array.isArray(dys) ? (dys[0] as tf.Tensor) : dys;
    const [x] = saved as [tf.Tensor];
    const kernel = tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined && dy.dtype === 'float32' && x.dtype === 'float32';
    if (kernel) return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }, {}) as tf.Tensor };
    if (replaced !== undefined) return replaced.gradFunc(dys, saved, attrs ?? {});
    return { x: () => tfjsFormula(dy, x) };
  },
};

/**
 * Registers {@link reluGradient} for `Relu` (gradients are global in tfjs, not per backend), remembering the one it
 * replaces. Called by initBackend when it registers the kernel (never on import); idempotent.
 */
export function useReluGradKernel(): void {
  if (tf.getGradient('Relu') === reluGradient) return;
  replaced = tf.getGradient('Relu');
  tf.registerGradient(reluGradient);
}

/** Puts back the gradient {@link useReluGradKernel} replaced (nothing when it replaced none: ours then stays, inert). */
export function restoreReluGradient(): void {
  if (tf.getGradient('Relu') !== reluGradient || replaced === undefined) return;
  tf.registerGradient(replaced);
  replaced = undefined;
}
