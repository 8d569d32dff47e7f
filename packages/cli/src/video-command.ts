import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { labToRgb, rgbToLab } from '@selfsup/augment';
import { buildEncoder } from '@selfsup/encoders';
import { loadEncoder, saveEncoder } from '@selfsup/encoders/node';
import { lossCurveSvg } from '@selfsup/eval';
import { writeJson, writeSvg } from '@selfsup/eval/node';
import {
  type BackendName,
  type Encoder,
  type FitResult,
  type JsonObject,
  SelfsupError,
  type StepInfo,
  createRng,
  fit,
  initBackend,
  invalidArgument,
} from '@selfsup/tensors';
import { writePng } from '@selfsup/tensors/node';
import {
  type FeatureExtractor,
  boundaryScore,
  boundaryTolerance,
  colorize,
  embeddingFeatureExtractor,
  labPixelFeatures,
  lightness,
  overlayMasks,
  propagateLabels,
  registerVideoColorizeArchitectures,
  videoClipDataset,
  videoColorization,
  videoStrip,
} from '@selfsup/video-colorize';
import * as tf from '@tensorflow/tfjs-core';
import { checkCommandArguments } from './checks.js';
import { checkOutDirectory, describeEarlierRun, findEarlierRun, removeEarlierRun } from './out-dir.js';
import { formatTable } from './table.js';
import {
  type ObjectMask,
  type VideoFiles,
  encodeMaskPng,
  findVideos,
  frameStem,
  imageSize,
  matchMasks,
  readFrames,
  readMask,
  resizeMask,
  workingSize,
} from './video-frames.js';

// `selfsup video`: tracking that emerges from colorizing video (Vondrick et al. 2018). `train` learns the embedding by
// colorization on unlabelled frames; `colorize` colors frames from a reference frame; `propagate` carries a first-frame
// mask through a video and scores it (J&F) where later masks exist.

export interface VideoIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is a terminal (progress bar). Default false. */
  readonly interactive?: boolean;
}

/** The architecture of the encoder `selfsup video train` saves. */
const VIDEO_ARCHITECTURE = 'video-colorization-embedding';

// ---------------------------------------------------------------------------------------------------------------------
// Settings of `video train`: flags, or keys of --config (flags win).

/** The training settings of `selfsup video train`, as flags set them (camelCase) and as --config's keys. */
export interface VideoTrainSettings {
  readonly frames?: string;
  /** Only these videos (sub-folder or DAVIS sequence names). */
  readonly sequence?: readonly string[];
  /** DAVIS layout: the resolution folder (default 480p). */
  readonly resolution?: string;
  /** Resize every frame to [H, W] (rounded down to multiples of the stride). */
  readonly imageSize?: readonly [number, number];
  /** Train on random [H, W] crops (the same place in every frame of a clip). Default: whole frames. */
  readonly cropSize?: readonly [number, number];
  /** Frames per clip (references + the target). Default 4. */
  readonly clipLength?: number;
  /** Spacings between a clip's frames. Default [1, 2, 4]. */
  readonly frameGaps?: readonly number[];
  /** Color clusters (k-means over ab). Default 16. */
  readonly numClusters?: number;
  /** Softmax temperature of the training attention. Default 0.07. */
  readonly temperature?: number;
  /** Embedding net: first-stage channels (32), embedding size (64), stride (4), residual blocks at the end (1). */
  readonly width?: number;
  readonly outputDim?: number;
  readonly stride?: 4 | 8;
  readonly blocks?: number;
  /** Passes over the clips. Default 1. */
  readonly epochs?: number;
  readonly maxSteps?: number;
  /** Clips per step. Default 4. */
  readonly batchSize?: number;
  /** Adam learning rate (cosine decay). Default 3e-3. */
  readonly lr?: number;
  readonly timeBudget?: number;
  readonly budgetClock?: 'wall' | 'cpu';
  /** Default 0. */
  readonly seed?: number;
}

export interface VideoTrainOptions extends VideoTrainSettings {
  readonly out: string;
  /** A JSON file of {@link VideoTrainSettings} keys; flags win. */
  readonly config?: string;
  /** Replace an earlier run in `out` (run.json, encoder/, log.json, loss.svg). */
  readonly overwrite?: boolean;
  readonly backend?: BackendName;
  readonly quiet?: boolean;
}

type SettingKind = 'string' | 'strings' | 'size' | 'integer' | 'integers' | 'positive' | 'stride' | 'clock';

/** Each setting: its kind, its smallest value (integers) and its flag. */
const TRAIN_SETTINGS: Readonly<Record<keyof VideoTrainSettings, { kind: SettingKind; min?: number; flag: string }>> = {
  frames: { kind: 'string', flag: '--frames' },
  sequence: { kind: 'strings', flag: '--sequence' },
  resolution: { kind: 'string', flag: '--resolution' },
  imageSize: { kind: 'size', flag: '--image-size' },
  cropSize: { kind: 'size', flag: '--crop-size' },
  clipLength: { kind: 'integer', min: 2, flag: '--clip-length' },
  frameGaps: { kind: 'integers', min: 1, flag: '--frame-gaps' },
  numClusters: { kind: 'integer', min: 2, flag: '--num-clusters' },
  temperature: { kind: 'positive', flag: '--temperature' },
  width: { kind: 'integer', min: 1, flag: '--width' },
  outputDim: { kind: 'integer', min: 1, flag: '--output-dim' },
  stride: { kind: 'stride', flag: '--stride' },
  blocks: { kind: 'integer', min: 0, flag: '--blocks' },
  epochs: { kind: 'integer', min: 1, flag: '--epochs' },
  maxSteps: { kind: 'integer', min: 1, flag: '--max-steps' },
  batchSize: { kind: 'integer', min: 1, flag: '--batch-size' },
  lr: { kind: 'positive', flag: '--lr' },
  timeBudget: { kind: 'positive', flag: '--time-budget' },
  budgetClock: { kind: 'clock', flag: '--budget-clock' },
  seed: { kind: 'integer', min: 0, flag: '--seed' },
};

/** The defaults of `video train`: the network and optimiser of the package README's results. */
export const VIDEO_TRAIN_DEFAULTS = {
  clipLength: 4,
  frameGaps: [1, 2, 4],
  numClusters: 16,
  temperature: 0.07,
  width: 32,
  outputDim: 64,
  stride: 4,
  blocks: 1,
  epochs: 1,
  batchSize: 4,
  lr: 3e-3,
  budgetClock: 'wall',
  seed: 0,
} as const;

