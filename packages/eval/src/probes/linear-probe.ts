import * as tf from '@tensorflow/tfjs-core';
import {
  type Encoder,
  type ImageDataset,
  type JsonObject,
  type ProbeResult,
  assertInRange,
  assertInteger,
  assertNonNegative,
  assertOptions,
  assertPositive,
  createRng,
  invalidArgument,
} from '@selfsup/tensors';
import { type FeatureSet, assertFeatures, extractFeatures } from '../features.js';
import { type LinearClassifierOptions, trainLinearClassifier } from './linear-classifier.js';

/** One configuration tried on the validation split. */
export interface SweepTrial {
  /** SGD only. */
  readonly learningRate?: number;
  readonly weightDecay: number;
  readonly validationTop1: number;
  readonly validationLoss: number;
  readonly diverged: boolean;
}

export interface LinearSweepOptions extends LinearClassifierOptions {
  /** SGD learning rates to try. Default [0.001, 0.01, 0.1, 1] (SGD), ignored by L-BFGS. */
  readonly learningRates?: readonly number[];
  /** Weight decays to try. Default [weightDecay ?? 0] for SGD, [1e-5, 1e-4, 1e-3, 1e-2] for L-BFGS. */
  readonly weightDecays?: readonly number[];
  /** Fraction of the training features held out (stratified by class) to choose among them. Default 0.1. */
  readonly validationFraction?: number;
  /** Called after each trial (progress, logging). */
  readonly onTrial?: (trial: SweepTrial, index: number, total: number) => void;
}

export interface SweepResult {
  readonly learningRate?: number;
  readonly weightDecay: number;
  readonly trials: readonly SweepTrial[];
  readonly numTrain: number;
  readonly numValidation: number;
}

export const DEFAULT_SGD_LEARNING_RATES: readonly number[] = Object.freeze([0.001, 0.01, 0.1, 1]);
export const DEFAULT_LBFGS_WEIGHT_DECAYS: readonly number[] = Object.freeze([1e-5, 1e-4, 1e-3, 1e-2]);

/** A seeded split of sample indices, stratified by class: about `fraction` of each class (at least one, never all). */
export function stratifiedSplit(labels: Int32Array, fraction: number, seed: number): { train: number[]; validation: number[] } {
  if (!(labels instanceof Int32Array)) invalidArgument('labels', 'an Int32Array of class ids', labels);
  assertInRange('validationFraction', fraction, 0, 1);
  assertInteger('seed', seed);
  const rng = createRng(seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l) ?? [];
    list.push(i);
    byClass.set(l, list);
  });
  const train: number[] = [];
  const validation: number[] = [];
  for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(byClass.get(key) ?? []);
    const k = members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction)));
    validation.push(...members.slice(0, k));
    train.push(...members.slice(k));
  }
  train.sort((a, b) => a - b);
  validation.sort((a, b) => a - b);
  return { train, validation };
}

function takeRows(set: FeatureSet, rows: readonly number[]): FeatureSet {
  const features = tf.tidy(() => tf.gather(set.features, tf.tensor1d(Int32Array.from(rows), 'int32')) as tf.Tensor2D);
  return { features, labels: Int32Array.from(rows, (i) => set.labels[i] as number), numClasses: set.numClasses };
}

function sweepGrid(options: LinearSweepOptions): { learningRate?: number; weightDecay: number }[] {
  const optimizer = options.optimizer ?? 'sgd';
  const weightDecays = options.weightDecays ?? (optimizer === 'lbfgs' ? DEFAULT_LBFGS_WEIGHT_DECAYS : [options.weightDecay ?? 0]);
  if (!Array.isArray(weightDecays) || weightDecays.length === 0) invalidArgument('options.weightDecays', 'a non-empty array', weightDecays);
  weightDecays.forEach((wd, i) => {
    assertNonNegative(`options.weightDecays[${i}]`, wd);
  });
  if (optimizer === 'lbfgs') return weightDecays.map((weightDecay) => ({ weightDecay }));
  const learningRates = options.learningRates ?? (options.learningRate !== undefined ? [options.learningRate] : DEFAULT_SGD_LEARNING_RATES);
  if (!Array.isArray(learningRates) || learningRates.length === 0) invalidArgument('options.learningRates', 'a non-empty array', learningRates);
  learningRates.forEach((lr, i) => {
    assertPositive(`options.learningRates[${i}]`, lr);
  });
  return learningRates.flatMap((learningRate) => weightDecays.map((weightDecay) => ({ learningRate, weightDecay })));
}

