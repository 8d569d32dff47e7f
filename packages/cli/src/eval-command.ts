import * as path from 'node:path';
import {
  type EvaluationReport,
  KNN_DEFAULT,
  KNN_INSTDISC,
  type KnnOptions,
  type LinearSweepOptions,
  type ProbeName,
  barChartSvg,
  embeddingPlotSvg,
  evaluateEncoder,
} from '@selfsup/eval';
import { reportJson, writeJson, writeSvg } from '@selfsup/eval/node';
import { buildEncoder, hasArchitecture } from '@selfsup/encoders';
import {
  type BackendName,
  EMBEDDING_LAYER,
  type Encoder,
  type JsonObject,
  type MethodPreset,
  type ProbeResult,
  type RepresentationMetrics,
  SelfsupError,
  assertInRange,
  assertInteger,
  assertNonNegative,
  assertPositive,
  assertPositiveInteger,
  initBackend,
  invalidArgument,
  resolveLayers,
} from '@selfsup/tensors';
import { checkArchConfig } from './architectures.js';
import { checkCommandArguments } from './checks.js';
import { assertLabelledData, checkEvalDataSpec, checkValidation, loadEvalData } from './data.js';
import { type EncoderSource, checkEncoderSpec, defaultEncoderSource, resolveEncoder } from './encoder.js';
import { BUILT_IN_PRESETS, registerPresetArchitectures } from './methods.js';
import { checkOutDirectory } from './out-dir.js';
import { type ProgressView, lineProgress, silentProgress, terminalProgressView } from './progress.js';
import { metricsLine, resultsTable } from './table.js';

/** Parsed options of `selfsup eval` (commander has already checked each value's form). */
export interface EvalCommandOptions {
  readonly encoder: string;
  /**
   * With `--encoder random:<arch>`: overrides of the architecture's default config (`--arch-config`). A checkpoint has
   * its own config (its random baseline is built with it).
   */
  readonly archConfig?: JsonObject;
  readonly data: string;
  readonly probe: readonly ProbeName[];
  readonly k?: number;
  readonly temperature?: number;
  /** `select`: k and T chosen by leave-one-out on the training features (`--k` / `--temperature` fix one of them). */
  readonly knnPreset: 'default' | 'instdisc' | 'select';
  readonly optimizer: 'sgd' | 'lbfgs';
  readonly epochs?: number;
  readonly lr?: readonly number[];
  readonly weightDecay?: readonly number[];
  readonly valFraction?: number;
  readonly batchSize: number;
  readonly limit?: number;
  /** Hold out this share of the training split (class-balanced, fixed seed 0) and probe on it instead of the test split. */
  readonly validation?: number;
  readonly imageSize?: readonly [number, number];
  readonly channels?: 1 | 3;
  readonly baselines: readonly ('pixels' | 'random')[];
  readonly metrics: boolean;
  readonly plot: 'pca' | 'umap' | 'none';
  readonly out: string;
  readonly seed: number;
  readonly backend?: BackendName;
  readonly quiet: boolean;
  /** The --plugin modules loaded (their architectures can be evaluated). */
  readonly plugin?: readonly string[];
  /**
   * The layer to probe (one of the encoder's layers, e.g. block1, layer3) or `all` (one row per layer). Default: the
   * embedding only. Random-init baselines are probed at the same layers; raw pixels have no layers (one row).
   */
  readonly layer?: string;
  /** Feature maps are average-pooled to at most this many dimensions (default 9216). */
  readonly layerDim?: number;
}

/** What {@link runEval} returns. */
export interface EvalResult {
  /** Where report.json and the pictures went (absolute). */
  readonly out: string;
  /** The files written. */
  readonly files: readonly string[];
  /** The report, as written to report.json. */
  readonly report: JsonObject;
  /** Per encoder (the one asked for first, then the baselines): its probe results and metrics. */
  readonly evaluations: readonly {
    readonly label: string;
    /** The layer probed ("embedding": the encoder's output). */
    readonly layer: string;
    readonly results: readonly ProbeResult[];
    readonly metrics?: RepresentationMetrics;
  }[];
}

export interface EvalIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Show a progress bar (stderr is a terminal). */
  readonly interactive: boolean;
  /** Builds random-init and checkpointed encoders. Default {@link defaultEncoderSource} (the @selfsup/encoders registry). */
  readonly encoderSource?: EncoderSource;
  /** Methods besides the built-in ones (plugins' presets): the architectures they declare are registered too. */
  readonly presets?: readonly MethodPreset[];
}

interface Evaluated {
  readonly label: string;
  readonly layer: string;
  readonly report: EvaluationReport;
}

/** The probe settings of `selfsup eval` (its flags; absent ones: the command's defaults). */
export type EvalProbeFlags = Partial<Pick<EvalCommandOptions, 'knnPreset' | 'k' | 'temperature' | 'optimizer' | 'epochs' | 'lr' | 'weightDecay' | 'valFraction' | 'seed'>>;

