import * as tf from '@tensorflow/tfjs-core';
import {
  type JsonObject,
  assertInRange,
  assertInteger,
  assertNonNegative,
  assertOneOf,
  assertOptions,
  assertPositive,
  assertPositiveInteger,
  createRng,
  invalidArgument,
} from '@selfsup/tensors';
import { assertFeatures } from '../features.js';
import { minimizeLbfgs } from './lbfgs.js';
import { type ClassRanking, topKAccuracy } from './top-k.js';

export interface LinearClassifierOptions {
  /** 'sgd' (mini-batch SGD with momentum and a cosine schedule; default) or 'lbfgs' (full batch, deterministic). */
  readonly optimizer?: 'sgd' | 'lbfgs';
  /** SGD base learning rate. Default 0.1. */
  readonly learningRate?: number;
  /** SGD momentum. Default 0.9. */
  readonly momentum?: number;
  /** L2 penalty weightDecay / 2 * ||W||^2 added to the mean cross-entropy (the bias is not decayed). Default 0. */
  readonly weightDecay?: number;
  /** SGD passes over the data. Default 30. */
  readonly epochs?: number;
  /** SGD batch size. Default 256. */
  readonly batchSize?: number;
  /** L-BFGS iterations at most. Default 300. */
  readonly maxIterations?: number;
  /** Standardise features (zero mean, unit variance, statistics of the training features). Default true. */
  readonly standardize?: boolean;
  /** Number of classes. Default: max label + 1. */
  readonly numClasses?: number;
  /** Seeds the SGD sample order. Default 0. */
  readonly seed?: number;
}

/** What a classifier scores on labelled features. */
export interface LinearEvaluation {
  readonly top1: number;
  /** Present when there are more than 5 classes. */
  readonly top5?: number;
  /** Mean cross-entropy. */
  readonly loss: number;
  readonly ranking: ClassRanking;
}

/** A trained softmax classifier on frozen features. Owns its tensors: call dispose(). */
export interface LinearClassifier {
  /** [D, C] weights (acting on standardised features when `standardize`). */
  readonly weights: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
  readonly numClasses: number;
  /** Training loss per epoch (SGD) or per iteration (L-BFGS). */
  readonly losses: readonly number[];
  /** True when training produced a non-finite loss (learning rate too high); predictions are then meaningless. */
  readonly diverged: boolean;
  /** The options used, with defaults filled in (JSON). */
  readonly config: JsonObject;
  /** [N, C] logits of raw (unstandardised) features. */
  logits(features: tf.Tensor2D): tf.Tensor2D;
  evaluate(features: tf.Tensor2D, labels: Int32Array): LinearEvaluation;
  dispose(): void;
}

interface Resolved {
  readonly optimizer: 'sgd' | 'lbfgs';
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly maxIterations: number;
  readonly standardize: boolean;
  readonly seed: number;
}

function resolve(options: LinearClassifierOptions): Resolved {
  assertOptions('options', options);
  const r: Resolved = {
    optimizer: options.optimizer ?? 'sgd',
    learningRate: options.learningRate ?? 0.1,
    momentum: options.momentum ?? 0.9,
    weightDecay: options.weightDecay ?? 0,
    epochs: options.epochs ?? 30,
    batchSize: options.batchSize ?? 256,
    maxIterations: options.maxIterations ?? 300,
    standardize: options.standardize ?? true,
    seed: options.seed ?? 0,
  };
  assertOneOf('options.optimizer', r.optimizer, ['sgd', 'lbfgs']);
  assertPositive('options.learningRate', r.learningRate);
  assertInRange('options.momentum', r.momentum, 0, 0.999);
  assertNonNegative('options.weightDecay', r.weightDecay);
  assertPositiveInteger('options.epochs', r.epochs);
  assertPositiveInteger('options.batchSize', r.batchSize);
  assertPositiveInteger('options.maxIterations', r.maxIterations);
  assertInteger('options.seed', r.seed);
  return r;
}

/**
 * Mean cross-entropy of x W + b against one-hot labels plus weightDecay / 2 * ||W||^2, and its gradients in closed
 * form (dlogits = (softmax - onehot) / N; dW = x^T dlogits + weightDecay W; db = sum dlogits). Closed form rather
 * than autodiff: no gradient registry needed, and x^T is passed in pre-transposed because wasm's transposed matMul
 * is several times slower than the plain one. Call inside tf.tidy.
 */
