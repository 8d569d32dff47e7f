import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertShape } from '../validate.js';
import { invalidArgument } from '../errors.js';

export interface CrossEntropyOptions {
  /** Per-sample weights [N] (e.g. class rebalancing); the mean is weighted: sum(w * l) / sum(w). */
  readonly weights?: tf.Tensor1D;
  /** 'mean' (default), 'sum' or 'none' (per-sample [N]). */
  readonly reduction?: 'mean' | 'sum' | 'none';
}

function reduce(perSample: tf.Tensor1D, options: CrossEntropyOptions): tf.Tensor {
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'none') return options.weights ? tf.mul(perSample, options.weights) : perSample;
  if (options.weights) {
    const weighted = tf.sum(tf.mul(perSample, options.weights));
    return reduction === 'sum' ? weighted : tf.div(weighted, tf.maximum(tf.sum(options.weights), 1e-12));
  }
  return reduction === 'sum' ? tf.sum(perSample) : tf.mean(perSample);
}

/**
 * Cross-entropy of logits [N, C] against integer class targets [N] (int32), computed stably through log-softmax.
 * Gradient-safe: targets select through a one-hot mask, not a gather.
 */
export function sparseCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, options: CrossEntropyOptions = {}): tf.Tensor {
  assertRank('logits', logits, 2);
  const [n, c] = logits.shape;
  assertShape('targets', targets, [n], { dtype: 'int32' });
  if (c < 1) invalidArgument('logits', 'a tensor with at least one class column', logits);
  if (options.weights !== undefined) assertShape('options.weights', options.weights, [n]);
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const mask = tf.oneHot(targets, c);
    const perSample = tf.neg(tf.sum(tf.mul(logProbs, mask), 1)) as tf.Tensor1D;
    return reduce(perSample, options);
  });
}

/** Cross-entropy of logits [N, C] against target distributions [N, C] (soft labels; rows sum to 1). */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, options: CrossEntropyOptions = {}): tf.Tensor {
  assertRank('logits', logits, 2);
  assertShape('targets', targets, [logits.shape[0], logits.shape[1]]);
  if (options.weights !== undefined) assertShape('options.weights', options.weights, [logits.shape[0]]);
  return tf.tidy(() => {
    const perSample = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), targets), 1)) as tf.Tensor1D;
    return reduce(perSample, options);
  });
}

/** Fraction of rows whose argmax equals the target (top-k when k > 1). Returns a JS number. */
export function accuracy(logits: tf.Tensor2D, targets: tf.Tensor1D, k = 1): number {
  assertRank('logits', logits, 2);
  assertShape('targets', targets, [logits.shape[0]], { dtype: 'int32' });
  if (!Number.isInteger(k) || k < 1 || k > logits.shape[1]) invalidArgument('k', `an integer in [1, ${logits.shape[1]}]`, k);
  if (logits.shape[0] === 0) return 0;
  return tf.tidy(() => {
    const top = tf.topk(logits, k).indices;
    const hit = tf.any(tf.equal(top, tf.expandDims(targets, 1)), 1);
    return tf.mean(tf.cast(hit, 'float32')).dataSync()[0] ?? 0;
  });
}
