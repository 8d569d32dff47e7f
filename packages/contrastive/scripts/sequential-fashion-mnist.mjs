// Writes sequential Fashion-MNIST as a `sequences:<dir>` folder: each image becomes a sequence of 28 steps (its rows,
// top to bottom) of 28 channels (the row's pixels, in [0, 1]), one little-endian float32 .npy file of shape (28, 28)
// per image, under <out>/train/<class>/ and <out>/test/<class>/. Reading images row by row is the "sequential MNIST"
// task of the recurrent-network literature (Le, Jaitly & Hinton 2015, on MNIST; the same reading of Fashion-MNIST is
// common since Xiao et al. 2017 published it as a drop-in replacement).
//
//   node packages/contrastive/scripts/sequential-fashion-mnist.mjs [--source /usr/share/datasets/fashion-mnist]
//     [--train 10000] [--test 5000] [--out runs/sequential-fashion-mnist]
//
// The first --train training and --test test images are written, in the dataset's order. An existing folder is refused
// (nothing is overwritten).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    train: { type: 'string', default: '10000' },
    test: { type: 'string', default: '5000' },
    out: { type: 'string', default: 'runs/sequential-fashion-mnist' },
  },
});
// Xiao, Rasul & Vollgraf 2017, Table 1; folder names without characters a file system may refuse.
const CLASSES = ['t-shirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];

function count(name, text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; got ${JSON.stringify(text)}`);
  return n;
}

/** Reads an IDX file (gzipped or not): its dimensions and its unsigned bytes. */
function readIdx(file) {
  if (!existsSync(file)) throw new Error(`--source must hold the Fashion-MNIST IDX files (Debian: apt-get install dataset-fashion-mnist); ${file} is missing`);
  const raw = readFileSync(file);
  const bytes = file.endsWith('.gz') ? gunzipSync(raw) : raw;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new Error(`${file} is not an IDX file of unsigned bytes`);
  const dims = Array.from({ length: bytes[3] }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * dims.length) };
}

/** A version-1 .npy file of little-endian float32 values with the given shape (C order). */
function npy(values, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  // The magic, version and length take 10 bytes; the header ends in a newline and pads the data to 64 bytes.
  header = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const out = Buffer.alloc(10 + header.length + 4 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], 10 + header.length + 4 * i);
  return out;
}

function writeSplit(split, prefix, limit) {
  const images = readIdx(join(values.source, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(values.source, `${prefix}-labels-idx1-ubyte.gz`));
  const [n, rows, cols] = images.dims;
  if (limit > n) throw new Error(`--${split} must be at most ${n} (the ${split} split's size); got ${limit}`);
  for (const name of CLASSES) mkdirSync(join(values.out, split, name), { recursive: true });
  const size = rows * cols;
  const pixels = new Float32Array(size);
  for (let i = 0; i < limit; i++) {
    for (let p = 0; p < size; p++) pixels[p] = images.data[i * size + p] / 255;
    writeFileSync(join(values.out, split, CLASSES[labels.data[i]], `${String(i).padStart(5, '0')}.npy`), npy(pixels, [rows, cols]));
  }
  console.log(`${split}: ${limit} sequences of ${rows} steps x ${cols} channels`);
}

const train = count('train', values.train);
const test = count('test', values.test);
if (existsSync(values.out)) throw new Error(`--out ${values.out} exists; choose another folder or remove it first`);
writeSplit('train', 'train', train);
writeSplit('test', 't10k', test);
console.log(`wrote ${values.out}`);