/**
 * Chooses the learning rate (SGD) and weight decay of a linear probe on a validation split carved out of the
 * training features. It sees training features only: the test set cannot influence the choice. The best trial has
 * the highest validation top-1, ties broken by the lower validation loss, then by sweep order.
 */
export function sweepLinearClassifier(train: FeatureSet, options: LinearSweepOptions = {}): SweepResult {
  assertFeatures('train', train?.features, train?.labels);
  assertOptions('options', options);
  const grid = sweepGrid(options);
  const fraction = options.validationFraction ?? 0.1;
  assertInRange('options.validationFraction', fraction, 0.01, 0.9);
  const seed = options.seed ?? 0;
  const split = stratifiedSplit(train.labels, fraction, seed);
  if (split.validation.length === 0) {
    invalidArgument('train', 'at least two samples of some class (to hold some out for validation)', `${train.labels.length} samples`);
  }
  const fitPart = takeRows(train, split.train);
  const valPart = takeRows(train, split.validation);
  const trials: SweepTrial[] = [];
  const { learningRates: _lr, weightDecays: _wd, validationFraction: _vf, onTrial, ...base } = options;
  try {
    grid.forEach((point, index) => {
      const classifier = trainLinearClassifier(fitPart.features, fitPart.labels, {
        ...base,
        ...point,
        numClasses: options.numClasses ?? train.numClasses,
      });
      try {
        const evaluation = classifier.evaluate(valPart.features, valPart.labels);
        const trial: SweepTrial = {
          ...(point.learningRate !== undefined ? { learningRate: point.learningRate } : {}),
          weightDecay: point.weightDecay,
          validationTop1: evaluation.top1,
          validationLoss: classifier.diverged ? Number.POSITIVE_INFINITY : evaluation.loss,
          diverged: classifier.diverged,
        };
        trials.push(trial);
        onTrial?.(trial, index, grid.length);
      } finally {
        classifier.dispose();
      }
    });
  } finally {
    fitPart.features.dispose();
    valPart.features.dispose();
  }
  let best = trials[0] as SweepTrial;
  for (const trial of trials) {
    const better =
      (best.diverged && !trial.diverged) ||
      (!trial.diverged &&
        (trial.validationTop1 > best.validationTop1 ||
          (trial.validationTop1 === best.validationTop1 && trial.validationLoss < best.validationLoss)));
    if (better) best = trial;
  }
  return {
    ...(best.learningRate !== undefined ? { learningRate: best.learningRate } : {}),
    weightDecay: best.weightDecay,
    trials,
    numTrain: split.train.length,
    numValidation: split.validation.length,
  };
}

function trialJson(t: SweepTrial): JsonObject {
  return {
    ...(t.learningRate !== undefined ? { learningRate: t.learningRate } : {}),
    weightDecay: t.weightDecay,
    validationTop1: t.validationTop1,
    validationLoss: Number.isFinite(t.validationLoss) ? t.validationLoss : null,
    diverged: t.diverged,
  };
}

/**
 * The linear probe on precomputed features: sweep on a validation split of `train`, retrain with the chosen
 * configuration on all of `train`, then evaluate on `test` once. `config` records the sweep and the choice.
 */
export function linearEvaluate(train: FeatureSet, test: FeatureSet, options: LinearSweepOptions = {}): ProbeResult {
  const started = performance.now();
  assertFeatures('train', train?.features, train?.labels);
  assertFeatures('test', test?.features, test?.labels);
  const numClasses = options.numClasses ?? Math.max(train.numClasses, test.numClasses);
  const sweep = sweepLinearClassifier(train, { ...options, numClasses });
  return fitAndScore(train, test, sweep, { ...options, numClasses }, started);
}

