import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Batch, ImageDataset } from '../contracts.js';
import { SelfsupError, invalidArgument } from '../errors.js';
import { assertBytes, assertInteger, assertRank } from '../validate.js';
import { assertIndices } from './tensor-dataset.js';

/** Decoded pixels: [H, W, C] float32 in [0, 1]. C is 1 for grey images, 3 for colour (alpha is dropped). */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Float32Array;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

function fault(file: string, what: string): never {
  throw new SelfsupError('BAD_DATA', `${file}: ${what}`, { file });
}

/** Decodes PNG or JPEG bytes (by signature, not name). Pure JavaScript (pngjs, jpeg-js): no native binary. */
export function decodeImage(bytes: Uint8Array, file = '<buffer>'): DecodedImage {
  assertBytes('bytes', bytes);
  if (typeof file !== 'string') invalidArgument('file', 'a file name (string)', file);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  let grey = false;
  if (buffer.length >= 8 && buffer.readUInt32BE(0) === 0x89504e47) {
    let png: PNG;
    try {
      png = PNG.sync.read(buffer);
    } catch (error) {
      fault(file, `corrupt PNG (${(error as Error).message})`);
    }
    ({ width, height } = png);
    rgba = png.data;
    const colorType = (png as unknown as { colorType?: number }).colorType;
    grey = colorType === 0 || colorType === 4;
  } else if (buffer.length >= 3 && buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff) {
    let decoded: { width: number; height: number; data: Uint8Array };
    try {
      decoded = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    } catch (error) {
      fault(file, `corrupt JPEG (${(error as Error).message})`);
    }
    ({ width, height } = decoded);
    rgba = decoded.data;
  } else {
    fault(file, 'not a PNG or JPEG file (unknown signature)');
  }
  if (width === 0 || height === 0) fault(file, `empty image (${width}x${height})`);
  const channels = grey ? 1 : 3;
  const data = new Float32Array(width * height * channels);
  for (let p = 0, q = 0; p < width * height; p++, q += 4) {
    if (grey) data[p] = (rgba[q] ?? 0) / 255;
    else {
      data[3 * p] = (rgba[q] ?? 0) / 255;
      data[3 * p + 1] = (rgba[q + 1] ?? 0) / 255;
      data[3 * p + 2] = (rgba[q + 2] ?? 0) / 255;
    }
  }
  return { width, height, channels, data };
}

/** Reads a PNG or JPEG file into a [H, W, C] tensor in [0, 1] (C = 1 grey, 3 colour; or forced by `channels`). */
export async function readImage(file: string, options: { readonly channels?: 1 | 3 } = {}): Promise<tf.Tensor3D> {
  if (typeof file !== 'string' || file.length === 0) invalidArgument('file', 'an image file path', file);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    fault(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const img = decodeImage(bytes, file);
  return tf.tidy(() => {
    const t = tf.tensor3d(img.data, [img.height, img.width, img.channels]);
    if (options.channels === undefined || options.channels === img.channels) return t;
    if (options.channels === 3) return tf.tile(t, [1, 1, 3]);
    // ITU-R BT.601 luma, as PIL's convert('L').
    return tf.sum(tf.mul(t, tf.tensor1d([0.299, 0.587, 0.114])), 2, true) as tf.Tensor3D;
  });
}

/** Encodes a [H, W, C] image in [0, 1] (C = 1 or 3) as PNG bytes (values are clipped). */
export async function encodePng(image: tf.Tensor3D): Promise<Buffer> {
  assertRank('image', image, 3);
  const [h, w, c] = image.shape;
  if (c !== 1 && c !== 3) invalidArgument('image', 'a [H, W, 1] or [H, W, 3] tensor', image);
  const clipped = tf.clipByValue(image, 0, 1);
  let values: Float32Array | Int32Array | Uint8Array;
  try {
    values = await clipped.data();
  } finally {
    clipped.dispose();
  }
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) {
    for (let k = 0; k < 3; k++) png.data[4 * p + k] = Math.round((values[c === 1 ? p : 3 * p + k] ?? 0) * 255);
    png.data[4 * p + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: c === 1 ? 0 : 2 });
}