/**
 * The k-NN and linear-probe options `selfsup eval` passes to the probes for its flags, its defaults filled in (k-NN
 * preset `default`, SGD linear probe, seed 0): for scripts that probe features computed elsewhere (`probeFeatures` of
 * @selfsup/eval) exactly as the command does.
 */
export function evalProbeOptions(flags: EvalProbeFlags = {}): { knn: KnnOptions; linear: LinearSweepOptions } {
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) invalidArgument('flags', 'an object of selfsup eval probe flags', flags);
  const knnPreset = flags.knnPreset ?? 'default';
  if (knnPreset !== 'default' && knnPreset !== 'instdisc' && knnPreset !== 'select') invalidArgument('flags.knnPreset', '"default", "instdisc" or "select"', knnPreset);
  const optimizer = flags.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'lbfgs') invalidArgument('flags.optimizer', '"sgd" or "lbfgs"', optimizer);
  if (flags.k !== undefined) assertPositiveInteger('flags.k', flags.k);
  if (flags.temperature !== undefined) assertPositive('flags.temperature', flags.temperature);
  if (flags.epochs !== undefined) assertPositiveInteger('flags.epochs', flags.epochs);
  if (flags.seed !== undefined) assertInteger('flags.seed', flags.seed, 0);
  if (flags.valFraction !== undefined) assertInRange('flags.valFraction', flags.valFraction, 0.01, 0.9);
  for (const key of ['lr', 'weightDecay'] as const) {
    const list = flags[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) invalidArgument(`flags.${key}`, 'a non-empty array of numbers', list);
    list.forEach((v, i) => (key === 'lr' ? assertPositive(`flags.lr[${i}]`, v) : assertNonNegative(`flags.weightDecay[${i}]`, v)));
  }
  const knn: KnnOptions =
    knnPreset === 'select'
      ? {
          select: {
            ...(flags.k !== undefined ? { ks: [flags.k] } : {}),
            ...(flags.temperature !== undefined ? { temperatures: [flags.temperature] } : {}),
            ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
          },
        }
      : {
          ...(knnPreset === 'instdisc' ? KNN_INSTDISC : KNN_DEFAULT),
          ...(flags.k !== undefined ? { k: flags.k } : {}),
          ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
        };
  const linear: LinearSweepOptions = {
    optimizer,
    seed: flags.seed ?? 0,
    ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
    ...(flags.lr !== undefined ? { learningRates: flags.lr } : {}),
    ...(flags.weightDecay !== undefined ? { weightDecays: flags.weightDecay } : {}),
    ...(flags.valFraction !== undefined ? { validationFraction: flags.valFraction } : {}),
  };
  return { knn, linear };
}