function checkSetting(key: keyof VideoTrainSettings, value: unknown, where: string): void {
  const spec = TRAIN_SETTINGS[key];
  const name = where === 'flags' ? spec.flag : `${where} "${key}"`;
  const isInt = (v: unknown, min: number) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
  const fail = (expected: string): never => {
    throw new SelfsupError('INVALID_ARGUMENT', `${name} must be ${expected}; got ${JSON.stringify(value) ?? String(value)}`, { argument: name });
  };
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string' || value.length === 0) fail('a non-empty string');
      return;
    case 'strings':
      if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v.length === 0)) fail('a non-empty list of names');
      return;
    case 'size':
      if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => isInt(v, 1) && (v as number) <= 4096)) fail('[height, width], integers in [1, 4096]');
      return;
    case 'integer':
      if (!isInt(value, spec.min ?? 0)) fail(`an integer >= ${spec.min ?? 0}`);
      return;
    case 'integers':
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => isInt(v, spec.min ?? 0))) fail(`a non-empty list of integers >= ${spec.min ?? 0}`);
      return;
    case 'positive':
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail('a number > 0');
      return;
    case 'stride':
      if (value !== 4 && value !== 8) fail('4 or 8');
      return;
    case 'clock':
      if (value !== 'wall' && value !== 'cpu') fail('"wall" or "cpu"');
      return;
  }
}

