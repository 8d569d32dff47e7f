import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, BatchNormTrainingActivation, NamedVariable } from '@selfsup/tensors';
import {
  type ProcessGroup,
  SelfsupError,
  allReduceWithGradient,
  assertInRange,
  assertOneOf,
  assertOptions,
  assertPositive,
  assertPositiveInteger,
  batchNormTraining,
  invalidArgument,
  namedVariable,
  syncBatchNormGroup,
} from '@selfsup/tensors';
import { type Layer, assertChannelsLastInput, assertLayerName, isTraining } from './layer.js';

export interface BatchNormOptions {
  /** Features (rank-2 inputs [N, C]) or channels (NHWC inputs [N, H, W, C]). */
  readonly channels: number;
  /**
   * Weight of the new batch statistic in the running averages: running = (1 - momentum) * running + momentum * batch.
   * Default 0.1, PyTorch's convention (Keras and TensorFlow write the complement, 0.99).
   */
  readonly momentum?: number;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch). */
  readonly epsilon?: number;
  /** Learnable scale (gamma, from 1) and shift (beta, from 0). Default true; SimSiam's projector output has none. */
  readonly affine?: boolean;
  /** Variable-name prefix (default "bn"): `<name>/gamma`, `<name>/beta`, `<name>/runningMean`, `<name>/runningVar`. */
  readonly name?: string;
  /** Initial gamma (default 1). 0 makes a residual branch start as the identity (Goyal et al. 2017). */
  readonly gammaInit?: number;
  /**
   * `relu`: the layer outputs max(0, batch norm of x), for conv -> BN -> ReLU blocks. In training mode the ReLU runs
   * inside `batchNormTraining` (one native kernel per direction with the native kernels), which a separate `tf.relu`
   * after the layer cannot; values and gradients are the same. Default `linear` (no activation).
   */
  readonly activation?: BatchNormTrainingActivation;
}

export interface BatchNorm extends Layer<tf.Tensor, tf.Tensor> {
  readonly channels: number;
  readonly momentum: number;
  readonly epsilon: number;
  /** What the layer applies after normalising: nothing (`linear`) or a ReLU. */
  readonly activation: BatchNormTrainingActivation;
  readonly gamma: NamedVariable | undefined;
  readonly beta: NamedVariable | undefined;
  /** Non-trainable state (trainable: false): the optimiser never touches it; checkpoints and EMA copies carry it. */
  readonly runningMean: NamedVariable;
  readonly runningVar: NamedVariable;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015), over every axis but the last.
 *
 * - `apply(x, { training: true })` (pretraining): normalises with the batch's mean and biased variance
 *   (`batchNormTraining` of @selfsup/tensors: one native kernel per direction on wasm with the native kernels, tfjs ops
 *   elsewhere) and updates the running averages, the variance unbiased (n / (n - 1)), as PyTorch does. The update is a
 *   `variable.assign`, so it may run inside a gradient tape; the gradient flows through the batch statistics.
 * - `apply(x)` (the default, inference and probing): normalises with the running averages, which stay frozen.
 *
 * With `activation: 'relu'` both modes end with a ReLU (fused into the training-mode kernels).
 */
