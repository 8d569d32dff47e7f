import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type ImageDataset, SelfsupError, assertOptions, invalidArgument, tensorDataset } from '@selfsup/tensors';
import { classSpreadIndices } from './class-spread.js';

/** One sequence read from a file: `steps` time steps of `channels` values, step-major. */
export interface SequenceArray {
  readonly steps: number;
  readonly channels: number;
  readonly values: Float32Array;
}

/** The files `sequences:<dir>` reads: NumPy arrays and JSON arrays. */
export const SEQUENCE_EXTENSIONS = ['.npy', '.json'] as const;

function bad(file: string, problem: string): never {
  throw new SelfsupError('BAD_DATA', `${file}: ${problem}`, { file });
}

/** NumPy dtypes (little-endian or byte-sized) and how to read one value. */
const NPY_TYPES: Readonly<Record<string, { readonly bytes: number; readonly read: (view: DataView, at: number) => number }>> = {
  '<f4': { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  '<f8': { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  '|u1': { bytes: 1, read: (v, at) => v.getUint8(at) },
  '|i1': { bytes: 1, read: (v, at) => v.getInt8(at) },
  '<u2': { bytes: 2, read: (v, at) => v.getUint16(at, true) },
  '<i2': { bytes: 2, read: (v, at) => v.getInt16(at, true) },
  '<u4': { bytes: 4, read: (v, at) => v.getUint32(at, true) },
  '<i4': { bytes: 4, read: (v, at) => v.getInt32(at, true) },
};

/** [steps] or [steps, channels], both >= 1, as a sequence's shape. */
function sequenceShape(file: string, shape: readonly number[]): [number, number] {
  if (shape.length !== 1 && shape.length !== 2) bad(file, `a sequence is an array of shape [steps] or [steps, channels]; this one has shape [${shape.join(', ')}]`);
  const [steps, channels = 1] = shape as [number, number?];
  if (steps < 1 || channels < 1) bad(file, `a sequence needs at least one step and one channel; this one has shape [${shape.join(', ')}]`);
  return [steps, channels];
}

function checkFinite(file: string, values: Float32Array): Float32Array {
  const at = values.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) bad(file, `value ${at} is ${values[at]}; sequences must be finite numbers`);
  return values;
}

/**
 * Parses a NumPy `.npy` file (format versions 1-3) holding one sequence: shape [steps] or [steps, channels], dtype
 * float32/64 or an 8-, 16- or 32-bit integer, little-endian, C or Fortran order. Values are read as they are (not
 * rescaled). A malformed file is a BAD_DATA error naming `file`.
 */
export function parseNpy(bytes: Uint8Array, file = '<buffer>'): SequenceArray {
  if (!(bytes instanceof Uint8Array)) invalidArgument('bytes', 'the bytes of a .npy file (a Uint8Array or Buffer)', bytes);
  if (typeof file !== 'string') invalidArgument('file', 'a file name (for messages)', file);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) bad(file, 'not a NumPy .npy file (it does not start with \\x93NUMPY)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6] ?? 0;
  if (major < 1 || major > 3) bad(file, `.npy format version ${major} is not supported (1, 2 or 3 are)`);
  const headerLength = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : bad(file, 'the .npy header is cut short');
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > bytes.length) bad(file, 'the .npy header is cut short');
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad(file, `the .npy header has no descr, fortran_order or shape: ${JSON.stringify(header.trim())}`);
  // Byte-sized types may be written '<u1' as well as '|u1'; '=' is the machine's order, little-endian on every platform Node runs on.
  const type = NPY_TYPES[descr.replace(/^[<=](?=[ui]1$)/, '|').replace(/^=/, '<')];
  if (type === undefined) bad(file, `dtype ${JSON.stringify(descr)} is not supported (float32, float64 or 8-, 16-, 32-bit integers, little-endian)`);
  const dims = shapeText
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) bad(file, `the .npy shape (${shapeText}) is not a tuple of sizes`);
  const [steps, channels] = sequenceShape(file, dims);
  const count = steps * channels;
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart < count * type.bytes) bad(file, `holds ${bytes.length - dataStart} bytes of data; shape [${dims.join(', ')}] of ${descr} needs ${count * type.bytes}`);
  const values = new Float32Array(count);
  for (let t = 0; t < steps; t++) {
    for (let c = 0; c < channels; c++) {
      // Fortran order stores the channels' columns one after the other.
      const source = fortran === 'True' ? c * steps + t : t * channels + c;
      values[t * channels + c] = type.read(view, dataStart + source * type.bytes);
    }
  }
  return { steps, channels, values: checkFinite(file, values) };
}