/** Reads a `video train --config` file: a JSON object of {@link VideoTrainSettings} keys, each checked. */
export async function readVideoTrainConfig(file: string): Promise<VideoTrainSettings> {
  if (typeof file !== 'string' || file.length === 0) invalidArgument('--config', 'a JSON file path', file);
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new SelfsupError('INVALID_ARGUMENT', `--config must be a readable JSON file; ${file} is not (${error.code ?? String(error)})`, { argument: '--config' });
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SelfsupError('INVALID_ARGUMENT', `--config must be a JSON file; ${file} is not JSON (${(error as Error).message.split('\n')[0]})`, { argument: '--config' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SelfsupError('INVALID_ARGUMENT', `--config must hold a JSON object of settings; ${file} has ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, { argument: '--config' });
  }
  for (const [key, v] of Object.entries(value)) {
    if (!Object.hasOwn(TRAIN_SETTINGS, key)) {
      throw new SelfsupError('INVALID_ARGUMENT', `--config ${file}: keys must be among ${Object.keys(TRAIN_SETTINGS).join(', ')}; got "${key}"`, { argument: '--config' });
    }
    checkSetting(key as keyof VideoTrainSettings, v, `--config ${file}`);
  }
  return value as VideoTrainSettings;
}

/** What `selfsup video train` leaves in --out. */
export const VIDEO_TRAIN_FILES = { run: 'run.json', encoder: 'encoder', log: 'log.json', lossCurve: 'loss.svg' } as const;

/** What {@link runVideoTrain} returns (and log.json records). */
export interface VideoTrainResult {
  readonly runDir: string;
  /** The saved encoder: `selfsup video colorize|propagate --encoder`, `selfsup eval --encoder` and `loadEncoder` read it. */
  readonly encoderDir: string;
  /** Every setting, defaults filled in. */
  readonly settings: JsonObject;
  readonly videos: readonly { readonly name: string; readonly frames: number; readonly size: readonly [number, number] }[];
  readonly clips: number;
  readonly steps: number;
  readonly stoppedBy: FitResult['stoppedBy'];
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly history: readonly { readonly step: number; readonly loss: number; readonly lr: number; readonly colorAccuracy?: number }[];
  readonly replaced?: readonly string[];
}

/** The sizes of the first frame of every video: one size for all, or an error naming two that differ. */
async function commonSize(videos: readonly VideoFiles[], requested: readonly [number, number] | undefined): Promise<[number, number]> {
  const sizes = await Promise.all(videos.map((v) => imageSize(v.frames[0] as string)));
  const first = sizes[0] as [number, number];
  if (requested !== undefined) return [requested[0], requested[1]];
  const other = sizes.findIndex((s) => s[0] !== first[0] || s[1] !== first[1]);
  if (other > 0) {
    const [a, b] = [videos[0] as VideoFiles, videos[other] as VideoFiles];
    const size = (s: readonly number[]) => `${s[1]}x${s[0]}`;
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--image-size is needed: the videos must share one frame size, and ${a.name} is ${size(first)} while ${b.name} is ${size(sizes[other] as number[])}`,
      { argument: '--image-size' },
    );
  }
  return first;
}

const sizeText = (s: readonly number[]) => `${s[1]}x${s[0]}`;

/**
 * Runs `selfsup video train`: colorization (Vondrick et al. 2018) as the pretext task on the videos of --frames: the
 * embedding net learns to copy colors from 3 reference frames to a target frame through attention. Writes run.json,
 * encoder/ (architecture video-colorization-embedding), log.json and loss.svg to --out.
 */
export async function runVideoTrain(options: VideoTrainOptions, io: VideoIo): Promise<VideoTrainResult> {
  checkCommandArguments(options, io, ['out']);
  registerVideoColorizeArchitectures();
  const file = options.config !== undefined ? await readVideoTrainConfig(options.config) : {};
  const flags: Record<string, unknown> = {};
  for (const key of Object.keys(TRAIN_SETTINGS) as (keyof VideoTrainSettings)[]) {
    if (options[key] !== undefined) {
      checkSetting(key, options[key], 'flags');
      flags[key] = options[key];
    }
  }
  const merged = { ...VIDEO_TRAIN_DEFAULTS, ...file, ...flags } as VideoTrainSettings & typeof VIDEO_TRAIN_DEFAULTS;
  if (merged.frames === undefined) throw new SelfsupError('INVALID_ARGUMENT', '--frames is required (or "frames" in the --config file); got neither', { argument: '--frames' });
  const { clipLength, frameGaps, stride, batchSize } = merged;
  const out = path.resolve(options.out);
  await checkOutDirectory('--out', options.out);
  const earlier = await findEarlierRun(out, Object.values(VIDEO_TRAIN_FILES), VIDEO_TRAIN_FILES.run);
  if (earlier !== undefined && options.overwrite !== true) {
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--out ${options.out} holds an earlier run: ${describeEarlierRun(earlier)}; pass --overwrite to replace it (or choose another --out)`,
      { argument: '--out' },
    );
  }
  const found = await findVideos(merged.frames, {
    ...(merged.sequence !== undefined ? { sequences: merged.sequence } : {}),
    ...(merged.resolution !== undefined ? { resolution: merged.resolution } : {}),
  });
  const span = (clipLength - 1) * Math.min(...frameGaps) + 1;
  if (!found.videos.some((v) => v.frames.length >= span)) {
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--frames ${merged.frames}: a clip needs ${span} frames (--clip-length ${clipLength}, smallest --frame-gaps ${Math.min(...frameGaps)}); the longest video has ${Math.max(...found.videos.map((v) => v.frames.length))}`,
      { argument: '--frames' },
    );
  }
  const original = await commonSize(found.videos, merged.imageSize);
  const size = workingSize(original, stride, merged.imageSize);
  const crop = merged.cropSize;
  if (crop !== undefined && (crop[0] > size[0] || crop[1] > size[1] || crop[0] % stride !== 0 || crop[1] % stride !== 0)) {
    throw new SelfsupError('INVALID_ARGUMENT', `--crop-size must fit the frames (${sizeText(size)}) and have sides that are multiples of --stride ${stride}; got ${sizeText(crop)}`, {
      argument: '--crop-size',
    });
  }
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const quiet = options.quiet === true;
  if (!quiet && (size[0] !== original[0] || size[1] !== original[1])) {
    io.stderr(`selfsup video train: frames are resized from ${sizeText(original)} to ${sizeText(size)} (sides multiples of the stride ${stride})\n`);
  }
  const videos: tf.Tensor4D[] = [];
  let method: ReturnType<typeof videoColorization> | undefined;
  try {
    for (const v of found.videos) videos.push(await readFrames(v.frames, size));
    const settings: JsonObject = {
      frames: merged.frames,
      ...(merged.sequence !== undefined ? { sequence: [...merged.sequence] } : {}),
      ...(merged.resolution !== undefined ? { resolution: merged.resolution } : {}),
      imageSize: size,
      ...(crop !== undefined ? { cropSize: [crop[0], crop[1]] } : {}),
      clipLength,
      frameGaps: [...frameGaps],
      numClusters: merged.numClusters,
      temperature: merged.temperature,
      width: merged.width,
      outputDim: merged.outputDim,
      stride,
      blocks: merged.blocks,
      epochs: merged.epochs,
      ...(merged.maxSteps !== undefined ? { maxSteps: merged.maxSteps } : {}),
      batchSize,
      lr: merged.lr,
      ...(merged.timeBudget !== undefined ? { timeBudget: merged.timeBudget, budgetClock: merged.budgetClock } : {}),
      seed: merged.seed,
    };
    method = videoColorization({
      net: { width: merged.width, outputDim: merged.outputDim, stride, blocks: merged.blocks },
      numClusters: merged.numClusters,
      clipLength,
      temperature: merged.temperature,
      ...(crop !== undefined ? { cropSize: [crop[0], crop[1]] as const } : {}),
      seed: merged.seed,
    });
    const all = tf.concat(videos) as tf.Tensor4D;
    try {
      method.fitColorClusters(all, { rng: createRng(merged.seed) });
    } finally {
      all.dispose();
    }
    const data = videoClipDataset(videos, { clipLength, frameGaps: [...frameGaps], name: path.basename(path.resolve(merged.frames)) });
    if (batchSize > data.size) {
      throw new SelfsupError('INVALID_ARGUMENT', `--batch-size must be at most the number of clips (${data.size}); got ${batchSize}`, { argument: '--batch-size' });
    }
    if (earlier !== undefined) {
      await removeEarlierRun(earlier);
      io.stderr(`selfsup video train: --overwrite: replaced the earlier run in ${out}: removed ${describeEarlierRun(earlier)}\n`);
    }
    await fs.mkdir(out, { recursive: true });
    const videoList = found.videos.map((v) => ({ name: v.name, frames: v.frames.length, size: [size[0], size[1]] as const }));
    await writeJson(path.join(out, VIDEO_TRAIN_FILES.run), {
      command: 'selfsup video train',
      method: { name: 'video-colorization' },
      settings,
      videos: videoList.map((v) => ({ ...v, size: [...v.size] })),
      encoder: { architecture: method.encoder.architecture, config: method.encoder.config },
      backend: backend.backend,
      startedAt: new Date().toISOString(),
    });
    if (!quiet) {
      io.stderr('selfsup video train: tracking emerges by colorizing videos (Vondrick et al. 2018)\n');
      io.stderr(`  ${found.videos.length} video(s), ${videos.reduce((s, v) => s + v.shape[0], 0)} frames of ${sizeText(size)}, ${data.size} clips of ${clipLength} frames (gaps ${frameGaps.join(', ')}), backend ${backend.description}\n`);
    }
    const history: StepInfo[] = [];
    let lastLine = 0;
    const cpuBefore = process.cpuUsage();
    const result = await fit(method, data, {
      batchSize,
      epochs: merged.epochs,
      ...(merged.maxSteps !== undefined ? { maxSteps: merged.maxSteps } : {}),
      learningRate: merged.lr,
      optimizer: { type: 'adam' },
      schedule: { type: 'cosine' },
      seed: merged.seed,
      ...(merged.timeBudget !== undefined ? { timeBudgetSeconds: merged.timeBudget, timeBudgetClock: merged.budgetClock } : {}),
      progress: !quiet && io.interactive === true,
      callbacks: {
        onStepEnd(info) {
          history.push(info);
          if (!quiet && io.interactive !== true && performance.now() - lastLine > 10_000) {
            lastLine = performance.now();
            const accuracy = info.metrics['colorAccuracy'];
            io.stderr(`  step ${info.step + 1}: loss ${info.loss.toFixed(4)}${accuracy !== undefined ? `, color accuracy ${(100 * accuracy).toFixed(1)}%` : ''}\n`);
          }
        },
      },
    });
    const cpuUsed = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
    const encoderDir = path.join(out, VIDEO_TRAIN_FILES.encoder);
    await saveEncoder(encoderDir, method.encoder);
    const steps = history.map((h) => ({
      step: h.step,
      loss: h.loss,
      lr: h.lr,
      ...(h.metrics['colorAccuracy'] !== undefined ? { colorAccuracy: h.metrics['colorAccuracy'] } : {}),
    }));
    const trained: VideoTrainResult = {
      runDir: out,
      encoderDir,
      settings,
      videos: videoList,
      clips: data.size,
      steps: result.steps,
      stoppedBy: result.stoppedBy,
      seconds: result.seconds,
      cpuSeconds,
      history: steps,
      ...(earlier !== undefined ? { replaced: earlier.files } : {}),
    };
    await writeJson(path.join(out, VIDEO_TRAIN_FILES.log), {
      command: 'selfsup video train',
      settings,
      videos: videoList.map((v) => ({ ...v, size: [...v.size] })),
      clips: data.size,
      colorClusters: Array.from(method.colorClusters.dataSync(), (x) => Number(x.toFixed(3))),
      encoder: { architecture: method.encoder.architecture, config: method.encoder.config },
      backend: { name: backend.backend, description: backend.description, reason: backend.reason },
      steps: result.steps,
      stoppedBy: result.stoppedBy,
      seconds: result.seconds,
      cpuSeconds,
      history: steps,
    });
    if (history.length > 0) {
      await writeSvg(
        path.join(out, VIDEO_TRAIN_FILES.lossCurve),
        await lossCurveSvg([{ name: 'video-colorization', losses: history.map((h) => h.loss), steps: history.map((h) => h.step) }], {
          title: `video colorization on ${data.name}`,
          smoothing: 0.9,
        }),
      );
    }
    const last = history.at(-1);
    io.stdout(
      `video-colorization: ${result.steps} steps (${result.stoppedBy}) in ${result.seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} CPU s)` +
        `${last !== undefined ? `, last loss ${last.loss.toFixed(4)}` : ''}; encoder saved to ${encoderDir}\n`,
    );
    return trained;
  } finally {
    method?.dispose();
    tf.dispose(videos);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Shared by colorize and propagate.

/** Features for colorize and propagate: a trained encoder's, a random initialisation's, or raw Lab pixels'. */
interface LoadedFeatures {
  readonly label: string;
  readonly features: FeatureExtractor;
  /** The encoder's config (absent for raw pixels). */
  readonly config?: JsonObject;
  dispose(): void;
}

/** `--encoder`: a directory saved by `selfsup video train` (or `random` / `pixels` where `allowed`). */
async function loadFeatures(spec: string, allowed: readonly ('random' | 'pixels')[], seed: number): Promise<LoadedFeatures> {
  const forms = ['a directory saved by selfsup video train (<run>/encoder)', ...allowed].join(', ');
  if (typeof spec !== 'string' || spec.length === 0) invalidArgument('--encoder', forms, spec);
  if ((allowed as readonly string[]).includes(spec)) {
    if (spec === 'pixels') return { label: 'raw Lab pixels', features: labPixelFeatures(), dispose() {} };
    return randomFeatures(DEFAULT_NET, seed);
  }
  const stat = await fs.stat(spec).catch(() => undefined);
  if (stat?.isDirectory() !== true) {
    throw new SelfsupError('INVALID_ARGUMENT', `--encoder must be ${forms}; got "${spec}", which ${stat === undefined ? 'does not exist' : 'is a file'}`, { argument: '--encoder' });
  }
  const modelJson = path.join(spec, 'model.json');
  if ((await fs.stat(modelJson).catch(() => undefined)) === undefined) {
    throw new SelfsupError('CHECKPOINT_MISSING', `--encoder ${spec}: no checkpoint there (${modelJson} is missing)`, { dir: spec });
  }
  const encoder = await loadEncoder(spec);
  if (encoder.architecture !== VIDEO_ARCHITECTURE) {
    encoder.dispose();
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--encoder must be an encoder saved by selfsup video train (architecture ${VIDEO_ARCHITECTURE}); ${spec} holds a ${encoder.architecture}`,
      { argument: '--encoder' },
    );
  }
  return { label: spec, features: embeddingFeatureExtractor(encoder), config: encoder.config, dispose: () => encoder.dispose() };
}

/** The embedding net `video train` builds by default. */
const DEFAULT_NET: JsonObject = {
  width: VIDEO_TRAIN_DEFAULTS.width,
  outputDim: VIDEO_TRAIN_DEFAULTS.outputDim,
  stride: VIDEO_TRAIN_DEFAULTS.stride,
  blocks: VIDEO_TRAIN_DEFAULTS.blocks,
};

/** The embedding net of `config` at its random initialisation (seed `seed`): the baseline of a trained one. */
function randomFeatures(config: JsonObject, seed: number): LoadedFeatures {
  const encoder: Encoder = buildEncoder(VIDEO_ARCHITECTURE, { ...config, seed });
  return { label: `random init (seed ${seed})`, features: embeddingFeatureExtractor(encoder), config: encoder.config, dispose: () => encoder.dispose() };
}

/** Paths a command would write: an earlier output there is refused without --overwrite, removed with it. */
async function claimOutputs(flagOut: string, paths: readonly string[], overwrite: boolean, command: string, io: VideoIo): Promise<void> {
  const present: string[] = [];
  for (const p of paths) if ((await fs.stat(p).catch(() => undefined)) !== undefined) present.push(p);
  if (present.length === 0) return;
  const shown = present.slice(0, 3).map((p) => path.relative(path.resolve(flagOut), p) || '.');
  const more = present.length > 3 ? ` and ${present.length - 3} more` : '';
  if (!overwrite) {
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--out ${flagOut} holds earlier output: ${shown.join(', ')}${more}; pass --overwrite to replace it (or choose another --out)`,
      { argument: '--out' },
    );
  }
  for (const p of present) await fs.rm(p, { recursive: true, force: true });
  io.stderr(`selfsup video ${command}: --overwrite: removed the earlier ${shown.join(', ')}${more} in ${flagOut}\n`);
}

/** Where a video's outputs go: --out itself for one video, --out/<name> for several. */
const videoDir = (out: string, videos: readonly VideoFiles[], video: VideoFiles) => (videos.length === 1 ? out : path.join(out, video.name));

/** Up to `count` frame indices spread evenly over [0, t), always with the first and the last. */
export function stripIndices(t: number, count: number): number[] {
  if (count >= t) return Array.from({ length: t }, (_, i) => i);
  if (count <= 1) return [0];
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (t - 1)) / (count - 1))))];
}

