import type { ImageDataset, SSLMethod, StepContext } from './contracts.js';
import type { ProcessGroup } from './distributed/process-group.js';
import { withSyncBatchNorm } from './distributed/sync-batch-norm.js';
import { type Rng, createRng } from './rng.js';
import { createOptimizer } from './optim/create.js';
import { BatchReader } from './fit/batches.js';
import { startTimeBudget } from './fit/budget.js';
import { planFit } from './fit/plan.js';
import { reportStep, startProgress } from './fit/progress.js';
import { type CheckpointJob, resumeLoop, saveCheckpoint, startLoop } from './fit/resume.js';
import { type StepJob, trainStep } from './fit/step.js';
import type { FitOptions, FitResult, StepInfo } from './fit/types.js';

export type { CheckpointStore, FitCallbacks, FitOptions, FitResult, ScheduleConfig, StepInfo } from './fit/types.js';

/**
 * Trains a self-supervised method: shuffled mini-batches (seeded), the method's loss differentiated with respect to its
 * trainable variables, an optimizer step with a scheduled learning rate, then the method's `afterStep`.
 * A non-finite loss stops the run with an error naming the step, before that step's update, so the last checkpoint
 * stays the last good one. The number of live tensors is the same after every step.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { createRng, fit, initBackend, namedVariable, tensorDataset, type Encoder, type SSLMethod } from '@selfsup/tensors';
 *
 * await initBackend();
 * const rng = createRng(0);
 * const w = namedVariable('w', tf.tensor2d(rng.normalArray(16 * 4, 0, 0.1), [16, 4]));
 * const encoder: Encoder = {
 *   architecture: 'linear', config: {}, inputShape: [4, 4, 1], outputDim: 4, variables: [w],
 *   apply: (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0]!, 16]), w.variable) as tf.Tensor2D),
 *   dispose: () => w.variable.dispose(),
 * };
 * // A toy objective: embeddings of an image and of its noisy copy should agree, and stay away from zero.
 * const method: SSLMethod = {
 *   name: 'toy', encoder, config: {}, variables: [w], dispose: encoder.dispose,
 *   loss: ({ images }, { rng }) => tf.tidy(() => {
 *     const noisy = tf.add(images, tf.randomNormal(images.shape, 0, 0.1, 'float32', rng.seed()));
 *     const [a, b] = [encoder.apply(images), encoder.apply(noisy)];
 *     return tf.sub(tf.mean(tf.square(tf.sub(a, b))), tf.mul(0.1, tf.log(tf.add(tf.mean(tf.square(a)), 1e-3)))) as tf.Scalar;
 *   }),
 * };
 * const data = tensorDataset(tf.randomUniform([64, 4, 4, 1], 0, 1, 'float32', 1) as tf.Tensor4D);
 * const result = await fit(method, data, { batchSize: 16, epochs: 3, learningRate: 1e-2, seed: 0, progress: false });
 * console.log(result.steps, result.losses.at(-1)); // 12 steps; same seed, same losses
 * ```
 */