function lossAndGradients(
  x: tf.Tensor2D,
  xT: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  weightDecay: number,
): [tf.Scalar, tf.Tensor2D, tf.Tensor1D] {
  const n = x.shape[0];
  const logits = tf.add(tf.matMul(x, w), b);
  const logProbs = tf.logSoftmax(logits);
  let loss = tf.neg(tf.div(tf.sum(tf.mul(logProbs, oneHot)), n)) as tf.Scalar;
  const dLogits = tf.div(tf.sub(tf.exp(logProbs), oneHot), n);
  let dW = tf.matMul(xT, dLogits) as tf.Tensor2D;
  if (weightDecay > 0) {
    loss = tf.add(loss, tf.mul(tf.sum(tf.square(w)), weightDecay / 2)) as tf.Scalar;
    dW = tf.add(dW, tf.mul(w, weightDecay)) as tf.Tensor2D;
  }
  return [loss, dW, tf.sum(dLogits, 0) as tf.Tensor1D];
}

/**
 * Trains a linear softmax classifier on frozen features [N, D] with labels. Weights start at zero (the problem is
 * convex; zero start makes L-BFGS fully deterministic and SGD dependent only on the seeded sample order).
 */
export function trainLinearClassifier(features: tf.Tensor2D, labels: Int32Array, options: LinearClassifierOptions = {}): LinearClassifier {
  assertFeatures('train', features, labels);
  const r = resolve(options);
  const [n, d] = features.shape;
  if (n === 0) invalidArgument('features', 'at least one row', features);
  let maxLabel = 0;
  for (const l of labels) {
    if (l < 0) invalidArgument('labels', 'non-negative class ids', l);
    if (l > maxLabel) maxLabel = l;
  }
  const numClasses = options.numClasses ?? maxLabel + 1;
  assertInteger('options.numClasses', numClasses, Math.max(2, maxLabel + 1));

  const [mean, std] = r.standardize
    ? tf.tidy(() => {
        const m = tf.moments(features, 0);
        return [m.mean as tf.Tensor1D, tf.maximum(tf.sqrt(m.variance), 1e-6) as tf.Tensor1D];
      })
    : [undefined, undefined];
  const standardizeInput = (x: tf.Tensor2D): tf.Tensor2D =>
    mean !== undefined && std !== undefined ? (tf.div(tf.sub(x, mean), std) as tf.Tensor2D) : x;

  const x = tf.tidy(() => standardizeInput(features));
  const y = tf.tensor1d(labels, 'int32');
  const losses: number[] = [];
  let weights: tf.Tensor2D;
  let bias: tf.Tensor1D;
  let diverged = false;
  try {
    if (r.optimizer === 'lbfgs') {
      const oneHot = tf.oneHot(y, numClasses) as tf.Tensor2D;
      const xT = tf.transpose(x) as tf.Tensor2D;
      try {
        const size = d * numClasses;
        const result = minimizeLbfgs(
          (params) => {
            const [value, gw, gb] = tf.tidy(() => {
              const w = tf.tensor2d(Float32Array.from(params.subarray(0, size)), [d, numClasses]);
              const b = tf.tensor1d(Float32Array.from(params.subarray(size)));
              return lossAndGradients(x, xT, oneHot, w, b, r.weightDecay);
            });
            const gradient = new Float64Array(size + numClasses);
            gradient.set(gw.dataSync(), 0);
            gradient.set(gb.dataSync(), size);
            const loss = value.dataSync()[0] as number;
            tf.dispose([value, gw, gb]);
            return { loss, gradient };
          },
          new Float64Array(size + numClasses),
          { maxIterations: r.maxIterations },
        );
        losses.push(...result.losses);
        diverged = result.stoppedBy === 'nonFinite';
        weights = tf.tensor2d(Float32Array.from(result.x.subarray(0, size)), [d, numClasses]);
        bias = tf.tensor1d(Float32Array.from(result.x.subarray(size)));
      } finally {
        tf.dispose([oneHot, xT]);
      }
    } else {
      ({ weights, bias, diverged } = trainSgd(x.dataSync() as Float32Array, labels, n, d, numClasses, r, losses));
    }
  } finally {
    // Without standardisation x is the caller's tensor: not ours to dispose.
    if (x !== features) x.dispose();
    y.dispose();
  }
  const w = weights;
  const b = bias;

  const logits = (input: tf.Tensor2D): tf.Tensor2D => {
    if (input.rank !== 2 || input.shape[1] !== d) invalidArgument('features', `a [N, ${d}] tensor`, input);
    return tf.tidy(() => tf.add(tf.matMul(standardizeInput(input), w), b) as tf.Tensor2D);
  };
  return {
    weights: w,
    bias: b,
    numClasses,
    losses,
    diverged,
    config: {
      optimizer: r.optimizer,
      ...(r.optimizer === 'sgd'
        ? { learningRate: r.learningRate, momentum: r.momentum, epochs: r.epochs, batchSize: r.batchSize, schedule: 'cosine', seed: r.seed }
        : { maxIterations: r.maxIterations, iterations: losses.length }),
      weightDecay: r.weightDecay,
      standardize: r.standardize,
      numClasses,
    },
    logits,
    evaluate(input: tf.Tensor2D, evalLabels: Int32Array): LinearEvaluation {
      assertFeatures('eval', input, evalLabels);
      for (const l of evalLabels) {
        if (l < 0 || l >= numClasses) invalidArgument('labels', `class ids in [0, ${numClasses - 1}]`, l);
      }
      const width = Math.min(5, numClasses);
      const [ranked, loss] = tf.tidy(() => {
        const z = logits(input);
        const oneHot = tf.oneHot(tf.tensor1d(evalLabels, 'int32'), numClasses);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(z), oneHot), 1)));
        return [tf.topk(z, width).indices, ce];
      });
      const ranking: ClassRanking = { classes: ranked.dataSync() as Int32Array, width };
      const lossValue = loss.dataSync()[0] as number;
      tf.dispose([ranked, loss]);
      return {
        top1: diverged ? 0 : topKAccuracy(ranking, evalLabels, 1),
        ...(numClasses > 5 ? { top5: diverged ? 0 : topKAccuracy(ranking, evalLabels, 5) } : {}),
        loss: lossValue,
        ranking,
      };
    },
    dispose() {
      tf.dispose([w, b]);
      if (mean !== undefined) mean.dispose();
      if (std !== undefined) std.dispose();
    },
  };
}

