import * as tf from '@tensorflow/tfjs-core';

/**
 * The kernel of one parameter's Adam update in one pass. Inputs `p`, `g`, `m`, `v` (float32, one shape); attrs
 * {@link AdamUpdateAttrs}; outputs `[p', m', v']`. selfsup's native kernels register it for the wasm backend; elsewhere
 * the update runs as the thirteen tfjs ops of the same formula (the arithmetic, float32 and in the same order, is the
 * kernel's too).
 */
export const ADAM_UPDATE_KERNEL = 'SelfsupAdamUpdate';

/**
 * The numbers of one Adam update, each used as a float32 (as a tfjs scalar would be):
 * g' = g + l2 p (when l2 > 0); m' = beta1 m + (1 - beta1) g'; v' = beta2 v + (1 - beta2) g'^2;
 * p' = p - (step m' / (sqrt(c2 v') + epsilon) + decoupled p) (the last term when decoupled > 0).
 */
export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  /** The learning rate times the first moment's bias correction 1 / (1 - beta1^t). */
  readonly step: number;
  /** The second moment's bias correction 1 / (1 - beta2^t). */
  readonly c2: number;
  readonly epsilon: number;
  /** L2 weight decay, added to the gradient. */
  readonly l2: number;
  /** The learning rate times AdamW's decoupled weight decay. */
  readonly decoupled: number;
}

/** The updated parameter and moments. */
export interface AdamUpdateResult {
  readonly param: tf.Tensor;
  readonly m: tf.Tensor;
  readonly v: tf.Tensor;
}

/**
 * One parameter's Adam update (PyTorch's form, p -= lr m_hat / (sqrt(v_hat) + eps)): the kernel where the backend
 * has it, else tfjs ops. Internal to the optimizers: they check their inputs once, when built.
 */
export function adamUpdate(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: AdamUpdateAttrs): AdamUpdateResult {
  const fused = tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined && [p, g, m, v].every((t) => t.dtype === 'float32');
  if (fused) {
    const [param, mNext, vNext] = tf.engine().runKernel(ADAM_UPDATE_KERNEL, { p, g, m, v }, { ...attrs }) as tf.Tensor[];
    return { param: param!, m: mNext!, v: vNext! };
  }
  return tf.tidy(() => {
    const grad = attrs.l2 > 0 ? tf.add(g, tf.mul(p, attrs.l2)) : g;
    const mNext = tf.add(tf.mul(m, attrs.beta1), tf.mul(grad, 1 - attrs.beta1));
    const vNext = tf.add(tf.mul(v, attrs.beta2), tf.mul(tf.square(grad), 1 - attrs.beta2));
    let update = tf.div(tf.mul(mNext, attrs.step), tf.add(tf.sqrt(tf.mul(vNext, attrs.c2)), attrs.epsilon));
    if (attrs.decoupled > 0) update = tf.add(update, tf.mul(p, attrs.decoupled));
    return { param: tf.sub(p, update), m: mNext, v: vNext };
  });
}
