import type { ImageDataset, NamedVariable, SSLMethod } from '../contracts.js';
import { type ProcessGroup, assertProcessGroup, singleProcessGroup } from '../distributed/process-group.js';
import { invalidArgument } from '../errors.js';
import type { LearningRateSchedule } from '../optim/schedule.js';
import { assertDataset, assertInteger, assertMethod, assertOptions, assertPositive, assertPositiveInteger } from '../validate.js';
import { clockSeconds } from './budget.js';
import { fitSchedule } from './schedule.js';
import type { FitOptions } from './types.js';

/** A run's checked arguments, with the defaults filled in and the step counts worked out. */
export interface FitPlan {
  readonly epochs: number;
  readonly seed: number;
  readonly prefetch: number;
  readonly stepsPerEpoch: number;
  /** min(epochs x stepsPerEpoch, maxSteps). */
  readonly totalSteps: number;
  readonly budgetClock: () => number;
  readonly schedule: LearningRateSchedule;
  /** The method's trainable variables (at least one, all float32). */
  readonly trainable: readonly NamedVariable[];
  /** The data-parallel group (a single process without one). */
  readonly group: ProcessGroup;
  /** Samples per step over all ranks: batchSize x worldSize. */
  readonly globalBatchSize: number;
}

/** Checks fit's arguments (each error names the argument) and plans the run. */
export function planFit(method: SSLMethod, dataset: ImageDataset, options: FitOptions): FitPlan {
  assertOptions('options', options);
  assertMethod('method', method);
  assertDataset('dataset', dataset);
  assertPositiveInteger('options.batchSize', options.batchSize);
  const epochs = options.epochs ?? 1;
  assertPositiveInteger('options.epochs', epochs);
  if (options.maxSteps !== undefined) assertPositiveInteger('options.maxSteps', options.maxSteps);
  if (options.timeBudgetSeconds !== undefined) assertPositive('options.timeBudgetSeconds', options.timeBudgetSeconds);
  if (options.timeBudgetExcludesCallbacks !== undefined && typeof options.timeBudgetExcludesCallbacks !== 'boolean') {
    invalidArgument('options.timeBudgetExcludesCallbacks', 'a boolean', options.timeBudgetExcludesCallbacks);
  }
  if (options.gradientClipNorm !== undefined) assertPositive('options.gradientClipNorm', options.gradientClipNorm);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const prefetch = options.prefetchBatches ?? 0;
  assertInteger('options.prefetchBatches', prefetch, 0, 16);
  const budgetClock = clockSeconds(options.timeBudgetClock ?? 'wall');
  const group = options.processGroup ?? singleProcessGroup();
  assertProcessGroup('options.processGroup', group);
  if (options.syncBatchNorm !== undefined && typeof options.syncBatchNorm !== 'boolean') invalidArgument('options.syncBatchNorm', 'a boolean', options.syncBatchNorm);
  const globalBatchSize = options.batchSize * group.worldSize;
  if (globalBatchSize > dataset.size) {
    invalidArgument(
      'options.batchSize',
      group.worldSize > 1 ? `at most the dataset size over the ranks (${dataset.size} / ${group.worldSize})` : `at most the dataset size (${dataset.size})`,
      options.batchSize,
    );
  }
  // A step consumes one global batch: every rank's share of it.
  const stepsPerEpoch = Math.floor(dataset.size / globalBatchSize);
  const totalSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Number.POSITIVE_INFINITY);
  const schedule = fitSchedule(options, totalSteps, stepsPerEpoch);
  const trainable = method.variables.filter((p) => p.trainable);
  if (trainable.length === 0) invalidArgument('method', 'a method with trainable variables', 'none');
  // Full precision throughout, never silently lower: every trainable variable, every batch and every loss is float32.
  for (const p of trainable) {
    if (p.variable.dtype !== 'float32') invalidArgument(`method variable "${p.name}"`, 'float32 (training runs in full precision)', p.variable);
  }
  return { epochs, seed, prefetch, stepsPerEpoch, totalSteps, budgetClock, schedule, trainable, group, globalBatchSize };
}
