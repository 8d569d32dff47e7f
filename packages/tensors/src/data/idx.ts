import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataset } from '../contracts.js';
import { SelfsupError, invalidArgument } from '../errors.js';
import { assertBytes, assertOptions } from '../validate.js';
import { tensorDataset } from './tensor-dataset.js';

/** Contents of an IDX file (the MNIST / Fashion-MNIST format): dimensions and the raw values. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

function badFile(file: string, fault: string): never {
  throw new SelfsupError('BAD_DATA', `${file}: ${fault}`, { file });
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** Parses IDX bytes (already gunzipped). `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  assertBytes('bytes', bytes);
  if (typeof file !== 'string') invalidArgument('file', 'a file name (string)', file);
  if (bytes.byteLength < 4) badFile(file, `truncated: ${bytes.byteLength} bytes, an IDX header needs at least 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) {
    badFile(file, `bad magic number 0x${view.getUint32(0).toString(16).padStart(8, '0')} (an IDX file starts with two zero bytes)`);
  }
  const typeCode = view.getUint8(2);
  const type = TYPES[typeCode];
  if (type === undefined) badFile(file, `bad magic number: unknown data type 0x${typeCode.toString(16)}`);
  const rank = view.getUint8(3);
  if (rank === 0) badFile(file, 'bad magic number: zero dimensions');
  const headerBytes = 4 + 4 * rank;
  if (bytes.byteLength < headerBytes) badFile(file, `truncated header: ${bytes.byteLength} bytes, ${rank} dimensions need ${headerBytes}`);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.byteLength < expected) {
    badFile(file, `truncated: ${bytes.byteLength} bytes, dimensions [${dims.join(', ')}] of ${type.name} need ${expected}`);
  }
  if (bytes.byteLength > expected) badFile(file, `wrong size: ${bytes.byteLength} bytes, dimensions [${dims.join(', ')}] need exactly ${expected}`);
  const body = bytes.slice(headerBytes, expected);
  let data: IdxArray['data'];
  if (type.name === 'uint8') data = body;
  else if (type.name === 'int8') data = new Int8Array(body.buffer);
  else {
    // IDX is big-endian; typed arrays are platform-endian: convert value by value.
    const dv = new DataView(body.buffer);
    if (type.name === 'int16') data = Int16Array.from({ length: count }, (_, i) => dv.getInt16(2 * i));
    else if (type.name === 'int32') data = Int32Array.from({ length: count }, (_, i) => dv.getInt32(4 * i));
    else if (type.name === 'float32') data = Float32Array.from({ length: count }, (_, i) => dv.getFloat32(4 * i));
    else data = Float64Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i));
  }
  return { dims, data };
}

/** Reads an IDX file, gzipped (by content, not name) or not. */
export async function readIdx(file: string): Promise<IdxArray> {
  if (typeof file !== 'string' || file.length === 0) invalidArgument('file', 'a file path', file);
  let raw: Uint8Array;
  try {
    raw = await fs.readFile(file);
  } catch (error) {
    throw new SelfsupError('BAD_DATA', `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { file });
  }
  if (raw.byteLength >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (error) {
      badFile(file, `corrupt gzip stream (${(error as Error).message})`);
    }
  }
  return parseIdx(raw, file);
}

/** Reads an IDX image file ([N, H, W] uint8) and its label file ([N]) into a dataset with pixels scaled to [0, 1]. */
export async function loadIdxDataset(
  imagesFile: string,
  labelsFile?: string,
  options: { readonly name?: string; readonly classNames?: readonly string[]; readonly limit?: number } = {},
): Promise<ImageDataset> {
  const images = await readIdx(imagesFile);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    badFile(imagesFile, `expected images of dimensions [N, H, W] or [N, H, W, C], got [${images.dims.join(', ')}]`);
  }
  const [n0, h, w, c = 1] = images.dims as [number, number, number, number?];
  const n = Math.min(n0, options.limit ?? n0);
  let labels: Int32Array | undefined;
  if (labelsFile !== undefined) {
    const l = await readIdx(labelsFile);
    if (l.dims.length !== 1 || l.dims[0] !== n0) {
      badFile(labelsFile, `expected ${n0} labels (one per image in ${path.basename(imagesFile)}), got dimensions [${l.dims.join(', ')}]`);
    }
    labels = Int32Array.from(l.data.subarray(0, n) as ArrayLike<number>);
  }
  const pixels = new Float32Array(n * h * w * c);
  const scale = images.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let i = 0; i < pixels.length; i++) {
    const v = (images.data[i] ?? 0) * scale;
    // Float IDX files can hold NaN or infinities, which image ops would clip silently into plausible pixels.
    if (!Number.isFinite(v)) badFile(imagesFile, `image ${Math.floor(i / (h * w * c))} has a non-finite pixel value (${v})`);
    pixels[i] = v;
  }
  return tensorDataset(tf.tensor4d(pixels, [n, h, w, c]), labels, {
    name: options.name ?? path.basename(imagesFile),
    ...(options.classNames !== undefined ? { classNames: options.classNames } : {}),
  });
}

/** Fashion-MNIST's class names, in label order (Xiao, Rasul & Vollgraf 2017). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Where Debian's `dataset-fashion-mnist` package puts the IDX files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

async function findFile(dir: string, stem: string): Promise<string> {
  for (const candidate of [`${stem}.gz`, stem]) {
    const p = path.join(dir, candidate);
    try {
      await fs.access(p);
      return p;
    } catch {
      // try the next name
    }
  }
  throw new SelfsupError('BAD_DATA', `${dir}: no ${stem} or ${stem}.gz (expected the MNIST-format IDX files there)`, { file: dir });
}

/**
 * Loads an MNIST-format directory (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...): Fashion-MNIST,
 * MNIST, KMNIST... `split` picks train or test.
 */
export async function loadMnistFormat(
  dir: string,
  split: 'train' | 'test',
  options: { readonly name?: string; readonly classNames?: readonly string[]; readonly limit?: number } = {},
): Promise<ImageDataset> {
  if (split !== 'train' && split !== 'test') invalidArgument('split', '"train" or "test"', split);
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = await findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labels = await findFile(dir, `${prefix}-labels-idx1-ubyte`);
  return loadIdxDataset(images, labels, { name: `${options.name ?? path.basename(dir)}/${split}`, ...options });
}

/** Fashion-MNIST from `dir` (default: Debian's location). */
export function loadFashionMnist(
  split: 'train' | 'test',
  options: { readonly dir?: string; readonly limit?: number } = {},
): Promise<ImageDataset> {
  assertOptions('options', options);
  return loadMnistFormat(options.dir ?? FASHION_MNIST_DEFAULT_DIR, split, {
    name: 'fashion-mnist',
    classNames: FASHION_MNIST_CLASSES,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  });
}
