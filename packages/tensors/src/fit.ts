import * as tf from '@tensorflow/tfjs-core';
import type { Batch, ImageDataset, JsonObject, NamedVariable, SSLMethod, StepContext } from './contracts.js';
import { SelfsupError, invalidArgument } from './errors.js';
import { createOptimizer } from './optim/create.js';
import type { Optimizer, OptimizerConfig } from './optim/optimizer.js';
import { type LearningRateSchedule, constantSchedule, cosineSchedule } from './optim/schedule.js';
import { type ProgressReporter, isInteractiveTerminal, terminalProgress } from './progress.js';
import { type RngState, createRng } from './rng.js';
import { assertInteger, assertOptions, assertPositive, assertPositiveInteger } from './validate.js';

/** Where `fit` keeps its resumable state. `@selfsup/tensors/node` provides `checkpointDirectory(dir)`. */
export interface CheckpointStore {
  /** Saves every variable and the loop's state, atomically. */
  save(variables: readonly NamedVariable[], state: JsonObject): Promise<void>;
  /** Restores the variables and returns the saved state, or undefined when there is no checkpoint yet. */
  load(variables: readonly NamedVariable[]): Promise<JsonObject | undefined>;
}

export interface StepInfo {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly lr: number;
  /** Throughput of this step (batch size / wall time). */
  readonly imagesPerSecond: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface FitCallbacks {
  onStepEnd?(info: StepInfo): void | Promise<void>;
  onEpochEnd?(info: { readonly epoch: number; readonly meanLoss: number }): void | Promise<void>;
}

export type ScheduleConfig =
  | { readonly type: 'constant'; readonly warmupSteps?: number }
  | { readonly type: 'cosine'; readonly warmupSteps?: number; readonly warmupEpochs?: number; readonly finalLr?: number };

export interface FitOptions {
  readonly batchSize: number;
  /** Passes over the data. Default 1. */
  readonly epochs?: number;
  /** Stop after this many steps in total (the schedule is planned for min(epochs x steps/epoch, maxSteps)). */
  readonly maxSteps?: number;
  /**
   * Stop at the first step boundary after this many seconds. The learning-rate schedule then advances by whichever is
   * further along, steps or time, so a budgeted run still warms up and anneals completely.
   */
  readonly timeBudgetSeconds?: number;
  /**
   * What `timeBudgetSeconds` counts: `'wall'` (default) or `'cpu'`, the CPU time of this process (Node only). A CPU
   * budget buys the same amount of training on a busy machine as on a quiet one, so budgeted benchmarks stay comparable.
   */
  readonly timeBudgetClock?: 'wall' | 'cpu';
  /** Default `{ type: 'adam' }`. */
  readonly optimizer?: OptimizerConfig;
  /** Base learning rate. Default 1e-3. */
  readonly learningRate?: number;
  /** Default cosine with no warm-up. */
  readonly schedule?: ScheduleConfig;
  /** Seeds data order and every random choice of the method. Default 0. */
  readonly seed?: number;
  /** Clip gradients to this global L2 norm. */
  readonly gradientClipNorm?: number;
  readonly callbacks?: FitCallbacks;
  /** Progress bar: true, false, or 'auto' (default: on when stderr is a TTY), or your own reporter. */
  readonly progress?: boolean | 'auto' | ProgressReporter;
  /** Resumable state. */
  readonly checkpoint?: { readonly store: CheckpointStore; readonly everySteps?: number };
  /** Continue from the store's checkpoint when there is one. */
  readonly resume?: boolean;
  /** Stops at the next step boundary (after saving a checkpoint if a store is set). */
  readonly signal?: AbortSignal;
  /**
   * Batches read ahead while a step computes (file reads of a streaming dataset overlap the maths). Bounded: at most
   * this many batches wait in memory, and never beyond the current epoch. Default 0: each batch is read when its
   * step starts, and the number of live tensors is the same after every step (with read-ahead it is too, except after
   * the last step of an epoch, which has nothing to read ahead).
   */
  readonly prefetchBatches?: number;
}

export interface FitResult {
  readonly steps: number;
  readonly epochs: number;
  /** Loss of every step run in this call. */
  readonly losses: readonly number[];
  readonly history: readonly StepInfo[];
  readonly seconds: number;
  readonly stoppedBy: 'completed' | 'maxSteps' | 'timeBudget' | 'signal';
  /** Step the run resumed from (0 for a fresh run). */
  readonly resumedFromStep: number;
}

interface LoopState {
  step: number;
  epoch: number;
  position: number;
  epochSeed: number;
  dataRng: RngState;
  methodRng: RngState;
}

/** A clock in seconds: wall time, or this process's CPU time (user + system). */
function clockSeconds(kind: 'wall' | 'cpu'): () => number {
  if (kind === 'wall') return () => performance.now() / 1000;
  if (kind !== 'cpu') return invalidArgument('options.timeBudgetClock', '"wall" or "cpu"', kind);
  const proc = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (typeof proc?.cpuUsage !== 'function') return invalidArgument('options.timeBudgetClock', '"wall" outside Node (no process CPU clock here)', kind);
  const cpuUsage = proc.cpuUsage.bind(proc);
  return () => {
    const u = cpuUsage();
    return (u.user + u.system) / 1e6;
  };
}

function buildSchedule(options: FitOptions, totalSteps: number, stepsPerEpoch: number): LearningRateSchedule {
  const lr = options.learningRate ?? 1e-3;
  assertPositive('options.learningRate', lr);
  const s = options.schedule ?? { type: 'cosine' };
  if (s.type === 'constant') return constantSchedule(lr, s.warmupSteps ?? 0);
  if (s.type === 'cosine') {
    const warmup = s.warmupSteps ?? Math.round((s.warmupEpochs ?? 0) * stepsPerEpoch);
    return cosineSchedule({ baseLr: lr, totalSteps, warmupSteps: Math.min(warmup, totalSteps), finalLr: s.finalLr ?? 0 });
  }
  return invalidArgument('options.schedule.type', '"cosine" or "constant"', (s as { type?: unknown }).type);
}

/** 1 when every value of every tensor is finite, else 0 (a float32 scalar, to be read with others in one sync). */
function allFinite(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() =>
    tensors.length === 0 ? tf.scalar(1) : (tf.cast(tf.all(tf.stack(tensors.map((t) => tf.all(tf.isFinite(t))))), 'float32') as tf.Scalar),
  );
}

