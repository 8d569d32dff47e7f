import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdxDataset, loadMnistFormat, parseIdx, readIdx } from './idx.js';

/** Builds IDX bytes by the format's definition: 0 0 type rank, big-endian dims, big-endian values. */
function idxBytes(dims: number[], values: number[], type = 0x08): Uint8Array {
  const size = type === 0x08 ? 1 : 4;
  const out = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const view = new DataView(out.buffer);
  view.setUint8(2, type);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  values.forEach((v, i) => {
    const o = 4 + 4 * dims.length + i * size;
    if (type === 0x08) view.setUint8(o, v);
    else if (type === 0x0c) view.setInt32(o, v);
    else view.setFloat32(o, v);
  });
  return out;
}

const dir = mkdtempSync(path.join(tmpdir(), 'selfsup-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseIdx', () => {
  it('round-trips any uint8, int32 and float32 array', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(0x08, 0x0c, 0x0d),
        (dims, type) => {
          const n = dims.reduce((a, b) => a * b, 1);
          const values = Array.from({ length: n }, (_, i) => (type === 0x08 ? (i * 37) % 256 : type === 0x0c ? i * 1000 - 7 : i / 8));
          const parsed = parseIdx(idxBytes(dims, values, type));
          expect(parsed.dims).toEqual(dims);
          expect(Array.from(parsed.data)).toEqual(values);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('names the file and the fault for bad magic numbers, truncation and wrong sizes', () => {
    const good = idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const badMagic = good.slice();
    badMagic[0] = 7;
    expect(() => parseIdx(badMagic, 'a.idx')).toThrow(/a\.idx: bad magic number/);
    const badType = good.slice();
    badType[2] = 0x42;
    expect(() => parseIdx(badType, 'b.idx')).toThrow(/b\.idx: bad magic number: unknown data type 0x42/);
    expect(() => parseIdx(good.slice(0, good.length - 1), 'c.idx')).toThrow(/c\.idx: truncated: 23 bytes/);
    expect(() => parseIdx(good.slice(0, 6), 'd.idx')).toThrow(/d\.idx: truncated header/);
    expect(() => parseIdx(new Uint8Array([...good, 0]), 'e.idx')).toThrow(/e\.idx: wrong size: 25 bytes/);
  });
});

describe('readIdx and loadIdxDataset', () => {
  it('reads gzipped and plain files alike and scales pixels to [0, 1]', async () => {
    const images = idxBytes([3, 2, 2], [0, 255, 51, 102, 0, 0, 0, 0, 255, 255, 255, 255]);
    const labels = idxBytes([3], [7, 1, 3]);
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels);
    const plain = await readIdx(path.join(dir, 'train-labels-idx1-ubyte'));
    expect(Array.from(plain.data)).toEqual([7, 1, 3]);
    const ds = await loadMnistFormat(dir, 'train');
    expect(ds.size).toBe(3);
    expect(ds.imageShape).toEqual([2, 2, 1]);
    expect(ds.numClasses).toBe(8);
    const batch = await ds.getBatch([2, 0]);
    expect(Array.from(await batch.labels!.data())).toEqual([3, 7]);
    const px = Array.from(await batch.images.data());
    [0, 1, 0.2, 0.4].forEach((v, i) => expect(px[4 + i]).toBeCloseTo(v, 6));
    expect(px.slice(0, 4)).toEqual([1, 1, 1, 1]);
    tf.dispose([batch.images, batch.labels!]);
    ds.dispose?.();
  });

  it('reports a label file that does not match the images, and corrupt gzip', async () => {
    writeFileSync(path.join(dir, 'x-images'), idxBytes([2, 1, 1], [1, 2]));
    writeFileSync(path.join(dir, 'x-labels'), idxBytes([3], [1, 2, 3]));
    await expect(loadIdxDataset(path.join(dir, 'x-images'), path.join(dir, 'x-labels'))).rejects.toThrow(/x-labels: expected 2 labels/);
    writeFileSync(path.join(dir, 'broken.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await expect(readIdx(path.join(dir, 'broken.gz'))).rejects.toThrow(/broken\.gz: corrupt gzip stream/);
    await expect(readIdx(path.join(dir, 'missing'))).rejects.toThrow(/missing: cannot be read \(ENOENT\)/);
    await expect(loadMnistFormat(path.join(dir, 'nowhere'), 'test')).rejects.toThrow(/no t10k-images-idx3-ubyte/);
  });
});
