import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { saveEncoder } from '@selfsup/encoders/node';
import { lossCurveSvg } from '@selfsup/eval';
import { writeJson, writeSvg } from '@selfsup/eval/node';
import { type BackendName, type FitResult, type JsonObject, type MethodPreset, type StepInfo, SelfsupError, fit, invalidArgument, initBackend, optionDefaults, presetDataKinds, trainingFitOptions } from '@selfsup/tensors';
import { checkpointDirectory, initProcessGroup } from '@selfsup/tensors/node';
import { backboneConfig, buildViewEncoder, encoderInputShape, unreportedArchConfigKeys } from './architectures.js';
import { checkCommandArguments } from './checks.js';
import { checkWorkerFlags } from './pretrain-launch.js';
import { dataKindOf, loadPretrainData, parseDataSpec } from './data.js';
import { kebabCase, methodTable, registerPresetArchitectures } from './methods.js';
import { checkOutDirectory, describeEarlierRun, findEarlierRun, removeEarlierRun } from './out-dir.js';
import { type MonitorEntry, type MonitorFlags, PretrainMonitor, checkMonitorFlags } from './pretrain-monitor.js';
import { type ResolvedRunConfig, type RunConfigFile, configDifference, configFlag, readRunConfig, resolveRunConfig } from './run-config.js';

/** Parsed options of `selfsup pretrain`. */
export interface PretrainCommandOptions extends MonitorFlags {
  /** Required here or in the --config file. */
  readonly method?: string;
  /** Required here or in the --config file. */
  readonly data?: string;
  /** Default convNet. */
  readonly arch?: string;
  /**
   * Overrides of the backbone's default config (`--arch-config`; keys of the architecture's config, not `inputShape`
   * or `seed`), e.g. `{ channels: [32, 64, 128], strides: [1, 2, 2] }`. Replaces the --config file's `archConfig`.
   */
  readonly archConfig?: JsonObject;
  /** Recipe of the method's preset (`small`, the default, or `paper`, ...). */
  readonly recipe?: string;
  /** Passes over the data (training setting `epochs`). Default: the recipe's, else 1. */
  readonly epochs?: number;
  /** Images per step (training setting `batchSize`). Default: the recipe's, else the preset's, else 128. */
  readonly batchSize?: number;
  /** Base learning rate (training setting `learningRate`). */
  readonly lr?: number;
  /** Default 0. */
  readonly seed?: number;
  readonly out: string;
  /** Continue the run in `out` from its checkpoint. */
  readonly resume: boolean;
  /**
   * Replace an earlier run in `out` (its run.json, checkpoint, encoder, log.json, loss.svg). Without it (or `resume`),
   * a directory holding one is refused.
   */
  readonly overwrite?: boolean;
  readonly timeBudget?: number;
  /** What the time budget counts: wall time (default) or this process's CPU time. */
  readonly budgetClock?: 'wall' | 'cpu';
  readonly checkpointEvery: number;
  /** Training setting `gradientClip`. */
  readonly gradientClip?: number;
  /** Training settings as JSON (keys of TRAINING_OPTIONS, e.g. `{ optimizer: 'lars' }`); over the config file. */
  readonly training?: Readonly<Record<string, unknown>>;
  /** Training settings as flag texts keyed by setting (`{ weightDecay: '1e-4' }` from `--weight-decay 1e-4`); win over everything. */
  readonly trainingFlags?: Readonly<Record<string, string>>;
  readonly limit?: number;
  /**
   * Hold out this share of the training split (class-balanced, fixed seed 0) as the test split: the run trains on the
   * rest only, so `selfsup eval --validation` with the same value probes on images the encoder never saw.
   */
  readonly validation?: number;
  readonly imageSize?: readonly [number, number];
  readonly channels?: 1 | 3;
  readonly skipBad: boolean;
  readonly backend?: BackendName;
  readonly quiet: boolean;
  /** A JSON run config `{ method?, recipe?, data?, arch?, archConfig?, seed?, limit?, validation?, imageSize?, channels?, training?, options? }` (flags win). */
  readonly config?: string;
  /** Method option values (JSON), e.g. `{ temperature: 0.2 }`; override the config file. */
  readonly methodOptions?: Readonly<Record<string, unknown>>;
  /** Method option values as flag texts (`{ temperature: '0.2' }` from `--temperature 0.2`); override everything. */
  readonly methodFlags?: Readonly<Record<string, string>>;
  /** The --plugin modules the methods came from (recorded in run.json). */
  readonly plugin?: readonly string[];
  /**
   * Data-parallel worker (`--rank`, `--world-size`, `--rendezvous`; what `--nproc` gives each worker): this process is
   * rank `rank` of `worldSize`, joined over Gloo through the directory `rendezvous`. Rank 0 writes the run; `batchSize`
   * is per worker. All three or none.
   */
  readonly rank?: number;
  readonly worldSize?: number;
  readonly rendezvous?: string;
  /** Rank 0's `host:port`: the same as `rendezvous: tcp://host:port` (torchrun's --master_addr / --master_port). */
  readonly master?: string;
  /** Data parallel: batch norm over every worker's samples (`fit`'s syncBatchNorm). */
  readonly syncBatchNorm?: boolean;
}