export async function fit(method: SSLMethod, dataset: ImageDataset, options: FitOptions): Promise<FitResult> {
  const plan = planFit(method, dataset, options);
  const { stepsPerEpoch, totalSteps } = plan;
  const params = method.variables;
  const optimizer = createOptimizer(params, options.optimizer ?? { type: 'adam' });
  const variables = [...params, ...optimizer.variables];
  const progress = startLoop(plan.seed);
  const { loop, dataRng, methodRng } = progress;
  const store = options.checkpoint?.store;
  const resumedFromStep = options.resume && store !== undefined ? await resumeLoop(store, variables, progress) : 0;
  const weights = params.filter((p) => p.variable.dtype === 'float32').map((p) => p.variable);
  const { group } = plan;
  const parallel = group.worldSize > 1;
  const syncBatchNorm = parallel && options.syncBatchNorm === true;
  if (parallel) broadcastWeights(group, params);
  // Rank 0 alone writes checkpoints (every rank resumes from them) and shows progress.
  const checkpoint: CheckpointJob = { store: group.rank === 0 ? store : undefined, variables, weights, progress, method, optimizer };
  const step: StepJob = {
    method,
    trainable: plan.trainable,
    weights,
    optimizer,
    gradientClipNorm: options.gradientClipNorm,
    hasCheckpoint: store !== undefined,
    group,
  };

  const reporter = await startProgress(group.rank === 0 ? options.progress : false, totalSteps, method.name);
  const losses: number[] = [];
  const history: StepInfo[] = [];
  const started = performance.now();
  const budget = startTimeBudget(options.timeBudgetSeconds, plan.budgetClock, totalSteps, resumedFromStep);
  let stoppedBy: FitResult['stoppedBy'] = 'completed';
  const everySteps = options.checkpoint?.everySteps ?? 0;
  // Callbacks run with the budget's clock stopped when asked to (an online monitor is not training time).
  const callback = options.timeBudgetExcludesCallbacks === true ? (work: () => unknown) => budget.excluding(work) : async (work: () => unknown) => work();
  const reader = new BatchReader(dataset, options.batchSize, plan.prefetch, stepsPerEpoch, group.rank * options.batchSize, plan.globalBatchSize);
  // What every rank must agree on each step when a clock or a signal can end the run: the schedule's position (the
  // furthest rank's) before the step, and whether any rank must stop after it.
  const agree = parallel && (options.timeBudgetSeconds !== undefined || options.signal !== undefined);
  try {
    outer: while (loop.step < totalSteps) {
      if (loop.position === 0) loop.epochSeed = dataRng.nextUint32();
      reader.startEpoch(loop.epochSeed);
      let epochLoss = 0;
      let epochSteps = 0;
      while (loop.position < stepsPerEpoch && loop.step < totalSteps) {
        const t0 = performance.now();
        const batch = await reader.take(loop.position, loop.step, totalSteps);
        const lr = plan.schedule(agree ? (maxOverRanks(group, [budget.scheduleStep(loop.step)])[0] as number) : budget.scheduleStep(loop.step));
        const context: StepContext = {
          step: loop.step,
          epoch: loop.epoch,
          totalSteps,
          rng: parallel ? rankStepRng(plan.seed, group.rank, loop.step) : methodRng,
          learningRate: lr,
          ...(parallel ? { processGroup: group } : {}),
        };
        const loss = syncBatchNorm ? await withSyncBatchNorm(group, () => trainStep(step, batch, context, lr)) : await trainStep(step, batch, context, lr);
        const seconds = (performance.now() - t0) / 1000;
        const info: StepInfo = {
          step: loop.step,
          epoch: loop.epoch,
          loss,
          lr,
          imagesPerSecond: plan.globalBatchSize / Math.max(seconds, 1e-9),
          metrics: method.metrics?.() ?? {},
        };
        losses.push(loss);
        history.push(info);
        epochLoss += loss;
        epochSteps += 1;
        loop.step += 1;
        loop.position += 1;
        reportStep(reporter, loop.step, info);
        await callback(() => options.callbacks?.onStepEnd?.(info));
        if (everySteps > 0 && loop.step % everySteps === 0) await saveCheckpoint(checkpoint);
        const [aborted, exhausted] = agree
          ? maxOverRanks(group, [options.signal?.aborted ? 1 : 0, budget.exhausted() ? 1 : 0]).map((v) => v > 0)
          : [options.signal?.aborted === true, budget.exhausted()];
        if (aborted) {
          stoppedBy = 'signal';
          break outer;
        }
        if (exhausted) {
          stoppedBy = 'timeBudget';
          break outer;
        }
      }
      if (loop.position >= stepsPerEpoch) {
        const meanLoss = epochSteps > 0 ? epochLoss / epochSteps : Number.NaN;
        await callback(() => options.callbacks?.onEpochEnd?.({ epoch: loop.epoch, meanLoss }));
        loop.position = 0;
        loop.epoch += 1;
      }
    }
    // A run resumed from the checkpoint of its last step (or stopped at an epoch's end) has its epoch still open:
    // close it as an uninterrupted run does, so that both end with the same loop state.
    if (loop.position >= stepsPerEpoch) {
      loop.position = 0;
      loop.epoch += 1;
    }
    if (stoppedBy === 'completed' && options.maxSteps !== undefined && loop.step >= options.maxSteps && options.maxSteps < plan.epochs * stepsPerEpoch) {
      stoppedBy = 'maxSteps';
    }
    await saveCheckpoint(checkpoint);
  } finally {
    await reader.release();
    reporter?.stop();
    optimizer.dispose();
  }
  return {
    steps: loop.step,
    epochs: loop.epoch,
    losses,
    history,
    seconds: (performance.now() - started) / 1000,
    stoppedBy,
    resumedFromStep,
  };
}

/** Every rank starts from rank 0's weights (float variables: trainable or not, e.g. batch-norm statistics, momentum copies). */
function broadcastWeights(group: ProcessGroup, params: SSLMethod['variables']): void {
  for (const p of params) {
    if (p.variable.dtype !== 'float32') continue;
    const root = group.broadcast(p.variable, 0);
    p.variable.assign(root);
    root.dispose();
  }
}

/** The element-wise maximum of `values` over the ranks. */
function maxOverRanks(group: ProcessGroup, values: readonly number[]): number[] {
  const data = Float32Array.from(values);
  group.allReduceArrays([data], { op: 'max' });
  return Array.from(data);
}

/**
 * A data-parallel rank's generator for one step, drawn from (seed, rank, step): ranks draw different views, and a run
 * resumed from rank 0's checkpoint draws on every rank what it would have drawn uninterrupted.
 */
function rankStepRng(seed: number, rank: number, step: number): Rng {
  let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ Math.imul(rank + 1, 0xc2b2ae35), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ Math.imul(step + 1, 0x165667b1), 0x85ebca6b);
  return createRng((h ^ (h >>> 16)) >>> 0);
}
