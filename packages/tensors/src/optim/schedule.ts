import { assertInteger, assertNonNegative, assertObject, assertPositive } from '../validate.js';
import { invalidArgument } from '../errors.js';

/** Learning rate as a function of the global step. */
export type LearningRateSchedule = (step: number) => number;

export interface CosineScheduleOptions {
  readonly baseLr: number;
  readonly totalSteps: number;
  /** Linear warm-up from 0 over this many steps (Goyal et al. 2017). Default 0. */
  readonly warmupSteps?: number;
  /** Learning rate at the end. Default 0. */
  readonly finalLr?: number;
}

/** Linear warm-up, then cosine decay to `finalLr` (Loshchilov & Hutter 2017, SGDR without restarts). */
export function cosineSchedule(options: CosineScheduleOptions): LearningRateSchedule {
  assertObject('options', options, 'an options object ({ baseLr, totalSteps, ... })');
  const { baseLr, totalSteps } = options;
  const warmup = options.warmupSteps ?? 0;
  const finalLr = options.finalLr ?? 0;
  assertPositive('baseLr', baseLr);
  assertInteger('totalSteps', totalSteps, 1);
  assertInteger('warmupSteps', warmup, 0, totalSteps);
  assertNonNegative('finalLr', finalLr);
  if (finalLr > baseLr) invalidArgument('finalLr', `a number <= baseLr (${baseLr})`, finalLr);
  return (step) => {
    if (step < warmup) return (baseLr * (step + 1)) / warmup;
    const progress = Math.min(1, (step - warmup) / Math.max(1, totalSteps - warmup));
    return finalLr + (baseLr - finalLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** A constant learning rate (with optional linear warm-up). */
export function constantSchedule(baseLr: number, warmupSteps = 0): LearningRateSchedule {
  assertPositive('baseLr', baseLr);
  assertInteger('warmupSteps', warmupSteps, 0);
  return (step) => (step < warmupSteps ? (baseLr * (step + 1)) / warmupSteps : baseLr);
}
