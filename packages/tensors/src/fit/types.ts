import type { ProcessGroup } from '../distributed/process-group.js';
import type { JsonObject, NamedVariable } from '../contracts.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { ProgressReporter } from '../progress.js';

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
  | { readonly type: 'constant'; readonly warmupSteps?: number; readonly warmupEpochs?: number }
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
  /**
   * The time budget leaves out the time spent in `callbacks` (an online monitor, say): they run with the budget's
   * clock stopped, so monitoring neither shortens the training nor moves the learning-rate schedule. Default false
   * (callbacks count). `FitResult.seconds` is wall time either way.
   */
  readonly timeBudgetExcludesCallbacks?: boolean;
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
  /**
   * Data-parallel training over this group (`initProcessGroup` of `@selfsup/tensors/node`). Every rank calls `fit`
   * with the same method, data, options and seed; `batchSize` is per rank, so a step sees worldSize x batchSize
   * samples. The ranks start from rank 0's weights (broadcast), each reads its share of every global batch of the
   * epoch's seeded order, and the gradients (and the reported loss) are averaged over the ranks in buckets before every
   * optimizer step, so the update equals one process's on the concatenated batch for a loss that is a mean over
   * samples. Rank 0 alone writes checkpoints and shows progress; all ranks resume from the same store; a time budget
   * or an abort signal on any rank stops every rank at the same step; a non-finite loss on any rank stops all of them.
   * The method's random choices are drawn per rank and per step, so that ranks do not draw the same views.
   */
  readonly processGroup?: ProcessGroup;
  /**
   * With a `processGroup`: batch norm in training mode takes its statistics over every rank's samples (PyTorch's
   * `SyncBatchNorm`; one small all-reduce per batch-norm layer and direction), so the update equals one process's on
   * the concatenated batch for encoders with batch norm too. Default false: per-rank statistics, as PyTorch's DDP.
   */
  readonly syncBatchNorm?: boolean;
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
