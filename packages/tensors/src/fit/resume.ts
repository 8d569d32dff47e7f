import type * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable, SSLMethod } from '../contracts.js';
import { SelfsupError } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { type Rng, type RngState, createRng } from '../rng.js';
import { nonFiniteWeightsError, weightsFinite } from './finite.js';
import type { CheckpointStore } from './types.js';

/** Where the loop is: what a checkpoint records besides the variables. */
export interface LoopState {
  step: number;
  epoch: number;
  /** Batch position within the epoch. */
  position: number;
  /** Seed of the epoch's data order. */
  epochSeed: number;
  dataRng: RngState;
  methodRng: RngState;
}

/** The loop's position and its two generators: data order, and the method's random choices. */
export interface LoopProgress {
  readonly loop: LoopState;
  readonly dataRng: Rng;
  readonly methodRng: Rng;
}

/** A fresh run from `seed`: step 0, the two generators forked from one root. */
export function startLoop(seed: number): LoopProgress {
  const root = createRng(seed);
  const dataRng = root.fork();
  const methodRng = root.fork();
  const loop: LoopState = { step: 0, epoch: 0, position: 0, epochSeed: 0, dataRng: dataRng.getState(), methodRng: methodRng.getState() };
  return { loop, dataRng, methodRng };
}

/**
 * Restores `variables` and the loop from the store's checkpoint, when there is one; returns the step resumed from (0
 * without a checkpoint).
 */
export async function resumeLoop(store: CheckpointStore, variables: readonly NamedVariable[], progress: LoopProgress): Promise<number> {
  const saved = await store.load(variables);
  if (saved === undefined) return 0;
  const s = saved['loop'] as unknown as LoopState | undefined;
  if (s === undefined || typeof s.step !== 'number') {
    throw new SelfsupError('CHECKPOINT_MISMATCH', 'the checkpoint holds no training-loop state (was it written by fit?)');
  }
  Object.assign(progress.loop, s);
  progress.dataRng.setState(s.dataRng);
  progress.methodRng.setState(s.methodRng);
  return s.step;
}

export interface CheckpointJob {
  readonly store: CheckpointStore | undefined;
  /** Every variable saved: the method's and the optimizer's. */
  readonly variables: readonly NamedVariable[];
  /** The float weights that must be finite for a checkpoint to be written. */
  readonly weights: readonly tf.Tensor[];
  readonly progress: LoopProgress;
  readonly method: SSLMethod;
  readonly optimizer: Optimizer;
}

/**
 * Saves the variables and the loop's state (nothing without a store). Never writes a checkpoint that cannot be
 * resumed: weights that an update made non-finite stop the run instead.
 */
export async function saveCheckpoint(job: CheckpointJob): Promise<void> {
  const { store, progress } = job;
  if (store === undefined) return;
  const { loop } = progress;
  if (!(await weightsFinite(job.weights))) throw nonFiniteWeightsError(loop.step - 1, loop.epoch, true);
  loop.dataRng = progress.dataRng.getState();
  loop.methodRng = progress.methodRng.getState();
  await store.save(job.variables, {
    loop: { ...loop, dataRng: [...loop.dataRng], methodRng: [...loop.methodRng] },
    method: job.method.name,
    methodConfig: job.method.config,
    optimizer: job.optimizer.name,
  });
}
