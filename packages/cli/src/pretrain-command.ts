import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { saveEncoder } from '@selfsup/encoders/node';
import { lossCurveSvg } from '@selfsup/eval';
import { writeJson, writeSvg } from '@selfsup/eval/node';
import { type BackendName, type FitResult, type JsonObject, type MethodPreset, type StepInfo, SelfsupError, fit, initBackend } from '@selfsup/tensors';
import { checkpointDirectory } from '@selfsup/tensors/node';
import { backboneConfig, buildBackbone } from './architectures.js';
import { checkCommandArguments } from './checks.js';
import { loadEvalData, parseDataSpec } from './data.js';
import { readConfigFile, resolveMethodOptions } from './method-options.js';
import { kebabCase, methodTable } from './methods.js';
import { type MonitorEntry, type MonitorFlags, PretrainMonitor, checkMonitorFlags } from './pretrain-monitor.js';

/** Parsed options of `selfsup pretrain`. */
export interface PretrainCommandOptions extends MonitorFlags {
  readonly method: string;
  readonly data: string;
  readonly arch: string;
  readonly epochs: number;
  /** Images per step. Default: the preset's `defaults.batchSize`, else 128. */
  readonly batchSize?: number;
  readonly lr?: number;
  readonly seed: number;
  readonly out: string;
  readonly resume: boolean;
  readonly timeBudget?: number;
  /** What the time budget counts: wall time (default) or this process's CPU time. */
  readonly budgetClock?: 'wall' | 'cpu';
  readonly checkpointEvery: number;
  readonly gradientClip?: number;
  readonly limit?: number;
  readonly imageSize?: readonly [number, number];
  readonly channels?: 1 | 3;
  readonly skipBad: boolean;
  readonly backend?: BackendName;
  readonly quiet: boolean;
  /** A JSON file of method option values (checked against the method's schema). */
  readonly config?: string;
  /** Method option values (JSON), e.g. `{ temperature: 0.2 }`; override the config file. */
  readonly methodOptions?: Readonly<Record<string, unknown>>;
  /** Method option values as flag texts (`{ temperature: '0.2' }` from `--temperature 0.2`); override everything. */
  readonly methodFlags?: Readonly<Record<string, string>>;
  /** The --plugin modules the methods came from (recorded in run.json). */
  readonly plugin?: readonly string[];
}

export interface PretrainIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly interactive: boolean;
  /** Methods besides the built-in ones (plugins' presets). */
  readonly presets?: readonly MethodPreset[];
}

/** What `selfsup pretrain` leaves in --out. */
export const PRETRAIN_FILES = {
  run: 'run.json',
  checkpoint: 'checkpoint',
  encoder: 'encoder',
  log: 'log.json',
  lossCurve: 'loss.svg',
} as const;