/** Writes a [H, W, C] image in [0, 1] as a PNG file (creating the directory). */
export async function writePng(file: string, image: tf.Tensor3D): Promise<void> {
  if (typeof file !== 'string' || file.length === 0) invalidArgument('file', 'a file path', file);
  const bytes = await encodePng(image);
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, bytes);
}

/** Sorts file names the way people number frames: "2.png" before "10.png". */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

async function listImages(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    throw new SelfsupError('BAD_DATA', `${dir}: cannot be read as a directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      file: dir,
    });
  }
  return names.filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort(naturalCompare);
}

export interface ImageFolderOptions {
  /** Resize every image to [H, W] (bilinear). Without it every image must have the first image's size. */
  readonly size?: readonly [number, number];
  /** Force 1 or 3 channels. Without it every image must have the first image's channel count. */
  readonly channels?: 1 | 3;
  /** Skip unreadable or odd files instead of failing; `skipped()` reports them. Default false. */
  readonly skipBad?: boolean;
  /** Decoded images kept in memory (least recently used out). Default 0: memory stays bounded by the batch. */
  readonly cacheSize?: number;
}

/** A dataset that streams from disk; `skipped` lists the files left out with `skipBad`. */
export interface FolderDataset extends ImageDataset {
  readonly files: readonly string[];
  skipped(): readonly { readonly file: string; readonly reason: string }[];
}

/**
 * A folder of PNG/JPEG images, streamed from disk batch by batch. Sub-folders are classes (the ImageFolder convention);
 * images directly in `dir` form an unlabelled set. Bad files raise an error naming the file, or are skipped with
 * `skipBad` (then the batch is filled with the next good images, and `skipped()` reports them).
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<FolderDataset> {
  if (typeof dir !== 'string' || dir.length === 0) invalidArgument('dir', 'a directory path', dir);
  checkFolderOptions(options);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) =>
    fault(dir, `cannot be read as a directory (${error.code ?? String(error)})`),
  );
  const classDirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(naturalCompare);
  const files: string[] = [];
  const labels: number[] = [];
  if (classDirs.length > 0) {
    for (const [k, name] of classDirs.entries()) {
      for (const f of await listImages(path.join(dir, name))) {
        files.push(path.join(dir, name, f));
        labels.push(k);
      }
    }
  } else {
    for (const f of await listImages(dir)) files.push(path.join(dir, f));
  }
  if (files.length === 0) fault(dir, 'no PNG or JPEG images found (directly or in class sub-folders)');
  const labelled = classDirs.length > 0;
  return streamImageFiles(path.basename(path.resolve(dir)), dir, files, options, labelled ? { labels, classNames: classDirs } : undefined);
}

/** Options of {@link loadImageFiles}: those of a folder, plus what the list itself cannot say. */
export interface ImageFilesOptions extends ImageFolderOptions {
  /** The data set's name (logs). Default "images". */
  readonly name?: string;
  /** Class id of each file (with `classNames` or without: then the number of classes is the largest id + 1). */
  readonly labels?: readonly number[];
  readonly classNames?: readonly string[];
  /** One caption per file (image-caption data): batches carry theirs in `captions`, and `captions()` lists them all. */
  readonly captions?: readonly string[];
}

/**
 * An explicit list of PNG/JPEG files as a dataset, streamed from disk batch by batch as {@link loadImageFolder} does
 * (same sizing, channels and `skipBad`), with optional class ids and captions per file. A skipped file's place in a
 * batch is taken by the next good file, with that file's label and caption.
 */
export async function loadImageFiles(files: readonly string[], options: ImageFilesOptions = {}): Promise<FolderDataset> {
  if (!Array.isArray(files) || files.length === 0 || files.some((f) => typeof f !== 'string' || f.length === 0)) {
    invalidArgument('files', 'a non-empty array of image file paths', files);
  }
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
  if (options.name !== undefined && typeof options.name !== 'string') invalidArgument('options.name', 'a string', options.name);
  const n = files.length;
  const { labels, classNames, captions } = options;
  if (labels !== undefined && (!Array.isArray(labels) || labels.length !== n || labels.some((l) => !Number.isSafeInteger(l) || l < 0))) {
    invalidArgument('options.labels', `an array of ${n} class ids (integers >= 0, one per file)`, labels);
  }
  if (classNames !== undefined) {
    if (labels === undefined) invalidArgument('options.classNames', 'given with options.labels', classNames);
    if (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string') || labels.some((l) => l >= classNames.length)) {
      invalidArgument('options.classNames', `an array of strings naming every class id (at least ${Math.max(...labels) + 1})`, classNames);
    }
  }
  if (captions !== undefined && (!Array.isArray(captions) || captions.length !== n || captions.some((c) => typeof c !== 'string'))) {
    invalidArgument('options.captions', `an array of ${n} strings (one caption per file)`, captions);
  }
  checkFolderOptions(options);
  const labelling =
    labels !== undefined ? { labels: [...labels], classNames: classNames ?? Array.from({ length: Math.max(...labels) + 1 }, (_, k) => String(k)) } : undefined;
  const name = options.name ?? 'images';
  return streamImageFiles(name, name, [...files], options, labelling, captions !== undefined ? [...captions] : undefined);
}

function checkFolderOptions(options: ImageFolderOptions): void {
  if (options.size !== undefined) {
    if (!Array.isArray(options.size) || options.size.length !== 2) invalidArgument('options.size', 'a [height, width] pair', options.size);
    assertInteger('options.size[0]', options.size[0], 1, 4096);
    assertInteger('options.size[1]', options.size[1], 1, 4096);
  }
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    invalidArgument('options.channels', '1 or 3', options.channels);
  }
}

/** The dataset of `files` (`where` names them in errors: the folder, or the list's name). */
async function streamImageFiles(
  name: string,
  where: string,
  files: readonly string[],
  options: ImageFolderOptions,
  labelling: { readonly labels: readonly number[]; readonly classNames: readonly string[] } | undefined,
  captions?: readonly string[],
): Promise<FolderDataset> {
  const labels = labelling?.labels ?? [];
  const skipped: { file: string; reason: string }[] = [];
  const skipBad = options.skipBad ?? false;

  const readBytes = async (file: string): Promise<Buffer> => {
    try {
      return await fs.readFile(file);
    } catch (error) {
      return fault(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  const decodeFile = async (file: string): Promise<DecodedImage> => decodeImage(await readBytes(file), file);
  const skip = (file: string, error: unknown) => {
    if (!skipBad || !(error instanceof SelfsupError)) throw error;
    if (!skipped.some((s) => s.file === file)) skipped.push({ file, reason: error.message });
  };
  // The first decodable image fixes the shape when none is forced.
  let probe: DecodedImage | undefined;
  for (const f of files) {
    try {
      probe = await decodeFile(f);
      break;
    } catch (error) {
      skip(f, error);
    }
  }
  if (probe === undefined) fault(where, 'no readable image');
  const channels = options.channels ?? probe.channels;
  const [h, w] = options.size ?? [probe.height, probe.width];
  const cache = new Map<number, Float32Array>();
  const cacheSize = options.cacheSize ?? 0;

  const load = async (i: number, bytes?: Promise<Buffer>): Promise<Float32Array> => {
    const hit = cache.get(i);
    if (hit !== undefined) return hit;
    const file = files[i] as string;
    const img = decodeImage(await (bytes ?? readBytes(file)), file);
    if (options.channels === undefined && img.channels !== channels) {
      fault(file, `has ${img.channels} channel(s), the folder's images have ${channels} (set options.channels to convert)`);
    }
    if (options.size === undefined && (img.height !== h || img.width !== w)) {
      fault(file, `is ${img.width}x${img.height}, the folder's images are ${w}x${h} (set options.size to resize)`);
    }
    const out = tf.tidy(() => {
      let t: tf.Tensor3D = tf.tensor3d(img.data, [img.height, img.width, img.channels]);
      if (img.channels !== channels) {
        t = channels === 3 ? tf.tile(t, [1, 1, 3]) : (tf.sum(tf.mul(t, tf.tensor1d([0.299, 0.587, 0.114])), 2, true) as tf.Tensor3D);
      }
      if (img.height !== h || img.width !== w) t = tf.image.resizeBilinear(t, [h, w], true);
      return t.dataSync() as Float32Array;
    });
    if (cacheSize > 0) {
      cache.set(i, out);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value as number);
    }
    return out;
  };

  const labelled = labelling !== undefined;
  const frozenCaptions = captions !== undefined ? Object.freeze([...captions]) : undefined;
  return {
    name,
    size: files.length,
    imageShape: [h, w, channels],
    files,
    ...(labelled ? { numClasses: labelling.classNames.length, classNames: labelling.classNames, labels: async () => Int32Array.from(labels) } : {}),
    ...(frozenCaptions !== undefined ? { captions: async () => frozenCaptions } : {}),
    skipped: () => [...skipped],
    async getBatch(indices: readonly number[]): Promise<Batch> {
      assertIndices(indices, files.length);
      const pixels = new Float32Array(indices.length * h * w * channels);
      const used: number[] = [];
      // The batch's files are read concurrently (at most one batch of file contents in memory), then decoded in order.
      const reads = new Map<number, Promise<Buffer>>();
      for (const i of indices) {
        if (cache.has(i) || reads.has(i)) continue;
        const read = readBytes(files[i] as string);
        read.catch(() => undefined);
        reads.set(i, read);
      }
      let next = 0;
      for (const [b, index] of indices.entries()) {
        let i = index;
        for (let attempt = 0; ; attempt++) {
          try {
            pixels.set(await load(i, attempt === 0 ? reads.get(i) : undefined), b * h * w * channels);
            used.push(i);
            break;
          } catch (error) {
            skip(files[i] as string, error);
            if (attempt >= files.length) throw error;
            // Replace the bad image by the next file in order, so the batch keeps its size.
            i = (index + (++next)) % files.length;
          }
        }
      }
      return {
        images: tf.tensor4d(pixels, [indices.length, h, w, channels]),
        indices: used,
        ...(labelled ? { labels: tf.tensor1d(Int32Array.from(used, (i) => labels[i] ?? 0), 'int32') } : {}),
        ...(frozenCaptions !== undefined ? { captions: used.map((i) => frozenCaptions[i] ?? '') } : {}),
      };
    },
    dispose() {
      cache.clear();
    },
  };
}