export interface PretrainIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where RANK, WORLD_SIZE, MASTER_ADDR / MASTER_PORT and SELFSUP_RENDEZVOUS are read when no flag gives them (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
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
  /** Encoders the method trains beside its encoder (`SSLMethod.companions`, CLIP's text tower): `companions/<name>/`. */
  companions: 'companions',
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
  /** The saved companion encoders by name (`SSLMethod.companions`: CLIP's `text` tower), when the method has any. */
  readonly companionDirs?: Readonly<Record<string, string>>;
  /** Steps done in total (a resumed run counts the earlier ones). */
  readonly steps: number;
  /** Images per step (per worker in a data-parallel run): `--batch-size`, else the recipe's. */
  readonly batchSize: number;
  /** The step a resumed run continued from (0: a fresh run). */
  readonly resumedFromStep: number;
  readonly stoppedBy: FitResult['stoppedBy'];
  readonly seconds: number;
  /**
   * This process's CPU time (user + system, all threads) over the training loop: what `--budget-clock cpu` counts,
   * plus the online monitor's readings when it is on.
   */
  readonly cpuSeconds: number;
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
  /** With `overwrite`: the earlier run's files this run removed (`run.json`, `checkpoint/`, ...). */
  readonly replaced?: readonly string[];
}

function mismatch(runFile: string, flag: string, before: unknown, now: unknown): never {
  throw new SelfsupError('CHECKPOINT_MISMATCH', `--resume: ${runFile} was started with ${flag} ${JSON.stringify(before)}, this run has ${JSON.stringify(now)}`, {
    argument: flag,
  });
}

/**
 * The recorded config with the preset's defaults for the method options it lacks: a run started before an option
 * existed built what the option's default builds (an option is added with the default that keeps what was built
 * before), so it still resumes; one started with a non-default value of it could not have been.
 */
function withAddedOptionDefaults(recorded: JsonObject, preset: MethodPreset): JsonObject {
  const options = recorded['options'];
  if (recorded['method'] !== preset.name || typeof options !== 'object' || options === null || Array.isArray(options)) return recorded;
  return { ...recorded, options: { ...optionDefaults(preset.options), ...options } };
}

/** A resumed run must have the resolved config of the run it continues: a differing key is an error naming it. */
async function checkResume(runFile: string, config: ResolvedRunConfig, preset: MethodPreset): Promise<void> {
  const previous = await fs.readFile(runFile, 'utf8').then(
    (text) => JSON.parse(text) as { config?: JsonObject; identity?: JsonObject },
    () => undefined,
  );
  if (previous?.config !== undefined) {
    const d = configDifference(withAddedOptionDefaults(previous.config, preset), config);
    if (d !== undefined) {
      const key = d.path.join('.');
      throw new SelfsupError(
        'CHECKPOINT_MISMATCH',
        `--resume: ${runFile} was started with ${key} ${JSON.stringify(d.before ?? null)}, this run has ${JSON.stringify(d.now ?? null)} (${configFlag(d.path)})`,
        { argument: key },
      );
    }
    return;
  }
  if (previous?.identity === undefined) return;
  // A run directory written before run.json recorded the resolved config: compare what its identity recorded.
  const identity = previous.identity;
  const now: JsonObject = {
    method: config.method,
    data: config.data,
    arch: config.arch,
    epochs: config.training['epochs'] as number,
    batchSize: config.training['batchSize'] as number,
    seed: config.seed,
    ...(identity['lr'] !== undefined ? { lr: config.training['learningRate'] as number } : {}),
    ...(config['limit'] !== undefined ? { limit: config['limit'] } : {}),
  };
  for (const [key, value] of Object.entries(now)) {
    if (JSON.stringify(identity[key]) !== JSON.stringify(value)) mismatch(runFile, `--${kebabCase(key)}`, identity[key], value);
  }
  if (identity['method'] !== config.method) return;
  // Runs written before method options were recorded used the preset's defaults.
  const before = (identity['options'] as JsonObject | undefined) ?? preset.defaults.options;
  for (const key of Object.keys(before)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(config.options[key])) mismatch(runFile, `--${kebabCase(key)}`, before[key] ?? null, config.options[key] ?? null);
  }
}