/**
 * Mini-batch SGD with (PyTorch-style) momentum and a cosine learning-rate decay to 0. Batches are assembled on the
 * host from a copy of the (standardised) features: a row gather on the wasm backend costs more than the whole step.
 */
function trainSgd(
  hostX: Float32Array,
  labels: Int32Array,
  n: number,
  d: number,
  numClasses: number,
  r: Resolved,
  losses: number[],
): { weights: tf.Tensor2D; bias: tf.Tensor1D; diverged: boolean } {
  const rng = createRng(r.seed);
  let w = tf.zeros([d, numClasses]) as tf.Tensor2D;
  let b = tf.zeros([numClasses]) as tf.Tensor1D;
  let vw = tf.zeros([d, numClasses]) as tf.Tensor2D;
  let vb = tf.zeros([numClasses]) as tf.Tensor1D;
  const stepsPerEpoch = Math.ceil(n / r.batchSize);
  const totalSteps = stepsPerEpoch * r.epochs;
  const rows = new Float32Array(Math.min(n, r.batchSize) * d);
  let step = 0;
  let diverged = false;
  try {
    for (let epoch = 0; epoch < r.epochs && !diverged; epoch++) {
      const order = rng.permutation(n);
      let epochLoss = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const lr = 0.5 * r.learningRate * (1 + Math.cos((Math.PI * step) / totalSteps));
        const batch = order.slice(s * r.batchSize, (s + 1) * r.batchSize);
        batch.forEach((row, i) => {
          rows.set(hostX.subarray(row * d, (row + 1) * d), i * d);
        });
        const next = tf.tidy(() => {
          const xb = tf.tensor2d(rows.subarray(0, batch.length * d), [batch.length, d]);
          const ob = tf.oneHot(tf.tensor1d(Int32Array.from(batch, (i) => labels[i] as number), 'int32'), numClasses) as tf.Tensor2D;
          const [value, gw, gb] = lossAndGradients(xb, tf.transpose(xb), ob, w, b, r.weightDecay);
          const nvw = tf.add(tf.mul(vw, r.momentum), gw);
          const nvb = tf.add(tf.mul(vb, r.momentum), gb);
          return [tf.sub(w, tf.mul(nvw, lr)), tf.sub(b, tf.mul(nvb, lr)), nvw, nvb, value];
        });
        tf.dispose([w, b, vw, vb]);
        [w, b, vw, vb] = next.slice(0, 4) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
        const value = next[4] as tf.Tensor;
        const loss = value.dataSync()[0] as number;
        value.dispose();
        step++;
        if (!Number.isFinite(loss)) {
          diverged = true;
          break;
        }
        epochLoss += loss * batch.length;
      }
      losses.push(diverged ? Number.NaN : epochLoss / n);
    }
  } catch (error) {
    tf.dispose([w, b, vw, vb]);
    throw error;
  }
  tf.dispose([vw, vb]);
  return { weights: w, bias: b, diverged };
}