/** Parses a JSON sequence: an array of numbers ([steps]) or of equally long arrays of numbers ([steps, channels]). */
export function parseSequenceJson(text: string, file = '<text>'): SequenceArray {
  if (typeof text !== 'string') invalidArgument('text', 'the text of a .json file', text);
  if (typeof file !== 'string') invalidArgument('file', 'a file name (for messages)', file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    bad(file, `not JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  const expected = 'a JSON sequence is an array of numbers (steps) or an array of equally long arrays of numbers (steps x channels)';
  if (!Array.isArray(value) || value.length === 0) bad(file, `${expected}; this is ${Array.isArray(value) ? 'an empty array' : typeof value}`);
  const rows = value.map((row) => (Array.isArray(row) ? row : [row]));
  const channels = rows[0]?.length ?? 0;
  const [steps] = sequenceShape(file, [rows.length, channels]);
  const values = new Float32Array(steps * channels);
  for (const [t, row] of rows.entries()) {
    if (row.length !== channels || Array.isArray(value[0]) !== Array.isArray(value[t])) bad(file, `${expected}; step ${t} has ${row.length} value(s), step 0 has ${channels}`);
    for (const [c, v] of row.entries()) {
      if (typeof v !== 'number') bad(file, `${expected}; step ${t} holds ${JSON.stringify(v)}`);
      values[t * channels + c] = v;
    }
  }
  return { steps, channels, values: checkFinite(file, values) };
}

async function readSequence(file: string): Promise<SequenceArray> {
  const bytes = await fs.readFile(file).catch((error: NodeJS.ErrnoException) => bad(file, `cannot be read (${error.code ?? String(error)})`));
  return path.extname(file).toLowerCase() === '.npy' ? parseNpy(bytes, file) : parseSequenceJson(bytes.toString('utf8'), file);
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

async function sequenceFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => bad(dir, `cannot be read as a directory (${error.code ?? String(error)})`));
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && (SEQUENCE_EXTENSIONS as readonly string[]).includes(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort(byName);
}

/** What {@link loadSequenceFolder} takes. */
export interface SequenceFolderOptions {
  /** The class names to label with, in order (a test split takes its training split's). Default: the folder's own. */
  readonly classNames?: readonly string[];
  /** [steps, channels] every sequence must have (a test split takes its training split's). Default: the first file's. */
  readonly shape?: readonly [number, number];
  /** Keep n files: with class folders, the classes in turn (every class kept, in class order, then by name); else the first n. */
  readonly limit?: number;
}

/** A folder of sequences as a dataset: samples of [1, steps, channels], labelled when it has class folders. */
export interface SequenceDataset extends ImageDataset {
  readonly files: readonly string[];
}

/**
 * Reads a folder of sequences into memory (`selfsup --data sequences:<dir>` reads `<dir>/train` and `<dir>/test` so):
 * `.npy` and `.json` files ({@link parseNpy}, {@link parseSequenceJson}), each one sequence of [steps] or [steps,
 * channels]. Sub-folders are classes; files directly in `dir` form an unlabelled set (not both). Every sequence must
 * have the same steps and channels. Sample i is a [1, steps, channels] "image" (one row: the time axis runs along the
 * width), values as stored. Other files are ignored; a bad one is a BAD_DATA error naming it.
 */
export async function loadSequenceFolder(dir: string, options: SequenceFolderOptions = {}): Promise<SequenceDataset> {
  if (typeof dir !== 'string' || dir === '') invalidArgument('dir', 'a directory path', dir);
  assertOptions('options', options);
  if (options.classNames !== undefined && (!Array.isArray(options.classNames) || options.classNames.some((c) => typeof c !== 'string'))) {
    invalidArgument('options.classNames', 'an array of class names', options.classNames);
  }
  if (options.shape !== undefined && (!Array.isArray(options.shape) || options.shape.length !== 2 || options.shape.some((d) => !Number.isSafeInteger(d) || d < 1))) {
    invalidArgument('options.shape', '[steps, channels] of positive integers', options.shape);
  }
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 1)) invalidArgument('options.limit', 'an integer >= 1', options.limit);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => bad(dir, `cannot be read as a directory (${error.code ?? String(error)})`));
  const classDirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(byName);
  const loose = await sequenceFiles(dir);
  if (classDirs.length > 0 && loose.length > 0) {
    bad(dir, `holds both class folders (${classDirs.slice(0, 3).join(', ')}) and sequence files (${loose.slice(0, 3).join(', ')}); put every file in a class folder, or none`);
  }
  const classNames = classDirs.length > 0 ? (options.classNames ?? classDirs) : undefined;
  const files: string[] = [];
  const labels: number[] = [];
  if (classNames !== undefined) {
    for (const name of classDirs) {
      const label = classNames.indexOf(name);
      if (label < 0) bad(path.join(dir, name), `is a class the training split does not have (${classNames.join(', ')})`);
      for (const f of await sequenceFiles(path.join(dir, name))) {
        files.push(path.join(dir, name, f));
        labels.push(label);
      }
    }
  } else {
    files.push(...loose.map((f) => path.join(dir, f)));
  }
  if (files.length === 0) bad(dir, `no sequences found (${SEQUENCE_EXTENSIONS.join(' or ')} files, directly or in class sub-folders)`);
  // Unlabelled files count as one class (-1): the first n.
  const keptIndices = options.limit === undefined ? files.map((_, i) => i) : classSpreadIndices(classNames !== undefined ? labels : files.map(() => -1), options.limit);
  const kept = keptIndices.map((i) => files[i] as string);
  let shape = options.shape;
  const values: Float32Array[] = [];
  for (const file of kept) {
    const s = await readSequence(file);
    shape ??= [s.steps, s.channels];
    if (s.steps !== shape[0] || s.channels !== shape[1]) {
      bad(file, `has ${s.steps} steps of ${s.channels} channel(s); the others have ${shape[0]} of ${shape[1]} (every sequence of a data set must have the same length)`);
    }
    values.push(s.values);
  }
  const [steps, channels] = shape as readonly [number, number];
  const all = new Float32Array(kept.length * steps * channels);
  values.forEach((v, i) => all.set(v, i * steps * channels));
  const dataset = tensorDataset(tf.tensor4d(all, [kept.length, 1, steps, channels]), classNames !== undefined ? keptIndices.map((i) => labels[i] as number) : undefined, {
    name: `${path.basename(path.resolve(dir))}${kept.length < files.length ? `[:${kept.length}]` : ''}`,
    ...(classNames !== undefined ? { classNames } : {}),
  });
  return { ...dataset, files: kept };
}
