import { type LossCurvePanel, type MonitorReading, monitorEncoder, monitorSubsets } from '@selfsup/eval';
import { InvalidArgumentError, Option } from 'commander';
import { type Encoder, type ImageDataset, type JsonObject, type ProgressReporter, SelfsupError } from '@selfsup/tensors';

/** The monitor flags of `selfsup pretrain`. */
export interface MonitorFlags {
  /** false: no monitor (`--no-monitor`). Default true (when the data has labels). */
  readonly monitor?: boolean;
  /** Steps between readings (`--monitor-every`). Default: a tenth of the planned steps. */
  readonly monitorEvery?: number;
  /** Training images the monitor reads (`--monitor-size`): two thirds k-NN bank, one third held out. Default 1500. */
  readonly monitorSize?: number;
}

/** One reading of the online monitor, as log.json records it. */
export interface MonitorEntry {
  /** Training steps done when it ran (0: the freshly initialised encoder). */
  readonly step: number;
  /** k-NN top-1 of the held-out images against the bank, in [0, 1]. */
  readonly knnTop1: number;
  /** Per-dimension std of the l2-normalised embedding (collapse: 0; healthy: about 1/sqrt(D)). */
  readonly embeddingStd: number;
  /** Effective rank of the embedding (collapse: 1). */
  readonly effectiveRank: number;
  /** Time the reading took (not counted by --time-budget). */
  readonly seconds: number;
}

export const DEFAULT_MONITOR_SIZE = 1500;

/** Checks the monitor flags of `runPretrain`'s options (each error names the flag). */
export function checkMonitorFlags(flags: MonitorFlags): void {
  if (flags.monitor !== undefined && typeof flags.monitor !== 'boolean') bad('--monitor', 'true or false', flags.monitor);
  if (flags.monitorEvery !== undefined && !(Number.isSafeInteger(flags.monitorEvery) && flags.monitorEvery >= 1)) {
    bad('--monitor-every', 'an integer >= 1 (steps)', flags.monitorEvery);
  }
  if (flags.monitorSize !== undefined && !(Number.isSafeInteger(flags.monitorSize) && flags.monitorSize >= 2)) {
    bad('--monitor-size', 'an integer >= 2 (images: bank and held-out)', flags.monitorSize);
  }
}

function bad(flag: string, expected: string, got: unknown): never {
  throw new SelfsupError('INVALID_ARGUMENT', `${flag} must be ${expected}; got ${JSON.stringify(got)}`, { argument: flag });
}

function steps(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    return n;
  };
}