export function batchNorm(options: BatchNormOptions): BatchNorm {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const { channels, momentum = 0.1, epsilon = 1e-5, affine = true, name = 'bn', gammaInit = 1, activation = 'linear' } = options;
  assertPositiveInteger('options.channels', channels);
  assertInRange('options.momentum', momentum, 0, 1);
  assertPositive('options.epsilon', epsilon);
  assertLayerName('options.name', name);
  if (typeof affine !== 'boolean') invalidArgument('options.affine', 'a boolean', affine);
  if (typeof gammaInit !== 'number' || !Number.isFinite(gammaInit)) invalidArgument('options.gammaInit', 'a finite number', gammaInit);
  assertOneOf('options.activation', activation, ['linear', 'relu']);
  const gamma = affine ? namedVariable(`${name}/gamma`, tf.fill([channels], gammaInit)) : undefined;
  const beta = affine ? namedVariable(`${name}/beta`, tf.zeros([channels])) : undefined;
  const runningMean = namedVariable(`${name}/runningMean`, tf.zeros([channels]), false);
  const runningVar = namedVariable(`${name}/runningVar`, tf.ones([channels]), false);
  const variables = [...(gamma && beta ? [gamma, beta] : []), runningMean, runningVar];
  // Running statistics are state. They are updated inside a custom gradient's forward, which the gradient tape does
  // not record: no gradient flows into them, and the tape keeps no copies of this per-channel arithmetic (recorded,
  // every multiply would save its operands for a backward pass that never comes). Its output is a placeholder.
  const updateRunning = (mean: tf.Tensor, variance: tf.Tensor, count: number): void => {
    const update = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [batchMean, batchVariance] = args as [tf.Tensor, tf.Tensor];
      const unbiased = tf.mul(batchVariance, count / (count - 1));
      runningMean.variable.assign(tf.add(tf.mul(runningMean.variable, 1 - momentum), tf.mul(batchMean, momentum)));
      runningVar.variable.assign(tf.add(tf.mul(runningVar.variable, 1 - momentum), tf.mul(unbiased, momentum)));
      return { value: tf.scalar(0), gradFunc: () => [tf.zerosLike(batchMean), tf.zerosLike(batchVariance)] };
    });
    update(mean, variance).dispose();
  };

  return {
    name,
    channels,
    momentum,
    epsilon,
    activation,
    gamma,
    beta,
    runningMean,
    runningVar,
    variables,
    apply(x: tf.Tensor, applyOptions?: ApplyOptions): tf.Tensor {
      assertChannelsLastInput(name, x, channels, [2, 3, 4]);
      // Without affine parameters, pass constants: batchNormTraining takes both, and tfjs-core's batchNorm gradient
      // saves `scale` for the backward pass and fails on an undefined one.
      const scale = (): tf.Tensor => gamma?.variable ?? tf.ones([channels]);
      const offset = (): tf.Tensor => beta?.variable ?? tf.zeros([channels]);
      if (!isTraining(applyOptions)) {
        return tf.tidy(() => {
          const y = tf.batchNorm(x, runningMean.variable, runningVar.variable, offset(), scale(), epsilon);
          return activation === 'relu' ? tf.relu(y) : y;
        });
      }
      const count = x.size / channels;
      if (count < 2) {
        throw new SelfsupError(
          'INVALID_ARGUMENT',
          `${name}: training-mode batch norm needs more than one value per channel; got input of shape [${x.shape.join(', ')}] (use a batch of 2 or more, or apply without training)`,
          { argument: `${name} input` },
        );
      }
      // fit's syncBatchNorm: the statistics of every rank's samples (each rank holds a batch of the same size).
      const group = syncBatchNormGroup();
      if (group !== undefined) {
        return tf.tidy(() => {
          const { y, mean, variance } = syncedBatchNorm(group, x, scale(), offset(), epsilon, count);
          updateRunning(mean, variance, count * group.worldSize);
          return activation === 'relu' ? tf.relu(y) : y;
        });
      }
      return tf.tidy(() => {
        const { y, mean, variance } = batchNormTraining(x, scale(), offset(), epsilon, { activation });
        updateRunning(mean, variance, count);
        return y;
      });
    },
    dispose() {
      for (const v of variables) if (!v.variable.isDisposed) v.variable.dispose();
    },
  };
}

/**
 * Training-mode batch norm with the statistics of every rank's samples, in two passes as one process computes them:
 * the per-channel sum of x summed over the ranks gives the mean, then the sum of (x - mean)^2 the biased variance
 * (one all-reduce more than summing x and x^2 together, which loses digits to cancellation). Both sums are
 * differentiable, so the gradient reaches every rank's samples as in one process holding the concatenated batch.
 */
function syncedBatchNorm(
  group: ProcessGroup,
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  epsilon: number,
  count: number,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const total = count * group.worldSize;
  const mean = tf.div(allReduceWithGradient(group, tf.sum(x, axes)), total);
  const centered = tf.sub(x, mean);
  const variance = tf.div(allReduceWithGradient(group, tf.sum(tf.square(centered), axes)), total);
  const y = tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon))), scale), offset);
  return { y, mean, variance };
}