/** Reads an ordered frame sequence (PNG/JPEG files sorted naturally by name) into [T, H, W, C]. */
export async function loadFrames(
  dir: string,
  options: { readonly size?: readonly [number, number]; readonly channels?: 1 | 3; readonly from?: number; readonly count?: number } = {},
): Promise<tf.Tensor4D> {
  if (typeof dir !== 'string' || dir.length === 0) invalidArgument('dir', 'a directory path', dir);
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
  const names = await listImages(dir);
  if (names.length === 0) fault(dir, 'no PNG or JPEG frames found');
  const from = options.from ?? 0;
  assertInteger('options.from', from, 0, names.length - 1);
  const count = options.count ?? names.length - from;
  assertInteger('options.count', count, 1, names.length - from);
  const frames: tf.Tensor3D[] = [];
  try {
    for (const name of names.slice(from, from + count)) {
      const file = path.join(dir, name);
      const img = await readImage(file, options.channels !== undefined ? { channels: options.channels } : {});
      const first = frames[0];
      if (options.size === undefined && first !== undefined && (img.shape[0] !== first.shape[0] || img.shape[1] !== first.shape[1] || img.shape[2] !== first.shape[2])) {
        img.dispose();
        fault(file, `has shape [${img.shape.join(', ')}], the first frame has [${first.shape.join(', ')}]`);
      }
      if (options.size !== undefined) {
        const resized = tf.image.resizeBilinear(img, [options.size[0], options.size[1]], true);
        img.dispose();
        frames.push(resized);
      } else frames.push(img);
    }
    return tf.stack(frames) as tf.Tensor4D;
  } finally {
    tf.dispose(frames);
  }
}