function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(tf.div(maxNorm, tf.maximum(norm, 1e-12)), 1);
    return grads.map((g) => tf.mul(g, scale));
  });
}

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
  assertOptions('options', options);
  if (typeof method !== 'object' || method === null || typeof method.loss !== 'function' || !Array.isArray(method.variables)) {
    invalidArgument('method', 'an SSLMethod (with loss() and variables)', method);
  }
  if (typeof dataset !== 'object' || dataset === null || typeof dataset.getBatch !== 'function') {
    invalidArgument('dataset', 'an ImageDataset (with getBatch())', dataset);
  }
  assertPositiveInteger('options.batchSize', options.batchSize);
  const epochs = options.epochs ?? 1;
  assertPositiveInteger('options.epochs', epochs);
  if (options.maxSteps !== undefined) assertPositiveInteger('options.maxSteps', options.maxSteps);
  if (options.timeBudgetSeconds !== undefined) assertPositive('options.timeBudgetSeconds', options.timeBudgetSeconds);
  if (options.gradientClipNorm !== undefined) assertPositive('options.gradientClipNorm', options.gradientClipNorm);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const prefetch = options.prefetchBatches ?? 0;
  assertInteger('options.prefetchBatches', prefetch, 0, 16);
  const budgetClock = clockSeconds(options.timeBudgetClock ?? 'wall');
  if (options.batchSize > dataset.size) {
    invalidArgument('options.batchSize', `at most the dataset size (${dataset.size})`, options.batchSize);
  }
  const stepsPerEpoch = Math.floor(dataset.size / options.batchSize);
  const totalSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Number.POSITIVE_INFINITY);
  const schedule = buildSchedule(options, totalSteps, stepsPerEpoch);
  const params = method.variables;
  const trainable = params.filter((p) => p.trainable);
  if (trainable.length === 0) invalidArgument('method', 'a method with trainable variables', 'none');
  // Full precision throughout, never silently lower: every trainable variable, every batch and every loss is float32.
  for (const p of trainable) {
    if (p.variable.dtype !== 'float32') invalidArgument(`method variable "${p.name}"`, 'float32 (training runs in full precision)', p.variable);
  }
  const optimizer: Optimizer = createOptimizer(params, options.optimizer ?? { type: 'adam' });
  const stateVariables = [...params, ...optimizer.variables];

  const root = createRng(seed);
  const dataRng = root.fork();
  const methodRng = root.fork();
  const loop: LoopState = { step: 0, epoch: 0, position: 0, epochSeed: 0, dataRng: dataRng.getState(), methodRng: methodRng.getState() };
  const store = options.checkpoint?.store;
  let resumedFromStep = 0;
  if (options.resume && store !== undefined) {
    const saved = await store.load(stateVariables);
    if (saved !== undefined) {
      const s = saved['loop'] as unknown as LoopState | undefined;
      if (s === undefined || typeof s.step !== 'number') {
        throw new SelfsupError('CHECKPOINT_MISMATCH', 'the checkpoint holds no training-loop state (was it written by fit?)');
      }
      Object.assign(loop, s);
      dataRng.setState(s.dataRng);
      methodRng.setState(s.methodRng);
      resumedFromStep = s.step;
    }
  }
  const floatParams = params.filter((p) => p.variable.dtype === 'float32').map((p) => p.variable);
  const nonFiniteWeights = (afterStep: number) =>
    new SelfsupError(
      'NON_FINITE_LOSS',
      `the weights are not finite after the update of step ${afterStep} (epoch ${loop.epoch}); training stopped${store ? ', the last checkpoint (with finite weights) is kept' : ''}. Lower the learning rate or set gradientClipNorm.`,
      { step: afterStep, epoch: loop.epoch },
    );
  const saveState = async () => {
    if (store === undefined) return;
    // Never write a checkpoint that cannot be resumed: an update that overflowed stops the run instead.
    const finite = allFinite(floatParams);
    const ok = (await finite.data())[0] === 1;
    finite.dispose();
    if (!ok) throw nonFiniteWeights(loop.step - 1);
    loop.dataRng = dataRng.getState();
    loop.methodRng = methodRng.getState();
    await store.save(stateVariables, {
      loop: { ...loop, dataRng: [...loop.dataRng], methodRng: [...loop.methodRng] },
      method: method.name,
      methodConfig: method.config,
      optimizer: optimizer.name,
    });
  };

  let reporter: ProgressReporter | undefined;
  const wantProgress = options.progress ?? 'auto';
  if (typeof wantProgress === 'object') reporter = wantProgress;
  else if (wantProgress === true || (wantProgress === 'auto' && isInteractiveTerminal())) reporter = await terminalProgress();
  reporter?.start(totalSteps, method.name);

  const losses: number[] = [];
  const history: StepInfo[] = [];
  const started = performance.now();
  const budget = options.timeBudgetSeconds;
  const budgetStart = budgetClock();
  const budgetUsed = () => budgetClock() - budgetStart;
  const scheduleStep = (step: number): number => {
    if (budget === undefined) return step;
    const byTime = Math.floor((budgetUsed() / budget) * totalSteps) + resumedFromStep;
    return Math.min(totalSteps - 1, Math.max(step, byTime));
  };
  let stoppedBy: FitResult['stoppedBy'] = 'completed';
  const everySteps = options.checkpoint?.everySteps ?? 0;
  // Read-ahead batches of the current epoch, by position. A rejection is handled when its step comes (or dropped
  // with the run), never left unhandled.
  const pending = new Map<number, Promise<Batch>>();
  try {
    outer: while (loop.step < totalSteps) {
      if (loop.position === 0) loop.epochSeed = dataRng.nextUint32();
      const order = createRng(loop.epochSeed).permutation(dataset.size);
      const indicesAt = (position: number) => order.slice(position * options.batchSize, (position + 1) * options.batchSize);
      const fetchAt = (position: number): Promise<Batch> => {
        const promise = dataset.getBatch(indicesAt(position));
        promise.catch(() => undefined);
        return promise;
      };
      let epochLoss = 0;
      let epochSteps = 0;
      while (loop.position < stepsPerEpoch && loop.step < totalSteps) {
        const t0 = performance.now();
        const indices = indicesAt(loop.position);
        const current = pending.get(loop.position) ?? fetchAt(loop.position);
        pending.delete(loop.position);
        for (let k = 1; k <= prefetch; k++) {
          const ahead = loop.position + k;
          if (ahead < stepsPerEpoch && loop.step + k < totalSteps && !pending.has(ahead)) pending.set(ahead, fetchAt(ahead));
        }
        const batch = await current;
        if (batch.images.dtype !== 'float32') {
          batch.images.dispose();
          batch.labels?.dispose();
          throw new SelfsupError('BAD_DATA', `${dataset.name}: batch images must be float32 (training runs in full precision); got ${batch.images.dtype}`, {
            step: loop.step,
          });
        }
        const context: StepContext = { step: loop.step, epoch: loop.epoch, totalSteps, rng: methodRng };
        const lr = schedule(scheduleStep(loop.step));
        let lossValue: number;
        try {
          const { value, grads } = tf.variableGrads(() => {
            const loss = method.loss(batch, context);
            if (loss?.dtype !== 'float32' || loss.size !== 1) invalidArgument(`${method.name} loss`, 'a float32 scalar', loss);
            return loss;
          }, trainable.map((p) => p.variable));
          let list = trainable.map((p) => grads[p.variable.name] ?? tf.zerosLike(p.variable));
          // The loss and the gradients' squared global norm in one read: a finite loss can still come with NaN or
          // infinite gradients (a NaN input that a max() or a mask hides from the forward pass), which would spoil
          // every weight.
          // The weights are checked too: an update can overflow even with a finite loss and finite gradients.
          const check = tf.tidy(() => tf.stack([tf.reshape(value, []), allFinite(list), allFinite(floatParams)]));
          const [lossRead, gradsFinite, weightsFinite] = await check.data();
          check.dispose();
          value.dispose();
          lossValue = lossRead ?? Number.NaN;
          if (weightsFinite !== 1) {
            tf.dispose(list);
            tf.dispose(grads);
            throw nonFiniteWeights(loop.step - 1);
          }
          const bad = !Number.isFinite(lossValue) ? `loss is ${lossValue}` : gradsFinite !== 1 ? `the gradients are not finite (loss ${lossValue})` : undefined;
          if (bad !== undefined) {
            tf.dispose(list);
            tf.dispose(grads);
            throw new SelfsupError(
              'NON_FINITE_LOSS',
              `${bad} at step ${loop.step} (epoch ${loop.epoch}); training stopped before applying it${store ? ', the last checkpoint is kept' : ''}. Lower the learning rate or set gradientClipNorm.`,
              { step: loop.step, epoch: loop.epoch },
            );
          }
          if (options.gradientClipNorm !== undefined) {
            const clipped = clipByGlobalNorm(list, options.gradientClipNorm);
            tf.dispose(list);
            list = clipped;
          }
          optimizer.applyGradients(list, lr);
          tf.dispose(list);
          tf.dispose(grads);
          method.afterStep?.(batch, context);
        } finally {
          batch.images.dispose();
          batch.labels?.dispose();
        }
        const seconds = (performance.now() - t0) / 1000;
        const info: StepInfo = {
          step: loop.step,
          epoch: loop.epoch,
          loss: lossValue,
          lr,
          imagesPerSecond: indices.length / Math.max(seconds, 1e-9),
          metrics: method.metrics?.() ?? {},
        };
        losses.push(lossValue);
        history.push(info);
        epochLoss += lossValue;
        epochSteps += 1;
        loop.step += 1;
        loop.position += 1;
        reporter?.update(loop.step, { loss: lossValue.toFixed(4), ips: Math.round(info.imagesPerSecond) });
        await options.callbacks?.onStepEnd?.(info);
        if (everySteps > 0 && loop.step % everySteps === 0) await saveState();
        if (options.signal?.aborted) {
          stoppedBy = 'signal';
          break outer;
        }
        if (budget !== undefined && budgetUsed() >= budget) {
          stoppedBy = 'timeBudget';
          break outer;
        }
      }
      if (loop.position >= stepsPerEpoch) {
        await options.callbacks?.onEpochEnd?.({ epoch: loop.epoch, meanLoss: epochSteps > 0 ? epochLoss / epochSteps : Number.NaN });
        loop.position = 0;
        loop.epoch += 1;
      }
    }
    if (stoppedBy === 'completed' && options.maxSteps !== undefined && loop.step >= options.maxSteps && options.maxSteps < epochs * stepsPerEpoch) {
      stoppedBy = 'maxSteps';
    }
    await saveState();
  } finally {
    // Batches read ahead for steps that will not run (a stop, an error): release them.
    for (const promise of pending.values()) {
      const batch = await promise.catch(() => undefined);
      batch?.images.dispose();
      batch?.labels?.dispose();
    }
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
