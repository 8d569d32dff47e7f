import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

/** Bytes of an IDX file (big-endian header, uint8 payload), as MNIST ships them. */
export function idxBytes(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Bytes of an IDX float32 file (big-endian values). */
export function idxFloatBytes(dims: readonly number[], data: Float32Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x0d, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const body = Buffer.alloc(4 * data.length);
  data.forEach((v, i) => body.writeFloatBE(v, 4 * i));
  return Buffer.concat([header, body]);
}

/**
 * A tiny MNIST-format directory (train- and t10k- images and labels) of n x size x size images, seeded. With
 * `nanImage`, the training images are float32 and that image is all NaN.
 */
export async function writeIdxDataset(dir: string, options: { n: number; size: number; seed?: number; nanImage?: number }): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  let s = (options.seed ?? 1) >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s >>> 24;
  };
  for (const prefix of ['train', 't10k']) {
    const n = options.n;
    const pixels = new Uint8Array(n * options.size * options.size);
    for (let i = 0; i < pixels.length; i++) pixels[i] = next();
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const dims = [n, options.size, options.size];
    if (options.nanImage !== undefined && prefix === 'train') {
      const floats = Float32Array.from(pixels, (p) => p / 255);
      floats.fill(Number.NaN, options.nanImage * options.size * options.size, (options.nanImage + 1) * options.size * options.size);
      await fs.writeFile(path.join(dir, `${prefix}-images-idx3-ubyte`), idxFloatBytes(dims, floats));
    } else {
      await fs.writeFile(path.join(dir, `${prefix}-images-idx3-ubyte`), idxBytes(dims, pixels));
    }
    await fs.writeFile(path.join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes([n], labels));
  }
}

/** PNG bytes of a w x h image with `channels` 1 (grey) or 3 (RGB), filled with a value derived from `seed`. */
export function pngBytes(width: number, height: number, channels: 1 | 3, seed: number): Buffer {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    const v = (seed * 37 + p * 11) & 0xff;
    png.data[4 * p] = v;
    png.data[4 * p + 1] = channels === 1 ? v : (v * 3) & 0xff;
    png.data[4 * p + 2] = channels === 1 ? v : (v * 7) & 0xff;
    png.data[4 * p + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2 });
}

export const CLI = path.join(path.dirname(new URL(import.meta.url).pathname), '../../../packages/cli/dist/cli.js');