/** The monitor's flags of `selfsup pretrain` (--monitor-every, --monitor-size, --no-monitor). */
export function monitorOptions(): Option[] {
  return [
    new Option('--monitor-every <steps>', 'online monitor: steps between readings (default: a tenth of the run)').argParser(steps(1)),
    new Option(
      '--monitor-size <n>',
      `online monitor: training images it reads, 2/3 k-NN bank and 1/3 held out (default ${DEFAULT_MONITOR_SIZE}; never the test split)`,
    ).argParser(steps(2)),
    new Option('--no-monitor', 'no online monitor (k-NN top-1, embedding std and effective rank during training; on by default for labelled data)'),
  ];
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The online monitor of a pretraining run: k-NN top-1 and collapse signals every N steps, on training images only. */
export class PretrainMonitor {
  readonly entries: MonitorEntry[] = [];
  private lastReading: MonitorReading | undefined;
  private bar: MonitorProgress | undefined;
  private barText = 'k-NN -';

  private constructor(
    private readonly encoder: Encoder,
    private readonly bank: ImageDataset,
    private readonly heldOut: ImageDataset,
    readonly every: number,
    private readonly seed: number,
    private readonly write: ((text: string) => void) | undefined,
  ) {}

  /**
   * The monitor of a run, or undefined when it is off (`--no-monitor`) or the data has no labels. Its bank and
   * held-out images are drawn (seeded) from the training split, never the test split.
   */
  static create(context: {
    readonly flags: MonitorFlags;
    readonly encoder: Encoder;
    readonly train: ImageDataset;
    readonly seed: number;
    readonly plannedSteps: number;
    /** Where monitor lines go (non-interactive, not quiet). */
    readonly write?: (text: string) => void;
  }): PretrainMonitor | undefined {
    const { flags, train } = context;
    checkMonitorFlags(flags);
    if (flags.monitor === false || train.numClasses === undefined) return undefined;
    const size = Math.min(flags.monitorSize ?? DEFAULT_MONITOR_SIZE, train.size);
    const bankSize = Math.max(1, Math.round((2 * size) / 3));
    const { bank, heldOut } = monitorSubsets(train, { bankSize, heldOutSize: Math.max(1, size - bankSize), seed: context.seed });
    const every = flags.monitorEvery ?? Math.max(1, Math.round(context.plannedSteps / 10));
    return new PretrainMonitor(context.encoder, bank, heldOut, every, context.seed, context.write);
  }

  /** A progress bar whose line ends with the last reading (pass it to fit's `progress`). */
  async progressBar(): Promise<ProgressReporter> {
    this.bar = await monitorProgress(this.barText);
    return this.bar;
  }

  /** Takes a reading after `stepsDone` steps. */
  async measure(stepsDone: number): Promise<MonitorEntry> {
    const reading = await monitorEncoder(this.encoder, this.bank, this.heldOut);
    this.lastReading = reading;
    const entry: MonitorEntry = {
      step: stepsDone,
      knnTop1: reading.knnTop1,
      embeddingStd: reading.embeddingStd,
      effectiveRank: reading.effectiveRank,
      seconds: reading.seconds,
    };
    this.entries.push(entry);
    this.barText = `k-NN ${percent(entry.knnTop1)} std ${entry.embeddingStd.toFixed(3)} rank ${entry.effectiveRank.toFixed(1)}`;
    this.bar?.setMonitor(this.barText);
    this.write?.(
      `  step ${stepsDone}: monitor k-NN top-1 ${percent(entry.knnTop1)}, embedding std ${entry.embeddingStd.toFixed(4)} ` +
        `(1/sqrt(D) ${reading.embeddingStdReference.toFixed(4)}), effective rank ${entry.effectiveRank.toFixed(1)} (${entry.seconds.toFixed(1)} s)\n`,
    );
    return entry;
  }

  /** After each step (fit's onStepEnd): a reading every `every` steps. */
  async afterStep(stepsDone: number): Promise<void> {
    if (stepsDone % this.every === 0) await this.measure(stepsDone);
  }

  /** At the end of the run: a reading of the final encoder unless the last step already had one. */
  async finish(steps: number): Promise<void> {
    if (this.entries.at(-1)?.step !== steps) await this.measure(steps);
  }

  /** Total time of the readings. */
  get seconds(): number {
    return this.entries.reduce((s, e) => s + e.seconds, 0);
  }

  /** The settings, for log.json. */
  settings(): JsonObject {
    const r = this.lastReading;
    return {
      every: this.every,
      bankSize: this.bank.size,
      heldOutSize: this.heldOut.size,
      split: 'train',
      seed: this.seed,
      ...(r !== undefined ? { k: r.k, temperature: r.temperature, dim: r.dim, embeddingStdReference: r.embeddingStdReference } : {}),
      seconds: this.seconds,
    };
  }

  /** The loss picture's second panel: k-NN top-1 against step. */
  panel(name: string): LossCurvePanel | undefined {
    if (this.entries.length === 0) return undefined;
    return {
      title: 'k-NN top-1 (monitor)',
      percent: true,
      series: [{ name, steps: this.entries.map((e) => e.step), values: this.entries.map((e) => e.knnTop1) }],
    };
  }
}

interface MonitorProgress extends ProgressReporter {
  setMonitor(text: string): void;
}

/** fit's terminal bar (cli-progress on stderr) with the monitor's last reading at the end of the line. */
async function monitorProgress(monitor: string): Promise<MonitorProgress> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: '{label} [{bar}] {percentage}% | step {value}/{total} | loss {loss} | {ips} img/s | {monitor} | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let fields: Record<string, string | number> = { label: '', loss: '-', ips: '-', monitor };
  let running = false;
  return {
    start(total, label) {
      fields = { ...fields, label };
      bar.start(total, 0, fields);
      running = true;
    },
    update(done, values) {
      fields = { ...fields, ...values };
      bar.update(done, fields);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
    setMonitor(text) {
      fields = { ...fields, monitor: text };
      if (running) bar.update(fields);
    },
  };
}
