import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';
import { invalidArgument } from '../errors.js';
import { assertFloatTensor, assertOneOf, assertOptions, assertPositive, assertTensor } from '../validate.js';

/**
 * The kernel names of {@link batchNormTraining}: a backend that registers a forward kernel and its backward (as
 * `KernelConfig`s) runs the op with them; every other backend runs the same formula as tfjs ops. selfsup's native
 * (oneDNN addon) kernels register all four for the wasm backend.
 * - forward: inputs `x` [..., C], `scale` [C], `offset` [C]; attrs `{ epsilon }`; outputs `[y, mean, variance]`.
 * - backward: inputs `dy`, `x`, `scale`, `mean`, `variance`; attrs `{ epsilon }`; outputs `[dx, dscale, doffset]`.
 * - reluForward (`activation: 'relu'`): as forward, with y = max(0, batch norm of x).
 * - reluBackward: inputs `dy` (the gradient of that y), `y`, `x`, `scale`, `mean`, `variance`; attrs `{ epsilon }`;
 *   outputs `[dx, dscale, doffset]`, the gradient through the ReLU (dy where y > 0) and the batch norm.
 *
 * Without the relu pair, `activation: 'relu'` runs the plain pair and tfjs' `relu`.
 */
export const BATCH_NORM_TRAINING_KERNELS = {
  forward: 'SelfsupBatchNormTraining',
  backward: 'SelfsupBatchNormTrainingGrad',
  reluForward: 'SelfsupBatchNormReluTraining',
  reluBackward: 'SelfsupBatchNormReluTrainingGrad',
} as const;

/** What {@link batchNormTraining} may apply to its output: nothing (`linear`, the default) or a ReLU. */
export type BatchNormTrainingActivation = 'linear' | 'relu';
const ACTIVATIONS: readonly BatchNormTrainingActivation[] = ['linear', 'relu'];

/** Options of {@link batchNormTraining}. */
export interface BatchNormTrainingOptions {
  /**
   * `relu`: y = max(0, batch norm of x), as `tf.relu` after it would give, value and gradient, but fused where the
   * backend has the kernels (one pass per direction instead of three more full-size kernels). Default `linear`.
   */
  readonly activation?: BatchNormTrainingActivation;
}

/** What {@link batchNormTraining} returns. */
export interface BatchNormTrainingResult<T extends tf.Tensor = tf.Tensor> {
  /** (x - mean) / sqrt(variance + epsilon) * scale + offset, the shape of x (after the ReLU with `activation: 'relu'`). */
  readonly y: T;
  /** The batch mean per channel (over every axis but the last). */
  readonly mean: tf.Tensor1D;
  /** The biased batch variance per channel (divided by the count, not the count - 1). */
  readonly variance: tf.Tensor1D;
}

/**
 * Training-mode batch normalisation over every axis but the last (channels-last data: [N, C], [N, H, W, C], ...):
 * normalises `x` with its own batch mean and biased variance, then scales and shifts per channel. Returns the output
 * and the two statistics (for running averages). Differentiable in `x`, `scale` and `offset` with the textbook
 * gradient dx = scale / std * (dy - mean(dy) - xhat * mean(dy * xhat)); `mean` and `variance` are statistics that
 * carry no gradient (as TensorFlow's fused batch norm). With `{ activation: 'relu' }` the output is max(0, y), for the
 * conv -> batch norm -> ReLU blocks of conv nets.
 *
 * Where the backend has the op's kernels ({@link BATCH_NORM_TRAINING_KERNELS}: the wasm backend with selfsup's native
 * kernels) it is one kernel per direction, the ReLU included; elsewhere it runs as tfjs ops, keeping only x, the mean,
 * 1/std and the scale for the backward pass (and `tf.relu` after it).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { batchNormTraining, initBackend } from '@selfsup/tensors';
 *
 * await initBackend();
 * const x = tf.tensor2d([[1, 10], [3, 30]]);
 * const scale = tf.ones([2]);
 * const offset = tf.zeros([2]);
 * const { y, mean, variance } = batchNormTraining(x, scale, offset, 1e-5);
 * console.log(await mean.array(), await variance.array()); // [2, 20] [1, 100]
 * console.log(await y.array()); // about [[-1, -1], [1, 1]]
 * const activated = batchNormTraining(x, scale, offset, 1e-5, { activation: 'relu' });
 * console.log(await activated.y.array()); // about [[0, 0], [1, 1]]
 * tf.dispose([x, scale, offset, y, mean, variance, activated.y, activated.mean, activated.variance]);
 * ```
 */
export function batchNormTraining<T extends tf.Tensor>(
  x: T,
  scale: tf.Tensor,
  offset: tf.Tensor,
  epsilon: number,
  options: BatchNormTrainingOptions = {},
): BatchNormTrainingResult<T> {
  assertFloatTensor('x', x);
  if (x.rank < 2) invalidArgument('x', 'a tensor of rank 2 or more, channels last', x);
  if (x.size === 0) invalidArgument('x', 'a non-empty tensor', x);
  const channels = x.shape[x.rank - 1] as number;
  for (const [name, value] of [['scale', scale], ['offset', offset]] as const) {
    assertTensor(name, value);
    if (value.rank !== 1 || value.shape[0] !== channels || value.dtype !== 'float32') {
      invalidArgument(name, `a float32 tensor of shape [${channels}] (the channels of x)`, value);
    }
  }
  assertPositive('epsilon', epsilon);
  assertOptions('options', options);
  const activation = options.activation ?? 'linear';
  assertOneOf('options.activation', activation, ACTIVATIONS);
  const backend = tf.getBackend();
  const has = (kernel: string): boolean => tf.getKernel(kernel, backend) !== undefined;
  if (activation === 'relu' && has(BATCH_NORM_TRAINING_KERNELS.reluForward)) return runForward(BATCH_NORM_TRAINING_KERNELS.reluForward, x, scale, offset, epsilon);
  const result = has(BATCH_NORM_TRAINING_KERNELS.forward)
    ? runForward(BATCH_NORM_TRAINING_KERNELS.forward, x, scale, offset, epsilon)
    : composite(x, scale, offset, epsilon);
  if (activation === 'linear') return result;
  const y = tf.relu(result.y);
  // The ReLU's gradient keeps its own reference to its input: the batch-norm output is no longer needed here.
  result.y.dispose();
  return { ...result, y };
}