/** Runs `selfsup eval`: evaluates the encoder (and baselines), prints the table, writes report.json and pictures. */
export async function runEval(options: EvalCommandOptions, io: EvalIo): Promise<EvalResult> {
  checkCommandArguments(options, io, ['encoder', 'data', 'out']);
  const source = io.encoderSource ?? defaultEncoderSource;
  const started = performance.now();
  // Any method's saved encoder loads: the architectures every preset declares (wholeImage, ...) are registered first.
  registerPresetArchitectures([...BUILT_IN_PRESETS, ...(io.presets ?? [])]);
  checkEvalDataSpec(options.data);
  if (options.validation !== undefined) checkValidation(options.validation);
  await checkEncoderSpec(options.encoder);
  if (options.archConfig !== undefined) {
    checkArchConfig(options.archConfig);
    if (!options.encoder.startsWith('random:')) {
      throw new SelfsupError(
        'INVALID_ARGUMENT',
        `--arch-config applies to --encoder random:<architecture> only (a checkpoint has its own config, raw pixels none); got --encoder ${options.encoder}`,
        { argument: '--arch-config' },
      );
    }
  }
  await checkOutDirectory('--out', options.out);
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const data = await loadEvalData(options.data, {
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.validation !== undefined ? { validation: options.validation } : {}),
    ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
    ...(options.channels !== undefined ? { channels: options.channels } : {}),
  });
  const encoders: { label: string; encoder: Encoder }[] = [];
  const progress: ProgressView = options.quiet ? silentProgress : io.interactive ? await terminalProgressView() : lineProgress(io.stderr);
  try {
    assertLabelledData(data, options.data, 'selfsup eval');
    const imageShape = data.train.imageShape;
    if (data.test.imageShape.some((d, i) => d !== imageShape[i])) {
      throw new SelfsupError(
        'BAD_DATA',
        `--data ${options.data}: train images are [${imageShape.join(', ')}] but test images [${data.test.imageShape.join(', ')}]`,
      );
    }
    const main = await resolveEncoder(options.encoder, imageShape, source, options.seed, options.archConfig);
    encoders.push({ label: options.encoder, encoder: main });
    const layers = resolveLayers('--layer', main, options.layer ?? EMBEDDING_LAYER);
    const probingLayers = options.layer !== undefined && options.layer !== EMBEDDING_LAYER;
    for (const baseline of options.baselines) {
      if (baseline === 'pixels') {
        if (options.encoder !== 'pixels' && options.encoder !== 'raw') encoders.push({ label: 'raw pixels', encoder: await resolveEncoder('pixels', imageShape, source, 0) });
      } else {
        const spec = `random:${main.architecture}`;
        // A checkpoint's random baseline has the checkpoint's config (its channels, strides, ...), not the default.
        const { inputShape: _inputShape, seed: _seed, ...ownConfig } = main.config;
        if (options.encoder === spec) continue;
        // An encoder that is not a backbone (CLIP's image tower) has no default config to train from scratch: its
        // registered architecture rebuilds it, freshly initialised, from the checkpoint's own config.
        const random =
          !source.architectures.includes(main.architecture) && hasArchitecture(main.architecture)
            ? buildEncoder(main.architecture, main.config)
            : await resolveEncoder(spec, imageShape, source, options.seed, ownConfig);
        encoders.push({ label: `random ${main.architecture}`, encoder: random });
      }
    }
    const { knn, linear } = evalProbeOptions(options);
    const evaluated: Evaluated[] = [];
    let embeddingSvg: string | undefined;
    const pictureLayer = layers[layers.length - 1] as string;
    for (const [index, { label, encoder }] of encoders.entries()) {
      // Raw pixels have no layers: one row, the pixels themselves. Other baselines have the main encoder's layers.
      const pixels = encoder.layers === undefined && encoder.architecture === 'rawPixels';
      if (pixels && probingLayers) io.stderr(`note: raw pixels have no layers; "${label}" is probed once, on the pixels themselves\n`);
      for (const layer of pixels ? [EMBEDDING_LAYER] : layers) {
        const wantPicture = index === 0 && layer === pictureLayer && options.plot !== 'none';
        const shown = probingLayers ? `${label} @ ${pixels ? 'pixels' : layer}` : label;
        const report = await evaluateEncoder(encoder, data.train, data.test, {
          probes: options.probe,
          knn,
          linear,
          metrics: options.metrics,
          batchSize: options.batchSize,
          keepTestFeatures: wantPicture,
          layer,
          ...(options.layerDim !== undefined ? { layerDim: options.layerDim } : {}),
          onProgress: (event) => progress.update(shown, event),
        });
        evaluated.push({ label, layer: pixels ? 'pixels' : layer, report });
        if (wantPicture && report.testFeatures !== undefined) {
          try {
            const plotMethod = options.plot === 'umap' ? 'umap' : 'pca';
            embeddingSvg = (
              await embeddingPlotSvg(report.testFeatures.features, report.testFeatures.labels, {
                method: plotMethod,
                umap: { seed: options.seed },
                title: `${label} on ${data.test.name} (${plotMethod.toUpperCase()})`,
                ...(data.test.classNames !== undefined ? { classNames: data.test.classNames } : {}),
              })
            ).svg;
          } finally {
            report.testFeatures.features.dispose();
          }
        }
      }
    }
    progress.stop();

    const tableRows = evaluated.flatMap(({ label, layer, report }) =>
      report.results.map((result) => ({ encoder: label, result, ...(probingLayers ? { layer, dims: report.featureDim } : {}) })),
    );
    io.stdout(`${resultsTable(tableRows)}\n`);
    for (const { label, layer, report } of evaluated) {
      if (report.metrics !== undefined) io.stdout(`${metricsLine(probingLayers ? `${label} @ ${layer}` : label, report.metrics)}\n`);
    }

    const out = path.resolve(options.out);
    const json: JsonObject = {
      command: 'selfsup eval',
      options: JSON.parse(JSON.stringify(options)) as JsonObject,
      data: { source: data.source, train: data.train.name, test: data.test.name, imageShape: [...data.train.imageShape] },
      backend: { name: backend.backend, description: backend.description, package: backend.package },
      evaluations: evaluated.map(({ label, layer, report }) => ({ label, ...reportJson(report), layer })),
      seconds: (performance.now() - started) / 1000,
    };
    await writeJson(path.join(out, 'report.json'), json);
    const written = [path.join(out, 'report.json')];
    if (embeddingSvg !== undefined) {
      await writeSvg(path.join(out, 'embedding.svg'), embeddingSvg);
      written.push(path.join(out, 'embedding.svg'));
    }
    const bars = evaluated.flatMap(({ label, layer, report }) =>
      report.results.map((r) => ({ method: probingLayers ? `${label} @ ${layer}` : label, probe: r.probe, accuracy: r.top1, baseline: label !== options.encoder })),
    );
    if (bars.length > 0) {
      await writeSvg(path.join(out, 'accuracy.svg'), await barChartSvg(bars, { title: `top-1 accuracy on ${data.test.name}` }));
      written.push(path.join(out, 'accuracy.svg'));
    }
    io.stdout(`wrote ${written.join(', ')}\n`);
    return {
      out,
      files: written,
      report: json,
      evaluations: evaluated.map(({ label, layer, report }) => ({
        label,
        layer,
        results: report.results,
        ...(report.metrics !== undefined ? { metrics: report.metrics } : {}),
      })),
    };
  } finally {
    progress.stop();
    for (const { encoder } of encoders) encoder.dispose();
    data.train.dispose?.();
    data.test.dispose?.();
  }
}