const abOf = (rgb: tf.Tensor4D) => tf.tidy(() => tf.slice(rgbToLab(rgb), [0, 0, 0, 1], [-1, -1, -1, 2]) as tf.Tensor4D);

// ---------------------------------------------------------------------------------------------------------------------
// video colorize

export interface VideoColorizeOptions {
  readonly encoder: string;
  readonly frames: string;
  readonly out: string;
  /** The reference frame: a file name (with or without extension), else a number from 1. Default: the first frame. */
  readonly reference?: string;
  readonly sequence?: readonly string[];
  readonly resolution?: string;
  readonly imageSize?: readonly [number, number];
  /** Read-out: affinities kept per target cell (10), softmax temperature (0.07), window radius in cells, locality prior. */
  readonly topK?: number;
  readonly temperature?: number;
  readonly radius?: number;
  readonly locality?: number;
  /** Frames shown in strip.png (evenly spread, the reference first). Default 8. */
  readonly stripFrames?: number;
  readonly overwrite?: boolean;
  readonly backend?: BackendName;
  readonly quiet?: boolean;
}

export interface VideoColorizeResult {
  readonly outDir: string;
  readonly videos: readonly {
    readonly name: string;
    readonly reference: string;
    readonly frames: number;
    readonly size: readonly [number, number];
    /** Mean absolute ab error of the colored frames against the frames' own colors (all targets, all pixels). */
    readonly colorError: number;
    /** The same for copying the reference's colors: the baseline. */
    readonly copyReferenceError: number;
  }[];
}