/** Runs the forward kernel `kernel` (the plain or the ReLU one): [y, mean, variance]. */
function runForward<T extends tf.Tensor>(kernel: string, x: T, scale: tf.Tensor, offset: tf.Tensor, epsilon: number): BatchNormTrainingResult<T> {
  const [y, mean, variance] = tf.engine().runKernel(kernel, { x, scale, offset }, { epsilon }) as tf.Tensor[];
  return { y: y as T, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/**
 * The gradient of the forward kernel, for backends that register both kernels: one backward kernel for dx, dscale and
 * doffset. Registered by initBackend along with the kernels (never on import).
 */
export const batchNormTrainingGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAINING_KERNELS.forward,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap | undefined) => {
    // The statistics' gradients (dys[1], dys[2]) are ignored: they carry none.
    const dy = Array.isArray(dys) ? (dys[0] as tf.Tensor) : dys;
    const [x, scale, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const inputs = { dy, x, scale, mean, variance };
    const [dx, dscale, doffset] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNELS.backward, inputs, attrs ?? {}) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, scale: () => dscale as tf.Tensor, offset: () => doffset as tf.Tensor };
  },
};

/**
 * The gradient of the ReLU forward kernel: one backward kernel takes dy through the ReLU (where the saved output y > 0)
 * and the batch norm. Registered by initBackend along with the kernels (never on import).
 */
export const batchNormReluTrainingGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAINING_KERNELS.reluForward,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [true, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap | undefined) => {
    const dy = Array.isArray(dys) ? (dys[0] as tf.Tensor) : dys;
    const [x, scale, y, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const inputs = { dy, y, x, scale, mean, variance };
    const [dx, dscale, doffset] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNELS.reluBackward, inputs, attrs ?? {}) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, scale: () => dscale as tf.Tensor, offset: () => doffset as tf.Tensor };
  },
};

let gradientsRegistered = false;

/**
 * Registers {@link batchNormTrainingGradient} and {@link batchNormReluTrainingGradient} once (tfjs has no way to take a
 * gradient back out; they are inert without the kernels).
 */
export function registerBatchNormTrainingGradients(): void {
  if (gradientsRegistered) return;
  tf.registerGradient(batchNormTrainingGradient);
  tf.registerGradient(batchNormReluTrainingGradient);
  gradientsRegistered = true;
}

/**
 * The op as tfjs ops, for backends without the kernels. tfjs-core's own (moments + batchNorm) keeps the centred and
 * squared tensors of every layer for the backward pass and tiles its reductions back to full size: ResNet-18 needs
 * about 51 MB per 32x32 image to train that way, so batch 128 overflows the 4 GB wasm heap. This keeps only x (alive
 * anyway), the mean, 1/std and the scale, and computes the gradient with broadcasting. The statistics are computed
 * inside the custom gradient's forward, off the tape, and leave it kept; they are handed out as clones in the caller's
 * scope (per-channel: cheap) and the kept ones disposed.
 */
function composite<T extends tf.Tensor>(x: T, scale: tf.Tensor, offset: tf.Tensor, epsilon: number): BatchNormTrainingResult<T> {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const count = x.size / (x.shape[x.rank - 1] as number);
  let statistics: [tf.Tensor, tf.Tensor] | undefined;
  const normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const mean = tf.mean(input, axes);
    const variance = tf.mean(tf.squaredDifference(input, mean), axes);
    statistics = [tf.keep(mean), tf.keep(variance)];
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    save([input, mean, invStd, gamma]);
    return {
      value: tf.batchNorm(input, mean, variance, beta, gamma, epsilon),
      // tidy: the engine keeps a custom gradient's temporaries until the whole backward pass ends otherwise.
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const grad = dy as tf.Tensor;
          const [xs, m, inv, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const xhat = tf.mul(tf.sub(xs, m), inv);
          const dBeta = tf.sum(grad, axes);
          const dGamma = tf.sum(tf.mul(grad, xhat), axes);
          const centred = tf.sub(tf.sub(grad, tf.div(dBeta, count)), tf.mul(xhat, tf.div(dGamma, count)));
          return [tf.mul(centred, tf.mul(g, inv)), dGamma, dBeta];
        }),
    };
  });
  const y = normalise(x, scale, offset) as T;
  const [keptMean, keptVariance] = statistics as [tf.Tensor, tf.Tensor];
  const mean = tf.clone(keptMean) as tf.Tensor1D;
  const variance = tf.clone(keptVariance) as tf.Tensor1D;
  tf.dispose([keptMean, keptVariance]);
  return { y, mean, variance };
}
