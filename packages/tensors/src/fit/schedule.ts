import { invalidArgument } from '../errors.js';
import { type LearningRateSchedule, constantSchedule, cosineSchedule } from '../optim/schedule.js';
import { assertPositive } from '../validate.js';
import type { FitOptions } from './types.js';

/** The learning rate per step that `options` ask for, planned over `totalSteps` (default: cosine from 1e-3, no warm-up). */
export function fitSchedule(options: FitOptions, totalSteps: number, stepsPerEpoch: number): LearningRateSchedule {
  const lr = options.learningRate ?? 1e-3;
  assertPositive('options.learningRate', lr);
  const s = options.schedule ?? { type: 'cosine' };
  if (s.type === 'constant') return constantSchedule(lr, s.warmupSteps ?? Math.round((s.warmupEpochs ?? 0) * stepsPerEpoch));
  if (s.type === 'cosine') {
    const warmup = s.warmupSteps ?? Math.round((s.warmupEpochs ?? 0) * stepsPerEpoch);
    return cosineSchedule({ baseLr: lr, totalSteps, warmupSteps: Math.min(warmup, totalSteps), finalLr: s.finalLr ?? 0 });
  }
  return invalidArgument('options.schedule.type', '"cosine" or "constant"', (s as { type?: unknown }).type);
}