/**
 * Runs `selfsup pretrain`: builds the method's preset around a fresh backbone, trains it with `fit` (progress bar,
 * checkpoint every N steps, resumable), then writes the encoder checkpoint, a JSON log and the loss curve. Returns what
 * it did.
 */
export async function runPretrain(options: PretrainCommandOptions, io: PretrainIo): Promise<PretrainResult> {
  checkCommandArguments(options, io, ['out']);
  checkMonitorFlags(options);
  const worker = workerSettings(options, io.env ?? process.env);
  const worldSize = worker?.worldSize ?? 1;
  // Rank 0 of a data-parallel run (or a single process) owns --out: checks, run.json, encoder, log, pictures.
  const leader = (worker?.rank ?? 0) === 0;
  const file: RunConfigFile | undefined = options.config !== undefined ? await readRunConfig(options.config) : undefined;
  const methodName = options.method ?? file?.method;
  if (methodName === undefined) throw new SelfsupError('INVALID_ARGUMENT', '--method is required (or "method" in the --config file)', { argument: '--method' });
  const table = methodTable(io.presets ?? []);
  // Before anything is built: the encoder this run saves must reload in a fresh process.
  registerPresetArchitectures(table.presets);
  const preset = table.find(methodName);
  const training: Record<string, unknown> = { ...(options.training ?? {}) };
  for (const [key, value] of [['epochs', options.epochs], ['batchSize', options.batchSize], ['learningRate', options.lr], ['gradientClip', options.gradientClip]] as const) {
    if (value !== undefined) training[key] = value;
  }
  const { config: runConfig } = resolveRunConfig(preset, {
    ...(file !== undefined ? { file } : {}),
    ...(options.config !== undefined ? { fileName: options.config } : {}),
    run: {
      ...(options.recipe !== undefined ? { recipe: options.recipe } : {}),
      ...(options.data !== undefined ? { data: options.data } : {}),
      ...(options.arch !== undefined ? { arch: options.arch } : {}),
      ...(options.archConfig !== undefined ? { archConfig: options.archConfig } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.validation !== undefined ? { validation: options.validation } : {}),
      ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
      ...(options.channels !== undefined ? { channels: options.channels } : {}),
    },
    training,
    ...(options.trainingFlags !== undefined ? { trainingFlags: options.trainingFlags } : {}),
    ...(options.methodOptions !== undefined ? { methodOptions: options.methodOptions } : {}),
    ...(options.methodFlags !== undefined ? { methodFlags: options.methodFlags } : {}),
  });
  parseDataSpec(runConfig.data);
  // Before any backend starts: the method must take what the data holds (images, sequences).
  const dataKind = dataKindOf(runConfig.data);
  const methodKinds = presetDataKinds(preset);
  if (!methodKinds.includes(dataKind)) {
    const takers = table.presets.filter((p) => presetDataKinds(p).includes(dataKind)).map((p) => p.name);
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--method ${preset.name} trains on ${methodKinds.join(' and ')}; --data ${runConfig.data} holds ${dataKind} (methods that train on ${dataKind}: ${takers.join(', ') || 'none'})`,
      { argument: '--data' },
    );
  }
  const methodOptions = runConfig.options;
  const trainingOptions = trainingFitOptions(runConfig.training);
  const { batchSize } = trainingOptions;
  const seed = runConfig.seed;
  const arch = runConfig.arch;
  const archConfig = runConfig['archConfig'] as JsonObject | undefined;
  const limit = runConfig['limit'] as number | undefined;
  const validation = runConfig['validation'] as number | undefined;
  const imageSize = runConfig['imageSize'] as [number, number] | undefined;
  const channels = runConfig['channels'] as 1 | 3 | undefined;
  const out = path.resolve(options.out);
  const runFile = path.join(out, PRETRAIN_FILES.run);
  if (leader) await checkOutDirectory('--out', options.out);
  if (options.resume && options.overwrite === true) {
    throw new SelfsupError('INVALID_ARGUMENT', '--resume continues the run in --out and --overwrite replaces it: give one of them', { argument: '--overwrite' });
  }
  const earlier = options.resume || !leader ? undefined : await findEarlierRun(out, Object.values(PRETRAIN_FILES), PRETRAIN_FILES.run);
  if (earlier !== undefined && options.overwrite !== true) {
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--out ${options.out} holds an earlier run: ${describeEarlierRun(earlier)}; pass --resume to continue it or --overwrite to replace it (or choose another --out)`,
      { argument: '--out' },
    );
  }
  if (options.resume) await checkResume(runFile, runConfig, preset);
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const group =
    worldSize > 1
      ? await initProcessGroup({ rank: worker?.rank as number, worldSize, rendezvous: worker?.rendezvous as string, prefix: 'pretrain' })
      : undefined;
  const data = await loadPretrainData(runConfig.data, {
    ...(limit !== undefined ? { limit } : {}),
    ...(validation !== undefined ? { validation } : {}),
    ...(imageSize !== undefined ? { imageSize } : {}),
    ...(channels !== undefined ? { channels } : {}),
    ...(options.skipBad ? { skipBad: true } : {}),
  });
  let method: ReturnType<MethodPreset['build']> | undefined;
  try {
    const inputShape = data.train.imageShape;
    const encoderShape = encoderInputShape(inputShape, methodOptions['viewSize']);
    backboneConfig(arch, encoderShape, seed, archConfig);
    if (batchSize > data.train.size) {
      throw new SelfsupError('INVALID_ARGUMENT', `--batch-size must be at most the training set size (${data.train.size}); got ${batchSize}`, {
        argument: '--batch-size',
      });
    }
    const encoder = buildViewEncoder(arch, encoderShape, seed, archConfig, methodOptions['viewSize']);
    const unreported = archConfig !== undefined ? unreportedArchConfigKeys(archConfig, encoder.config) : [];
    if (unreported.length > 0) {
      io.stderr(`selfsup pretrain: note: --arch-config key(s) ${unreported.map((k) => JSON.stringify(k)).join(', ')} are not in the built ${arch}'s config (${Object.keys(encoder.config).join(', ')}); misspelt?\n`);
    }
    try {
      // Image-caption data hands its captions to the preset (CLIP learns its tokenizer from them).
      const captions = await data.train.captions?.();
      const classNames = data.train.classNames;
      method = preset.build({
        encoder,
        inputShape,
        seed,
        batchSize,
        options: methodOptions,
        dataKind: data.kind,
        ...(captions !== undefined ? { captions } : {}),
        ...(classNames !== undefined ? { classNames } : {}),
      });
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
    const { learningRate, schedule, optimizer } = trainingOptions;
    // Removed only now that the new run is built and its data loaded: a run that fails to start loses nothing.
    if (earlier !== undefined) {
      await removeEarlierRun(earlier);
      io.stderr(`selfsup pretrain: --overwrite: replaced the earlier run in ${out}: removed ${describeEarlierRun(earlier)}\n`);
    }
    if (leader) await fs.mkdir(out, { recursive: true });
    await writeRunFile(leader, runFile, {
      command: 'selfsup pretrain',
      // Everything that defines the run (what --resume compares); the rest of this file describes it.
      config: runConfig,
      method: {
        name: preset.name,
        description: preset.description,
        options: methodOptions,
        optimizer: optimizer as unknown as JsonObject,
        learningRate,
        schedule: schedule as unknown as JsonObject,
      },
      encoder: { architecture: encoder.architecture, config: encoder.config },
      plugins: [...(options.plugin ?? [])],
      backend: backend.backend,
      ...(group !== undefined
        ? { dataParallel: { worldSize, batchPerWorker: batchSize, globalBatch: batchSize * worldSize, syncBatchNorm: options.syncBatchNorm === true, engine: group.description } }
        : {}),
      startedAt: new Date().toISOString(),
    });
    const history: StepInfo[] = [];
    if (!options.quiet) {
      io.stderr(`selfsup pretrain: ${preset.description}\n`);
      io.stderr(`  data ${data.source} (${data.train.size} images ${inputShape.join('x')}), encoder ${arch}, backend ${backend.description}\n`);
      io.stderr(`  recipe ${runConfig.recipe}: optimizer ${optimizer.type}, lr ${learningRate}, batch ${batchSize}, ${runConfig.training['epochs']} epoch(s)\n`);
      if (group !== undefined) io.stderr(`  data parallel: ${worldSize} workers of batch ${batchSize} (${batchSize * worldSize} per step), ${group.description}\n`);
    }
    const monitor = !leader ? undefined : PretrainMonitor.create({
      flags: options,
      encoder: method.encoder,
      train: data.train,
      seed,
      plannedSteps: trainingOptions.epochs * Math.floor(data.train.size / (batchSize * worldSize)),
      ...(!options.quiet && !io.interactive ? { write: io.stderr } : {}),
    });
    // A fresh run's first reading is the random initialisation: the reference the training should beat.
    if (monitor !== undefined && !options.resume) await monitor.measure(0);
    let lastLine = 0;
    const cpuBefore = process.cpuUsage();
    const result = await fit(method, data.train, {
      batchSize,
      epochs: trainingOptions.epochs,
      learningRate,
      optimizer,
      schedule,
      seed,
      ...(options.timeBudget !== undefined ? { timeBudgetSeconds: options.timeBudget } : {}),
      ...(options.budgetClock !== undefined ? { timeBudgetClock: options.budgetClock } : {}),
      ...(trainingOptions.gradientClipNorm !== undefined ? { gradientClipNorm: trainingOptions.gradientClipNorm } : {}),
      progress: !options.quiet && io.interactive ? ((await monitor?.progressBar()) ?? true) : false,
      // The monitor's readings are not training time (log.json reports their time apart).
      ...(monitor !== undefined ? { timeBudgetExcludesCallbacks: true } : {}),
      checkpoint: { store: checkpointDirectory(path.join(out, PRETRAIN_FILES.checkpoint)), everySteps: options.checkpointEvery },
      ...(group !== undefined ? { processGroup: group, syncBatchNorm: options.syncBatchNorm === true } : {}),
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
    const cpuUsed = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
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
    if (!leader) return workerResult(out, encoderDir, result, batchSize, preset.name, method, methodOptions);
    await saveEncoder(encoderDir, method.encoder);
    const companionDirs: Record<string, string> = {};
    for (const [name, companion] of Object.entries(method.companions ?? {})) {
      companionDirs[name] = path.join(out, PRETRAIN_FILES.companions, name);
      await saveEncoder(companionDirs[name], companion);
    }
    const steps: PretrainStep[] = history.map((h) => ({ step: h.step, loss: h.loss, lr: h.lr, imagesPerSecond: h.imagesPerSecond, metrics: { ...h.metrics } }));
    const pretrained: PretrainResult = {
      runDir: out,
      encoderDir,
      ...(Object.keys(companionDirs).length > 0 ? { companionDirs } : {}),
      steps: result.steps,
      batchSize,
      resumedFromStep: result.resumedFromStep,
      stoppedBy: result.stoppedBy,
      seconds: result.seconds,
      cpuSeconds,
      history: steps,
      method: { name: preset.name, options: methodOptions, config: method.config },
      encoder: { architecture: method.encoder.architecture, config: method.encoder.config },
      ...(monitor !== undefined ? { monitor: monitor.entries } : {}),
      ...(earlier !== undefined ? { replaced: earlier.files } : {}),
    };
    await writeJson(path.join(out, PRETRAIN_FILES.log), {
      command: 'selfsup pretrain',
      config: runConfig,
      method: { name: method.name, preset: preset.name, options: methodOptions, config: method.config },
      optimizer: optimizer as unknown as JsonObject,
      encoder: pretrained.encoder,
      ...(Object.keys(companionDirs).length > 0 ? { companions: companionDirs } : {}),
      backend: { name: backend.backend, description: backend.description, reason: backend.reason },
      steps: result.steps,
      resumedFromStep: result.resumedFromStep,
      skippedFiles: skipped.map((s) => ({ file: s.file, reason: s.reason })),
      stoppedBy: result.stoppedBy,
      seconds: result.seconds,
      cpuSeconds,
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
        `${last !== undefined ? `, last loss ${last.loss.toFixed(4)}` : ''}${monitorSummary(monitor)}; encoder saved to ${encoderDir}` +
        `${Object.entries(companionDirs).map(([name, dir]) => `, ${name} encoder to ${dir}`).join('')}\n`,
    );
    return pretrained;
  } finally {
    method?.dispose();
    data.train.dispose?.();
    data.test?.dispose?.();
    group?.destroy();
  }
}

/**
 * This worker's place in a data-parallel run, from the flags, else the environment (`RANK`, `WORLD_SIZE`, and
 * `SELFSUP_RENDEZVOUS` or `MASTER_ADDR` / `MASTER_PORT`, as torchrun sets them); undefined for a single process.
 */
function workerSettings(
  options: PretrainCommandOptions,
  env: Readonly<Record<string, string | undefined>>,
): { rank: number; worldSize: number; rendezvous: string } | undefined {
  const fromEnv = (key: string) => (env[key] !== undefined && env[key] !== '' ? Number(env[key]) : undefined);
  const worldSize = options.worldSize ?? fromEnv('WORLD_SIZE');
  const flagged = options.worldSize !== undefined || options.rank !== undefined || options.rendezvous !== undefined || options.master !== undefined;
  if (!flagged && (worldSize === undefined || worldSize <= 1)) return undefined;
  if (options.master !== undefined && (typeof options.master !== 'string' || !/^[^:\s]+:\d+$/.test(options.master))) {
    invalidArgument('--master', "rank 0's host:port", options.master);
  }
  const master = options.master ?? (env['MASTER_ADDR'] && env['MASTER_PORT'] ? `${env['MASTER_ADDR']}:${env['MASTER_PORT']}` : undefined);
  const rendezvous = options.rendezvous ?? (env['SELFSUP_RENDEZVOUS'] || undefined) ?? (master !== undefined ? `tcp://${master}` : undefined);
  const settings = { rank: options.rank ?? fromEnv('RANK'), worldSize, rendezvous };
  checkWorkerFlags(settings);
  if (settings.worldSize === undefined || settings.worldSize <= 1) return undefined;
  return settings as { rank: number; worldSize: number; rendezvous: string };
}

/** run.json, written by rank 0 alone. */
async function writeRunFile(leader: boolean, file: string, value: Record<string, unknown>): Promise<void> {
  if (leader) await writeJson(file, value as JsonObject);
}

/** What a data-parallel worker other than rank 0 returns: it trained the same model, and rank 0 wrote it. */
function workerResult(
  out: string,
  encoderDir: string,
  result: FitResult,
  batchSize: number,
  presetName: string,
  method: NonNullable<ReturnType<MethodPreset['build']>>,
  methodOptions: JsonObject,
): PretrainResult {
  return {
    runDir: out,
    encoderDir,
    steps: result.steps,
    batchSize,
    resumedFromStep: result.resumedFromStep,
    stoppedBy: result.stoppedBy,
    seconds: result.seconds,
    cpuSeconds: 0,
    history: [],
    method: { name: presetName, options: methodOptions, config: method.config },
    encoder: { architecture: method.encoder.architecture, config: method.encoder.config },
  };
}

function monitorSummary(monitor: PretrainMonitor | undefined): string {
  const [first, last] = [monitor?.entries[0], monitor?.entries.at(-1)];
  if (first === undefined || last === undefined) return '';
  return `, monitor k-NN top-1 ${(100 * last.knnTop1).toFixed(1)}% (step ${first.step}: ${(100 * first.knnTop1).toFixed(1)}%)`;
}
