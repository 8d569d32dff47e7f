import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng } from '@selfsup/tensors/node';
import { loadEvalData, parseDataSpec } from './data.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-eval-data-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** An IDX file: magic (0, 0, type 0x08 = uint8, rank), big-endian dims, then the bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('--data', () => {
  it('checks the form of a spec before touching the disk', () => {
    expect(parseDataSpec('mnist')).toEqual({ kind: 'mnist', arg: undefined });
    expect(parseDataSpec('idx:/a:b')).toEqual({ kind: 'idx', arg: '/a:b' });
    expect(() => parseDataSpec('mnist:x')).toThrow(/--data mnist takes no argument/);
    expect(() => parseDataSpec('idx:')).toThrow(/--data idx:<dir> needs a directory/);
    expect(() => parseDataSpec('cifar10')).toThrow(/--data must be one of/);
  });

  it('loads an MNIST-format directory (idx:<dir>)', async () => {
    const dir = path.join(tmp, 'idx');
    await fs.mkdir(dir);
    for (const [prefix, n] of [['train', 6], ['t10k', 4]] as const) {
      const pixels = Uint8Array.from({ length: n * 16 }, (_, i) => (i * 7) % 256);
      await fs.writeFile(path.join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 4, 4], pixels));
      await fs.writeFile(path.join(dir, `${prefix}-labels-idx1-ubyte`), idx([n], Uint8Array.from({ length: n }, (_, i) => i % 3)));
    }
    const data = await loadEvalData(`idx:${dir}`);
    expect(data.train.size).toBe(6);
    expect(data.test.size).toBe(4);
    expect(data.train.imageShape).toEqual([4, 4, 1]);
    expect(Array.from(await data.test.labels!())).toEqual([0, 1, 2, 0]);
    data.train.dispose?.();
    data.test.dispose?.();
  });

  it('loads train/ and test/ class folders (images:<dir>), with a limit', async () => {
    const dir = path.join(tmp, 'images');
    for (const split of ['train', 'test']) {
      for (const cls of ['cat', 'dog']) {
        await fs.mkdir(path.join(dir, split, cls), { recursive: true });
        for (let i = 0; i < 3; i++) {
          const image = tf.fill([5, 5, 3], cls === 'cat' ? 0.2 : 0.8) as tf.Tensor3D;
          await writePng(path.join(dir, split, cls, `${i}.png`), image);
          image.dispose();
        }
      }
    }
    const data = await loadEvalData(`images:${dir}`, { limit: 4, imageSize: [3, 3] });
    expect(data.train.size).toBe(4);
    expect(data.test.size).toBe(4);
    expect(data.train.imageShape).toEqual([3, 3, 3]);
    expect(data.train.classNames).toEqual(['cat', 'dog']);
    await expect(loadEvalData(`images:${path.join(dir, 'train')}`)).rejects.toThrow(/expected .*train\/<class>\/<image>/);
    await expect(loadEvalData(`idx:${path.join(dir, 'train', 'cat', '0.png')}`)).rejects.toThrow(/--data idx: not a directory/);
  });
});