/** The index of `--reference` among a video's frames. */
function referenceIndex(reference: string | undefined, frames: readonly string[]): number {
  if (reference === undefined) return 0;
  // A file name first (DAVIS frames are numbers: 00004 names 00004.jpg), then a frame number.
  const named = frames.findIndex((f) => path.basename(f) === reference || frameStem(f) === reference);
  if (named >= 0) return named;
  const n = /^\d+$/.test(reference) ? Number(reference) : 0;
  if (n < 1 || n > frames.length) {
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--reference must be a frame number (1-${frames.length}) or a frame's file name; got "${reference}"`,
      { argument: '--reference' },
    );
  }
  return n - 1;
}

function checkReadOut(options: { topK?: unknown; temperature?: unknown; radius?: unknown; locality?: unknown; contextFrames?: unknown; stripFrames?: unknown }): void {
  const checks: [string, unknown, (v: number) => boolean, string][] = [
    ['--top-k', options.topK, (v) => Number.isSafeInteger(v) && v >= 1, 'an integer >= 1'],
    ['--temperature', options.temperature, (v) => Number.isFinite(v) && v > 0, 'a number > 0'],
    ['--radius', options.radius, (v) => Number.isSafeInteger(v) && v >= 0, 'an integer >= 0'],
    ['--locality', options.locality, (v) => Number.isFinite(v) && v >= 0, 'a number >= 0'],
    ['--context-frames', options.contextFrames, (v) => Number.isSafeInteger(v) && v >= 0, 'an integer >= 0'],
    ['--strip-frames', options.stripFrames, (v) => Number.isSafeInteger(v) && v >= 1, 'an integer >= 1'],
  ];
  for (const [flag, value, ok, expected] of checks) {
    if (value !== undefined && (typeof value !== 'number' || !ok(value))) invalidArgument(flag, expected, value);
  }
}

function checkSize(flag: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => Number.isSafeInteger(v) && v >= 1 && v <= 4096)) {
    invalidArgument(flag, '[height, width], integers in [1, 4096]', value);
  }
}

/**
 * Runs `selfsup video colorize`: every frame of each video gets the colors of its reference frame (the first, or
 * --reference) through the trained embedding's attention; only the reference is seen in color. Writes colorized/
 * (one PNG per frame), strip.png (rows: grey input, colorized, the frames' own colors) and colorize.json with the
 * mean absolute ab error next to copying the reference's colors.
 */