/** One logged step of a pretraining run. */
export interface PretrainStep {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly imagesPerSecond: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What {@link runPretrain} returns (and writes to log.json). */
export interface PretrainResult {
  /** The run directory (--out, absolute). */
  readonly runDir: string;
  /** The saved encoder (a checkpoint directory `selfsup eval --encoder` and `loadEncoder` read). */
  readonly encoderDir: string;
  /** Steps done in total (a resumed run counts the earlier ones). */
  readonly steps: number;
  /** The step a resumed run continued from (0: a fresh run). */
  readonly resumedFromStep: number;
  readonly stoppedBy: FitResult['stoppedBy'];
  readonly seconds: number;
  /** Every step of this process (a resumed run: those after the resume). */
  readonly history: readonly PretrainStep[];
  readonly method: {
    /** The preset's (CLI) name. */
    readonly name: string;
    /** The option values it was built with (defaults filled in). */
    readonly options: JsonObject;
    /** The built method's own config. */
    readonly config: JsonObject;
  };
  readonly encoder: { readonly architecture: string; readonly config: JsonObject };
  /** The online monitor's readings (absent with --no-monitor or unlabelled data). */
  readonly monitor?: readonly MonitorEntry[];
}

/** The settings a resumed run must share with the run it continues. */
function runIdentity(options: PretrainCommandOptions, batchSize: number, methodOptions: JsonObject): JsonObject {
  return {
    method: options.method,
    data: options.data,
    arch: options.arch,
    epochs: options.epochs,
    batchSize,
    seed: options.seed,
    ...(options.lr !== undefined ? { lr: options.lr } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    options: methodOptions,
  };
}

function mismatch(runFile: string, flag: string, before: unknown, now: unknown): never {
  throw new SelfsupError('CHECKPOINT_MISMATCH', `--resume: ${runFile} was started with ${flag} ${JSON.stringify(before)}, this run has ${JSON.stringify(now)}`, {
    argument: flag,
  });
}

async function checkResume(runFile: string, identity: JsonObject, preset: MethodPreset): Promise<void> {
  const previous = await fs.readFile(runFile, 'utf8').then(
    (text) => JSON.parse(text) as { identity?: JsonObject },
    () => undefined,
  );
  if (previous?.identity === undefined) return;
  for (const [key, value] of Object.entries(identity)) {
    if (key === 'options') continue;
    if (JSON.stringify(previous.identity[key]) !== JSON.stringify(value)) mismatch(runFile, `--${kebabCase(key)}`, previous.identity[key], value);
  }
  if (previous.identity['method'] !== identity['method']) return;
  // Runs written before method options were recorded used the preset's defaults.
  const before = (previous.identity['options'] as JsonObject | undefined) ?? preset.defaults.options;
  const now = identity['options'] as JsonObject;
  for (const key of new Set([...Object.keys(before), ...Object.keys(now)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(now[key])) mismatch(runFile, `--${kebabCase(key)}`, before[key] ?? null, now[key] ?? null);
  }
}

/**
 * Runs `selfsup pretrain`: builds the method's preset around a fresh backbone, trains it with `fit` (progress bar,
 * checkpoint every N steps, resumable), then writes the encoder checkpoint, a JSON log and the loss curve. Returns what
 * it did.
 */
export async function runPretrain(options: PretrainCommandOptions, io: PretrainIo): Promise<PretrainResult> {
  checkCommandArguments(options, io, ['method', 'data', 'arch', 'out']);
  const preset = methodTable(io.presets ?? []).find(options.method);
  parseDataSpec(options.data);
  checkMonitorFlags(options);
  const config = options.config !== undefined ? await readConfigFile(options.config) : undefined;
  const methodOptions = resolveMethodOptions(preset, {
    ...(config !== undefined ? { config } : {}),
    ...(options.config !== undefined ? { configFile: options.config } : {}),
    ...(options.methodOptions !== undefined ? { values: options.methodOptions } : {}),
    ...(options.methodFlags !== undefined ? { flags: options.methodFlags } : {}),
  });
  const batchSize = options.batchSize ?? preset.defaults.batchSize ?? 128;
  const out = path.resolve(options.out);
  const runFile = path.join(out, PRETRAIN_FILES.run);
  const identity = runIdentity(options, batchSize, methodOptions);
  if (options.resume) await checkResume(runFile, identity, preset);
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const data = await loadEvalData(options.data, {
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
    ...(options.channels !== undefined ? { channels: options.channels } : {}),
    ...(options.skipBad ? { skipBad: true } : {}),
  });
  let method: ReturnType<MethodPreset['build']> | undefined;
  try {
    const inputShape = data.train.imageShape;
    backboneConfig(options.arch, inputShape, options.seed);
    if (batchSize > data.train.size) {
      throw new SelfsupError('INVALID_ARGUMENT', `--batch-size must be at most the training set size (${data.train.size}); got ${batchSize}`, {
        argument: '--batch-size',
      });
    }
    const encoder = buildBackbone(options.arch, inputShape, options.seed);
    try {
      method = preset.build({ encoder, inputShape, seed: options.seed, batchSize, options: methodOptions });
      // The run's name, the log's and the checkpoint's must agree: a preset builds the method of its own name.
      if (method.name !== preset.name) {
        throw new SelfsupError(
          'INVALID_ARGUMENT',
          `--method ${preset.name}: the preset built a method named "${method.name}"; a preset's name must equal its method's name`,
          { argument: '--method' },
        );
      }
    } catch (error) {
      // A built method owns its encoder; otherwise the encoder is still ours to release.
      if (method !== undefined) method.dispose();
      else encoder.dispose();
      method = undefined;
      throw error;
    }
    const learningRate = options.lr ?? preset.defaults.learningRate;
    const schedule = preset.defaults.schedule ?? { type: 'cosine' as const, warmupSteps: preset.defaults.warmupSteps ?? 0 };
    await fs.mkdir(out, { recursive: true });
    await writeJson(runFile, {
      command: 'selfsup pretrain',
      identity,
      method: {
        name: preset.name,
        description: preset.description,
        options: methodOptions,
        optimizer: preset.defaults.optimizer as unknown as JsonObject,
        learningRate,
        schedule: schedule as unknown as JsonObject,
      },
      encoder: { architecture: encoder.architecture, config: encoder.config },
      plugins: [...(options.plugin ?? [])],
      backend: backend.backend,
      startedAt: new Date().toISOString(),
    });
    const history: StepInfo[] = [];
    if (!options.quiet) {
      io.stderr(`selfsup pretrain: ${preset.description}\n`);
      io.stderr(`  data ${data.source} (${data.train.size} images ${inputShape.join('x')}), encoder ${options.arch}, backend ${backend.description}\n`);
    }
    const monitor = PretrainMonitor.create({
      flags: options,
      encoder: method.encoder,
      train: data.train,
      seed: options.seed,
      plannedSteps: options.epochs * Math.floor(data.train.size / batchSize),
      ...(!options.quiet && !io.interactive ? { write: io.stderr } : {}),
    });
    // A fresh run's first reading is the random initialisation: the reference the training should beat.
    if (monitor !== undefined && !options.resume) await monitor.measure(0);
    let lastLine = 0;
    const result = await fit(method, data.train, {
      batchSize,
      epochs: options.epochs,
      learningRate,
      optimizer: preset.defaults.optimizer,
      schedule,
      seed: options.seed,
      ...(options.timeBudget !== undefined ? { timeBudgetSeconds: options.timeBudget } : {}),
      ...(options.budgetClock !== undefined ? { timeBudgetClock: options.budgetClock } : {}),
      ...(options.gradientClip !== undefined ? { gradientClipNorm: options.gradientClip } : {}),
      progress: !options.quiet && io.interactive ? ((await monitor?.progressBar()) ?? true) : false,
      // The monitor's readings are not training time (log.json reports their time apart).
      ...(monitor !== undefined ? { timeBudgetExcludesCallbacks: true } : {}),
      checkpoint: { store: checkpointDirectory(path.join(out, PRETRAIN_FILES.checkpoint)), everySteps: options.checkpointEvery },
      resume: options.resume,
      // Streaming folders read the next batch's files while a step computes.
      prefetchBatches: 1,
      callbacks: {
        async onStepEnd(info) {
          history.push(info);
          // Without a terminal, one line every 10 seconds instead of a bar.
          if (!options.quiet && !io.interactive && performance.now() - lastLine > 10_000) {
            lastLine = performance.now();
            io.stderr(`  step ${info.step + 1}: loss ${info.loss.toFixed(4)}, ${Math.round(info.imagesPerSecond)} images/s\n`);
          }
          await monitor?.afterStep(info.step + 1);
        },
      },
    });
    await monitor?.finish(result.steps);
    const skipped = data.skipped?.() ?? [];
    if (skipped.length > 0) {
      io.stderr(
        `selfsup pretrain: --skip-bad skipped ${skipped.length} bad image file(s), e.g. ${skipped
          .slice(0, 3)
          .map((s) => s.reason)
          .join('; ')}\n`,
      );
    }
    const encoderDir = path.join(out, PRETRAIN_FILES.encoder);
    await saveEncoder(encoderDir, method.encoder);
    const steps: PretrainStep[] = history.map((h) => ({ step: h.step, loss: h.loss, lr: h.lr, imagesPerSecond: h.imagesPerSecond, metrics: { ...h.metrics } }));
    const pretrained: PretrainResult = {
      runDir: out,
      encoderDir,
      steps: result.steps,
      resumedFromStep: result.resumedFromStep,
      stoppedBy: result.stoppedBy,
      seconds: result.seconds,
      history: steps,
      method: { name: preset.name, options: methodOptions, config: method.config },
      encoder: { architecture: method.encoder.architecture, config: method.encoder.config },
      ...(monitor !== undefined ? { monitor: monitor.entries } : {}),
    };
    await writeJson(path.join(out, PRETRAIN_FILES.log), {
      command: 'selfsup pretrain',
      identity,
      method: { name: method.name, preset: preset.name, options: methodOptions, config: method.config },
      encoder: pretrained.encoder,
      backend: { name: backend.backend, description: backend.description, reason: backend.reason },
      steps: result.steps,
      resumedFromStep: result.resumedFromStep,
      skippedFiles: skipped.map((s) => ({ file: s.file, reason: s.reason })),
      stoppedBy: result.stoppedBy,
      seconds: result.seconds,
      history: steps.map(({ metrics, ...h }) => ({ ...h, ...metrics })),
      ...(monitor !== undefined ? { monitorSettings: monitor.settings(), monitor: monitor.entries.map((e) => ({ ...e })) } : {}),
    });
    const monitorPanel = monitor?.panel(preset.name);
    if (history.length > 0) {
      await writeSvg(
        path.join(out, PRETRAIN_FILES.lossCurve),
        await lossCurveSvg([{ name: preset.name, losses: history.map((h) => h.loss), steps: history.map((h) => h.step) }], {
          title: `${preset.name} on ${data.train.name}`,
          smoothing: 0.9,
          ...(monitorPanel !== undefined ? { panel: monitorPanel } : {}),
        }),
      );
    }
    const last = history.at(-1);
    io.stdout(
      `${preset.name}: ${result.steps} steps (${result.stoppedBy}) in ${result.seconds.toFixed(1)} s` +
        `${last !== undefined ? `, last loss ${last.loss.toFixed(4)}` : ''}${monitorSummary(monitor)}; encoder saved to ${encoderDir}\n`,
    );
    return pretrained;
  } finally {
    method?.dispose();
    data.train.dispose?.();
    data.test.dispose?.();
  }
}

function monitorSummary(monitor: PretrainMonitor | undefined): string {
  const [first, last] = [monitor?.entries[0], monitor?.entries.at(-1)];
  if (first === undefined || last === undefined) return '';
  return `, monitor k-NN top-1 ${(100 * last.knnTop1).toFixed(1)}% (step ${first.step}: ${(100 * first.knnTop1).toFixed(1)}%)`;
}