/** Trains on all of `train` with the sweep's choice and scores `test`: the only place test features are read. */
function fitAndScore(train: FeatureSet, test: FeatureSet, sweep: SweepResult, options: LinearSweepOptions, started: number): ProbeResult {
  assertFeatures('test', test?.features, test?.labels);
  if (test.features.shape[1] !== train.features.shape[1]) {
    invalidArgument('test.features', `a [N, ${train.features.shape[1]}] tensor (same D as train)`, test.features);
  }
  const numClasses = options.numClasses ?? Math.max(train.numClasses, test.numClasses);
  const { learningRates: _lr, weightDecays: _wd, validationFraction: _vf, onTrial: _t, ...base } = options;
  const classifier = trainLinearClassifier(train.features, train.labels, {
    ...base,
    ...(sweep.learningRate !== undefined ? { learningRate: sweep.learningRate } : {}),
    weightDecay: sweep.weightDecay,
    numClasses,
  });
  try {
    const evaluation = classifier.evaluate(test.features, test.labels);
    return {
      probe: 'linear',
      top1: evaluation.top1,
      ...(evaluation.top5 !== undefined ? { top5: evaluation.top5 } : {}),
      numTrain: train.labels.length,
      numTest: test.labels.length,
      config: {
        ...classifier.config,
        chosen: {
          ...(sweep.learningRate !== undefined ? { learningRate: sweep.learningRate } : {}),
          weightDecay: sweep.weightDecay,
        },
        sweep: sweep.trials.map(trialJson),
        selection: 'validation top-1 (then loss) on a stratified split of the training features',
        validationFraction: options.validationFraction ?? 0.1,
        numValidation: sweep.numValidation,
        featureDim: train.features.shape[1],
        diverged: classifier.diverged,
        finalTrainLoss: classifier.losses[classifier.losses.length - 1] ?? null,
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    classifier.dispose();
  }
}

export interface LinearProbeOptions extends LinearSweepOptions {
  /** Images per encoder call while extracting features. Default 256. */
  readonly batchSize?: number;
  /** SGD batch size of the classifier. Default 256. */
  readonly classifierBatchSize?: number;
}

/**
 * The linear probe of a frozen encoder: embeds `train` once (batch norm in inference mode), sweeps and trains the
 * classifier on those cached features, and only then embeds and scores `test`.
 *
 * @example
 * ```ts
 * import { initBackend } from '@selfsup/tensors';
 * import { loadMnist } from '@selfsup/tensors/node';
 * import { convNet } from '@selfsup/encoders';
 * import { linearProbe } from '@selfsup/eval';
 *
 * await initBackend();
 * const [train, test] = [loadMnist('train', { limit: 500 }), loadMnist('test', { limit: 200 })];
 * const encoder = convNet({ inputShape: [28, 28, 1], channels: [8, 16], strides: [2, 2], seed: 0 }); // frozen here
 * const result = await linearProbe(encoder, train, test);
 * console.log(result.top1, result.config); // top-1 on test, and the chosen learning rate / weight decay
 * encoder.dispose();
 * ```
 */
export async function linearProbe(encoder: Encoder, train: ImageDataset, test: ImageDataset, options: LinearProbeOptions = {}): Promise<ProbeResult> {
  assertOptions('options', options);
  const started = performance.now();
  const { batchSize, classifierBatchSize, ...rest } = options;
  const sweepOptions: LinearSweepOptions = { ...rest, ...(classifierBatchSize !== undefined ? { batchSize: classifierBatchSize } : {}) };
  const extract = batchSize !== undefined ? { batchSize } : {};
  const trainFeatures = await extractFeatures(encoder, train, extract);
  let sweep: SweepResult;
  try {
    sweep = sweepLinearClassifier(trainFeatures, { ...sweepOptions, numClasses: options.numClasses ?? trainFeatures.numClasses });
  } catch (error) {
    trainFeatures.features.dispose();
    throw error;
  }
  // The test split is read only now, after the choice is made.
  let testFeatures: FeatureSet;
  try {
    testFeatures = await extractFeatures(encoder, test, extract);
  } catch (error) {
    trainFeatures.features.dispose();
    throw error;
  }
  try {
    const numClasses = options.numClasses ?? Math.max(trainFeatures.numClasses, testFeatures.numClasses);
    const result = fitAndScore(trainFeatures, testFeatures, sweep, { ...sweepOptions, numClasses }, started);
    return { ...result, config: { ...result.config, encoder: encoder.architecture, train: train.name, test: test.name } };
  } finally {
    trainFeatures.features.dispose();
    testFeatures.features.dispose();
  }
}