export async function runVideoColorize(options: VideoColorizeOptions, io: VideoIo): Promise<VideoColorizeResult> {
  checkCommandArguments(options, io, ['encoder', 'frames', 'out']);
  if (options.reference !== undefined && typeof options.reference !== 'string') invalidArgument('--reference', 'a frame number or file name', options.reference);
  checkReadOut(options);
  checkSize('--image-size', options.imageSize);
  registerVideoColorizeArchitectures();
  const found = await findVideos(options.frames, {
    ...(options.sequence !== undefined ? { sequences: options.sequence } : {}),
    ...(options.resolution !== undefined ? { resolution: options.resolution } : {}),
  });
  const references = found.videos.map((v) => referenceIndex(options.reference, v.frames));
  found.videos.forEach((v) => {
    if (v.frames.length < 2) {
      throw new SelfsupError('INVALID_ARGUMENT', `--frames must hold videos of at least 2 frames (a reference and a frame to color); ${v.name} has ${v.frames.length}`, { argument: '--frames' });
    }
  });
  const out = path.resolve(options.out);
  await checkOutDirectory('--out', options.out);
  const dirs = found.videos.map((v) => videoDir(out, found.videos, v));
  await claimOutputs(
    options.out,
    [path.join(out, 'colorize.json'), ...dirs.flatMap((d) => [path.join(d, 'colorized'), path.join(d, 'strip.png')])],
    options.overwrite === true,
    'colorize',
    io,
  );
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const loaded = await loadFeatures(options.encoder, [], 0);
  const quiet = options.quiet === true;
  const readOut = {
    topK: options.topK ?? 10,
    temperature: options.temperature ?? 0.07,
    ...(options.radius !== undefined ? { radius: options.radius } : {}),
    locality: options.locality ?? 0,
  };
  const results: VideoColorizeResult['videos'][number][] = [];
  const perFrame: JsonObject[] = [];
  try {
    for (const [v, video] of found.videos.entries()) {
      const original = await imageSize(video.frames[0] as string);
      const size = workingSize(original, loaded.features.stride, options.imageSize);
      const frames = await readFrames(video.frames, size);
      const r = references[v] as number;
      const dir = dirs[v] as string;
      const targets = video.frames.map((_, i) => i).filter((i) => i !== r);
      const errors: number[] = [];
      const copyErrors: number[] = [];
      const colored: tf.Tensor3D[] = [];
      const shown = new Set(stripIndices(video.frames.length, options.stripFrames ?? 8).filter((i) => i !== r));
      if (shown.size === 0) shown.add(targets[0] as number);
      try {
        const reference = tf.slice(frames, [r, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        const referenceAb = abOf(reference);
        const referenceGrey = lightness(reference);
        try {
          // A few frames at a time bound the memory of the attention.
          for (let start = 0; start < targets.length; start += 8) {
            const group = targets.slice(start, start + 8);
            const pictures = tf.tidy(() => {
              const rgb = tf.gather(frames, tf.tensor1d(group, 'int32')) as tf.Tensor4D;
              const grey = lightness(rgb);
              const truth = abOf(rgb);
              const predicted = colorize(referenceGrey, referenceAb, grey, { features: loaded.features, ...readOut });
              const copied = tf.tile(referenceAb, [group.length, 1, 1, 1]);
              const perImage = (ab: tf.Tensor4D) => Array.from(tf.mean(tf.abs(tf.sub(ab, truth)), [1, 2, 3]).dataSync());
              errors.push(...perImage(predicted));
              copyErrors.push(...perImage(copied as tf.Tensor4D));
              return labToRgb(tf.concat([tf.mul(grey, 100), predicted], 3)) as tf.Tensor4D;
            });
            try {
              for (const [k, i] of group.entries()) {
                const image = tf.tidy(() => tf.squeeze(tf.slice(pictures, [k, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D);
                await writePng(path.join(dir, 'colorized', `${frameStem(video.frames[i] as string)}.png`), image);
                if (shown.has(i)) colored.push(image);
                else image.dispose();
              }
            } finally {
              pictures.dispose();
            }
          }
          const strip = tf.tidy(() => {
            const order = [r, ...targets.filter((i) => shown.has(i))];
            const rgb = tf.gather(frames, tf.tensor1d(order, 'int32')) as tf.Tensor4D;
            const grey = tf.tile(lightness(rgb), [1, 1, 1, 3]) as tf.Tensor4D;
            // The reference's column shows it in color in every row: the one frame seen in color.
            const coloredRow = tf.concat([reference, tf.stack(colored)]) as tf.Tensor4D;
            const greyRow = tf.concat([reference, tf.slice(grey, [1, 0, 0, 0], [-1, -1, -1, -1])]) as tf.Tensor4D;
            return videoStrip([greyRow, coloredRow, rgb]);
          });
          await writePng(path.join(dir, 'strip.png'), strip);
          strip.dispose();
        } finally {
          tf.dispose([reference, referenceAb, referenceGrey, ...colored]);
        }
      } finally {
        frames.dispose();
      }
      const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      const result = {
        name: video.name,
        reference: path.basename(video.frames[r] as string),
        frames: video.frames.length,
        size: [size[0], size[1]] as const,
        colorError: mean(errors),
        copyReferenceError: mean(copyErrors),
      };
      results.push(result);
      perFrame.push({
        name: video.name,
        frames: targets.map((i) => path.basename(video.frames[i] as string)),
        colorError: errors.map((e) => Number(e.toFixed(4))),
        copyReferenceError: copyErrors.map((e) => Number(e.toFixed(4))),
      });
      if (!quiet) io.stderr(`${video.name}: colored ${targets.length} frames from ${result.reference}\n`);
    }
  } finally {
    loaded.dispose();
  }
  await writeJson(path.join(out, 'colorize.json'), {
    command: 'selfsup video colorize',
    encoder: { spec: options.encoder, ...(loaded.config !== undefined ? { config: loaded.config } : {}) },
    frames: options.frames,
    readOut,
    backend: backend.backend,
    videos: results.map((r, i) => ({ ...r, size: [...r.size], perFrame: perFrame[i] ?? {} })),
  });
  const lines = results.map(
    (r) =>
      `${r.name}: ${r.frames - 1} frames colored from ${r.reference}: mean absolute ab error ${r.colorError.toFixed(3)} (copying the reference's colors: ${r.copyReferenceError.toFixed(3)})`,
  );
  io.stdout(`${lines.join('\n')}\nwritten to ${out}\n`);
  return { outDir: out, videos: results };
}

// ---------------------------------------------------------------------------------------------------------------------
// video propagate

/** Baselines `video propagate` can score beside the encoder. */
export type PropagationBaseline = 'copy' | 'pixels' | 'random';

export interface VideoPropagateOptions {
  /** A directory saved by `selfsup video train`, or `pixels` (raw Lab pixels) or `random` (a random initialisation). */
  readonly encoder: string;
  readonly frames: string;
  /** Masks named like the frames (a folder of per-video folders for several videos). DAVIS roots bring their own. */
  readonly masks?: string;
  readonly out: string;
  readonly sequence?: readonly string[];
  readonly resolution?: string;
  readonly imageSize?: readonly [number, number];
  /** Also propagate (and score) with: copy (the first mask for every frame), pixels, random. */
  readonly baselines?: readonly PropagationBaseline[];
  /** Propagation (Jabri et al.'s protocol): previous frames in the context (20), their window radius (12 cells), top-k (10), temperature (0.07). */
  readonly contextFrames?: number;
  readonly radius?: number;
  readonly topK?: number;
  readonly temperature?: number;
  readonly stripFrames?: number;
  /** Seeds the random-init baseline. Default 0. */
  readonly seed?: number;
  readonly overwrite?: boolean;
  readonly backend?: BackendName;
  readonly quiet?: boolean;
}

/** J, F and their mean for one way of propagating, averaged over objects. */
export interface JandF {
  readonly j: number;
  readonly f: number;
  readonly jf: number;
}

export interface VideoPropagationScore extends JandF {
  readonly perObject: readonly ({ readonly id: number } & JandF)[];
}

export interface VideoPropagateResult {
  readonly outDir: string;
  /** The ways masks were propagated: the encoder's label first, then the baselines. */
  readonly methods: readonly string[];
  readonly videos: readonly {
    readonly name: string;
    /** The frame whose mask was given: the first frame with a mask (earlier frames are left out). */
    readonly firstFrame: string;
    /** Frames propagated to, the first included. */
    readonly frames: number;
    readonly size: readonly [number, number];
    readonly objects: readonly number[];
    /** Frames with a ground-truth mask that were scored (not the first; not the last when every frame has one, as DAVIS). */
    readonly scoredFrames: readonly string[];
    /** Per method (absent when no later frame has a mask). */
    readonly scores?: Readonly<Record<string, VideoPropagationScore>>;
  }[];
  /** Per method: J, F and J&F averaged over every object of every scored video (DAVIS: objects, not videos). */
  readonly summary?: Readonly<Record<string, JandF & { readonly objects: number }>>;
}

/**
 * The DAVIS measures of predicted masks against ground truth on the scored frames: for each object, J (IoU) and F
 * (boundary F-measure, tolerance ceil(0.008 x diagonal)) averaged over frames. Masks at the truth's resolution.
 */
export function scorePropagation(
  predicted: readonly ObjectMask[],
  truth: readonly (ObjectMask | undefined)[],
  objects: readonly number[],
  scored: readonly number[],
): VideoPropagationScore {
  if (!Array.isArray(predicted) || !Array.isArray(truth) || predicted.length !== truth.length) {
    invalidArgument('truth', `an array as long as predicted (${Array.isArray(predicted) ? predicted.length : '?'} masks)`, truth);
  }
  if (!Array.isArray(objects) || objects.length === 0) invalidArgument('objects', 'a non-empty array of object ids', objects);
  if (!Array.isArray(scored) || scored.length === 0) invalidArgument('scored', 'a non-empty array of frame indices with truth', scored);
  const perObject = objects.map((id) => {
    let j = 0;
    let f = 0;
    for (const t of scored) {
      const p = predicted[t];
      const g = truth[t];
      if (p === undefined || g === undefined) invalidArgument('scored', 'indices of frames with a prediction and a truth', t);
      if (p.height !== g.height || p.width !== g.width) invalidArgument('predicted', `masks of the truth's size ${g.width}x${g.height}`, `${p.width}x${p.height}`);
      const pm = { height: p.height, width: p.width, data: Uint8Array.from(p.ids, (x: number) => (x === id ? 1 : 0)) };
      const gm = { height: g.height, width: g.width, data: Uint8Array.from(g.ids, (x: number) => (x === id ? 1 : 0)) };
      let inter = 0;
      let union = 0;
      for (let i = 0; i < pm.data.length; i++) {
        inter += (pm.data[i] as number) & (gm.data[i] as number);
        union += (pm.data[i] as number) | (gm.data[i] as number);
      }
      j += union === 0 ? 1 : inter / union;
      f += boundaryScore(pm, gm, { tolerancePixels: boundaryTolerance(g.height, g.width) }).f;
    }
    const [oj, of] = [j / scored.length, f / scored.length];
    return { id, j: oj, f: of, jf: (oj + of) / 2 };
  });
  const j = perObject.reduce((s, o) => s + o.j, 0) / perObject.length;
  const f = perObject.reduce((s, o) => s + o.f, 0) / perObject.length;
  return { j, f, jf: (j + f) / 2, perObject };
}

/** The non-zero ids of a mask, ascending. */
const objectIds = (mask: ObjectMask) => [...new Set(mask.ids)].filter((id) => id !== 0).sort((a, b) => a - b);

/**
 * Runs `selfsup video propagate`: the first frame's mask (any number of objects) is carried through each video by
 * the embedding's attention (context: the first frame and the previous frames within a window). Writes masks/ (a
 * palette PNG per frame, DAVIS style), overlay.png (rows: the encoder, each baseline, the truth where known) and
 * propagation.json; where later frames have masks, prints and records J, F and J&F.
 */
export async function runVideoPropagate(options: VideoPropagateOptions, io: VideoIo): Promise<VideoPropagateResult> {
  checkCommandArguments(options, io, ['encoder', 'frames', 'out']);
  if (options.masks !== undefined && typeof options.masks !== 'string') invalidArgument('--masks', 'a directory of masks', options.masks);
  checkReadOut(options);
  checkSize('--image-size', options.imageSize);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) invalidArgument('--seed', 'an integer >= 0', seed);
  const baselines = options.baselines ?? [];
  if (!Array.isArray(baselines) || baselines.some((b) => b !== 'copy' && b !== 'pixels' && b !== 'random')) {
    invalidArgument('--baselines', 'a list of copy, pixels, random', baselines);
  }
  registerVideoColorizeArchitectures();
  const found = await findVideos(options.frames, {
    ...(options.sequence !== undefined ? { sequences: options.sequence } : {}),
    ...(options.resolution !== undefined ? { resolution: options.resolution } : {}),
  });
  // Every video's mask files, matched by frame name. Propagation starts at the first frame that has one (DAVIS: the
  // first frame); earlier frames are left out.
  const maskFiles: (string | undefined)[][] = [];
  const sources: VideoFiles[] = [];
  for (const video of found.videos) {
    const dir = options.masks !== undefined ? (found.videos.length === 1 ? options.masks : path.join(options.masks, video.name)) : video.annotations;
    if (dir === undefined) {
      throw new SelfsupError(
        'INVALID_ARGUMENT',
        `--masks is needed: ${video.name} has no first-frame mask (give a folder of masks named like the frames, or a DAVIS root with Annotations/)`,
        { argument: '--masks' },
      );
    }
    const { masks, unmatched } = await matchMasks(video.frames, dir);
    const start = masks.findIndex((m) => m !== undefined);
    if (start < 0) {
      throw new SelfsupError(
        'INVALID_ARGUMENT',
        `--masks must hold a mask named like a frame (${frameStem(video.frames[0] as string)}.png for ${path.basename(video.frames[0] as string)}, ...); ${dir} has none for ${video.name}`,
        { argument: '--masks' },
      );
    }
    if (start === video.frames.length - 1) {
      throw new SelfsupError('INVALID_ARGUMENT', `--masks must give a frame before the last one its mask: ${video.name}'s first mask is for its last frame`, { argument: '--masks' });
    }
    if (options.quiet !== true) {
      if (start > 0) io.stderr(`selfsup video propagate: ${video.name}: the first mask is ${path.basename(masks[start] as string)}: propagating from frame ${start + 1} (the ${start} before it are left out)\n`);
      if (unmatched.length > 0) io.stderr(`selfsup video propagate: ${unmatched.length} mask(s) in ${dir} match no frame (e.g. ${path.basename(unmatched[0] as string)}); left out\n`);
    }
    maskFiles.push(masks.slice(start));
    sources.push({ ...video, frames: video.frames.slice(start) });
  }
  const out = path.resolve(options.out);
  await checkOutDirectory('--out', options.out);
  const dirs = sources.map((v) => videoDir(out, sources, v));
  await claimOutputs(
    options.out,
    [path.join(out, 'propagation.json'), ...dirs.flatMap((d) => [path.join(d, 'masks'), path.join(d, 'overlay.png')])],
    options.overwrite === true,
    'propagate',
    io,
  );
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const quiet = options.quiet === true;
  const main = await loadFeatures(options.encoder, ['pixels', 'random'], seed);
  const extractors: LoadedFeatures[] = [main];
  try {
    const stride = main.features.stride;
    // A baseline that is the --encoder itself is not run twice.
    if (baselines.includes('random') && options.encoder !== 'random') extractors.push(randomFeatures(main.config ?? { ...DEFAULT_NET, stride }, seed));
    if (baselines.includes('pixels') && options.encoder !== 'pixels') extractors.push({ label: 'raw Lab pixels', features: labPixelFeatures({ stride }), dispose() {} });
    const methods = [...extractors.map((e) => e.label), ...(baselines.includes('copy') ? ['copy the first mask'] : [])];
    const protocol = {
      contextFrames: options.contextFrames ?? 20,
      radius: options.radius ?? 12,
      topK: options.topK ?? 10,
      temperature: options.temperature ?? 0.07,
    };
    const videos: VideoPropagateResult['videos'][number][] = [];
    for (const [v, video] of sources.entries()) {
      const files = maskFiles[v] as (string | undefined)[];
      const truth: (ObjectMask | undefined)[] = [];
      for (const f of files) truth.push(f === undefined ? undefined : await readMask(f));
      const first = truth[0] as ObjectMask;
      const original = await imageSize(video.frames[0] as string);
      if (first.height !== original[0] || first.width !== original[1]) {
        throw new SelfsupError('BAD_DATA', `${files[0]}: the mask is ${first.width}x${first.height}, its frame is ${sizeText(original)}`, { file: files[0] });
      }
      truth.forEach((m, i) => {
        if (m !== undefined && (m.height !== original[0] || m.width !== original[1])) {
          throw new SelfsupError('BAD_DATA', `${files[i]}: the mask is ${m.width}x${m.height}, the frames are ${sizeText(original)}`, { file: files[i] });
        }
      });
      const objects = objectIds(first);
      if (objects.length === 0) {
        throw new SelfsupError('BAD_DATA', `${files[0]}: the first frame's mask has no object (every pixel is 0, the background)`, { file: files[0] });
      }
      const size = workingSize(original, stride, options.imageSize);
      const t = video.frames.length;
      // The first mask's ids as labels 1..n (any ids, few labels), and back.
      const toLabel = new Map(objects.map((id, k) => [id, k + 1]));
      const small = resizeMask(first, size[0], size[1]);
      const frames = await readFrames(video.frames, size);
      const predictions: ObjectMask[][] = [];
      try {
        for (const extractor of extractors) {
          const firstLabels = tf.tensor2d(Int32Array.from(small.ids, (id) => toLabel.get(id) ?? 0), [size[0], size[1]], 'int32');
          const { masks } = propagateLabels(frames, firstLabels, { features: extractor.features, ...protocol });
          firstLabels.dispose();
          const labels = masks.dataSync();
          masks.dispose();
          predictions.push(
            Array.from({ length: t }, (_, i) => {
              if (i === 0) return first;
              const ids = Int32Array.from(labels.subarray(i * size[0] * size[1], (i + 1) * size[0] * size[1]), (l) => (l === 0 ? 0 : (objects[l - 1] as number)));
              return resizeMask({ height: size[0], width: size[1], ids }, original[0], original[1]);
            }),
          );
        }
        if (baselines.includes('copy')) predictions.push(Array.from({ length: t }, () => first));
        const dir = dirs[v] as string;
        const mainMasks = predictions[0] as ObjectMask[];
        await fs.mkdir(path.join(dir, 'masks'), { recursive: true });
        for (const [i, mask] of mainMasks.entries()) await fs.writeFile(path.join(dir, 'masks', `${frameStem(video.frames[i] as string)}.png`), encodeMaskPng(mask));
        // The picture: each method's masks over the frames, then the truth where there is one. With sparse truth the
        // columns are annotated frames, so that every column can be compared.
        const annotatedFrames = truth.map((m, i) => (m !== undefined ? i : -1)).filter((i) => i >= 0);
        const shown =
          annotatedFrames.length > 1 && annotatedFrames.length < t
            ? stripIndices(annotatedFrames.length, options.stripFrames ?? 8).map((k) => annotatedFrames[k] as number)
            : stripIndices(t, options.stripFrames ?? 8);
        const overlay = tf.tidy(() => {
          const picked = tf.gather(frames, tf.tensor1d(shown, 'int32')) as tf.Tensor4D;
          const row = (masks: readonly (ObjectMask | undefined)[]) =>
            overlayMasks(
              picked,
              tf.tensor3d(
                Int32Array.from(shown.flatMap((i) => Array.from(resizeMask(masks[i] ?? { ...first, ids: new Int32Array(first.ids.length) }, size[0], size[1]).ids))),
                [shown.length, size[0], size[1]],
                'int32',
              ),
            );
          const rows = predictions.map((p) => row(p));
          if (truth.some((m, i) => i > 0 && m !== undefined)) rows.push(row(truth));
          return videoStrip(rows);
        });
        await writePng(path.join(dir, 'overlay.png'), overlay);
        overlay.dispose();
      } finally {
        frames.dispose();
      }
      const annotated = truth.map((m, i) => (m !== undefined && i > 0 ? i : -1)).filter((i) => i > 0);
      // DAVIS leaves out the last frame too when every frame is annotated.
      const scored = annotated.length === t - 1 && t > 2 ? annotated.slice(0, -1) : annotated;
      const scores =
        scored.length > 0 ? Object.fromEntries(methods.map((m, k) => [m, scorePropagation(predictions[k] as ObjectMask[], truth, objects, scored)])) : undefined;
      videos.push({
        name: video.name,
        firstFrame: path.basename(video.frames[0] as string),
        frames: t,
        size: [size[0], size[1]] as const,
        objects,
        scoredFrames: scored.map((i) => path.basename(video.frames[i] as string)),
        ...(scores !== undefined ? { scores } : {}),
      });
      if (!quiet) {
        const score = scores?.[methods[0] as string];
        io.stderr(`${video.name}: ${t} frames, ${objects.length} object(s)${score !== undefined ? `, J&F ${score.jf.toFixed(3)} over ${scored.length} annotated frame(s)` : ''}\n`);
      }
    }
    const scoredVideos = videos.filter((v) => v.scores !== undefined);
    const summary =
      scoredVideos.length === 0
        ? undefined
        : Object.fromEntries(
            methods.map((m) => {
              const objects = scoredVideos.flatMap((v) => v.scores?.[m]?.perObject ?? []);
              const j = objects.reduce((s, o) => s + o.j, 0) / objects.length;
              const f = objects.reduce((s, o) => s + o.f, 0) / objects.length;
              return [m, { j, f, jf: (j + f) / 2, objects: objects.length }];
            }),
          );
    await writeJson(path.join(out, 'propagation.json'), {
      command: 'selfsup video propagate',
      encoder: { spec: options.encoder, ...(main.config !== undefined ? { config: main.config } : {}) },
      frames: options.frames,
      ...(options.masks !== undefined ? { masks: options.masks } : {}),
      protocol,
      baselines: [...baselines],
      seed,
      backend: backend.backend,
      methods,
      videos: videos.map((v) => ({ ...v, size: [...v.size], objects: [...v.objects], scoredFrames: [...v.scoredFrames] })),
      ...(summary !== undefined ? { summary } : {}),
    });
    if (summary === undefined) {
      io.stdout(`masks propagated and written to ${out} (no mask for any later frame: nothing scored)\n`);
    } else {
      const objects = Object.values(summary)[0]?.objects ?? 0;
      const rows = methods.map((m) => {
        const s = summary[m] as JandF;
        return [m, s.j.toFixed(3), s.f.toFixed(3), s.jf.toFixed(3)];
      });
      io.stdout(`${formatTable(['method', 'J', 'F', 'J&F'], rows, new Set([1, 2, 3]))}\n(${objects} object(s) in ${scoredVideos.length} video(s); written to ${out})\n`);
    }
    return { outDir: out, methods, videos, ...(summary !== undefined ? { summary } : {}) };
  } finally {
    for (const e of extractors) e.dispose();
  }
}
