import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageDataset, SelfsupError } from '@selfsup/tensors';
import { writePng } from '@selfsup/tensors/node';
import { captureCli } from '../test/helpers.js';
import { type EvalData, loadEvalData, parseDataSpec } from './data.js';
import { runCli } from './program.js';

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
    // The folders list the classes one after the other: the limit takes them in turn, so both classes stay.
    expect(Array.from(await data.train.labels!())).toEqual([0, 0, 1, 1]);
    expect(Array.from(await data.test.labels!())).toEqual([0, 0, 1, 1]);
    expect(data.train.imageShape).toEqual([3, 3, 3]);
    expect(data.train.classNames).toEqual(['cat', 'dog']);
    await expect(loadEvalData(`images:${path.join(dir, 'train')}`)).rejects.toThrow(/expected .*train\/<class>\/<image>/);
    await expect(loadEvalData(`idx:${path.join(dir, 'train', 'cat', '0.png')}`)).rejects.toThrow(/--data idx: not a directory/);
  });
});

/** Each image's id: its pixels all hold the sample's index (the IDX files below). */
async function ids(dataset: ImageDataset): Promise<number[]> {
  const batch = await dataset.getBatch(Array.from({ length: dataset.size }, (_, i) => i));
  const pixels = await batch.images.data();
  const size = dataset.imageShape.reduce((a, b) => a * b, 1);
  tf.dispose([batch.images, ...(batch.labels !== undefined ? [batch.labels] : [])]);
  return Array.from({ length: dataset.size }, (_, i) => Math.round((pixels[i * size] ?? 0) * 255));
}

function classCounts(labels: Int32Array): number[] {
  const counts = [0, 0, 0];
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

function dispose(data: EvalData): void {
  data.train.dispose?.();
  data.test.dispose?.();
}

describe('--validation', () => {
  // A training split only (no t10k- files): 60 images, image i filled with i, labels i % 3 (20 per class).
  let dir: string;
  beforeAll(async () => {
    dir = path.join(tmp, 'train-only');
    await fs.mkdir(dir);
    const n = 60;
    const pixels = Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4));
    await fs.writeFile(path.join(dir, 'train-images-idx3-ubyte'), idx([n, 2, 2], pixels));
    await fs.writeFile(path.join(dir, 'train-labels-idx1-ubyte'), idx([n], Uint8Array.from({ length: n }, (_, i) => i % 3)));
  });

  it('holds out a class-balanced share of the training split as the test split, without reading the test split', async () => {
    // Without --validation the test split is read (and missing here).
    await expect(loadEvalData(`idx:${dir}`)).rejects.toThrow();
    const data = await loadEvalData(`idx:${dir}`, { validation: 0.25 });
    expect(data.source).toBe(`idx:${dir}, validation: 25% of the training split held out (seed 0)`);
    expect([data.train.size, data.test.size]).toEqual([45, 15]);
    expect(classCounts(await data.test.labels!())).toEqual([5, 5, 5]);
    expect(classCounts(await data.train.labels!())).toEqual([15, 15, 15]);
    const [train, test] = [await ids(data.train), await ids(data.test)];
    // Disjoint, and together the whole training split.
    expect(test.filter((i) => train.includes(i))).toEqual([]);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // Labels still belong to their images.
    expect(Array.from(await data.test.labels!())).toEqual(test.map((i) => i % 3));
    // The same images every time (a fixed seed: no --seed reaches it).
    const again = await loadEvalData(`idx:${dir}`, { validation: 0.25 });
    expect(await ids(again.test)).toEqual(test);
    expect(await ids(again.train)).toEqual(train);
    dispose(data);
    dispose(again);
  });

  it('applies --limit first', async () => {
    const data = await loadEvalData(`idx:${dir}`, { limit: 30, validation: 0.2 });
    expect([data.train.size, data.test.size]).toEqual([24, 6]);
    expect(classCounts(await data.test.labels!())).toEqual([2, 2, 2]);
    expect([...(await ids(data.train)), ...(await ids(data.test))].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    dispose(data);
  });

  it('takes nothing from the real test split (mnist)', async () => {
    const plain = await loadEvalData('mnist', { limit: 50 });
    const held = await loadEvalData('mnist', { limit: 50, validation: 0.2 });
    expect([held.train.size, held.test.size]).toEqual([40, 10]);
    const digits = async (d: ImageDataset) => {
      const batch = await d.getBatch(Array.from({ length: d.size }, (_, i) => i));
      const pixels = await batch.images.data();
      tf.dispose([batch.images, ...(batch.labels !== undefined ? [batch.labels] : [])]);
      return Array.from({ length: d.size }, (_, i) => pixels.slice(i * 784, (i + 1) * 784).join(','));
    };
    const [train, test, realTest] = [await digits(plain.train), await digits(held.test), await digits(plain.test)];
    expect(test.every((t) => train.includes(t))).toBe(true);
    expect(test.some((t) => realTest.includes(t))).toBe(false);
    // Class-balanced: one digit of each class.
    expect(Array.from(await held.test.labels!()).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    dispose(plain);
    dispose(held);
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['a negative number', -0.2],
    ['NaN', Number.NaN],
    ['a string', '0.2'],
  ])('rejects %s, naming --validation', async (_, value) => {
    const error = await loadEvalData(`idx:${dir}`, { validation: value as number }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelfsupError);
    expect((error as SelfsupError).code).toBe('INVALID_ARGUMENT');
    expect((error as SelfsupError).message).toMatch(/^--validation must be a fraction strictly between 0 and 1 .*; got /);
  });

  it('rejects a share that leaves a part empty', async () => {
    await expect(loadEvalData(`idx:${dir}`, { limit: 6, validation: 0.01 })).rejects.toThrow(/--validation 0\.01: holding out 1% of 6 training images leaves 6 to train on and 0 to test on/);
  });

  it('selfsup bench: pretrains on the rest and probes on the held-out part', async () => {
    const c = captureCli();
    const out = path.join(tmp, 'bench-validation');
    const code = await runCli(
      ['bench', '--data', 'mnist', '--limit', '40', '--validation', '0.25', '--methods', 'rotnet', '--budget', '0.3', '--batch-size', '8', '--seeds', '1', '--probe', 'knn', '--quiet', '--out', out],
      c.io,
    );
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    expect((c.result() as { markdown: string }).markdown).toContain('validation: 25% of the training split held out (seed 0)');
    const run = JSON.parse(await fs.readFile(path.join(out, 'rotnet', 'run.json'), 'utf8'));
    expect(run.config).toMatchObject({ limit: 40, validation: 0.25 });
  });

  it("selfsup bench: without --batch-size each method trains at its recipe's batch, and the table says which", async () => {
    const c = captureCli();
    const out = path.join(tmp, 'bench-recipe-batch');
    const code = await runCli(['bench', '--data', 'mnist', '--limit', '300', '--methods', 'simclr', '--budget', '0.3', '--seeds', '1', '--probe', 'knn', '--baselines', 'none', '--quiet', '--out', out], c.io);
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    const run = JSON.parse(await fs.readFile(path.join(out, 'simclr', 'run.json'), 'utf8'));
    expect(run.config.training.batchSize).toBe(128);
    const markdown = (c.result() as { markdown: string }).markdown;
    expect(markdown).toContain("each method's recipe's batch");
    expect(markdown).toMatch(/\| \d+ steps of 128, /);
  });

  it('selfsup eval: the same held-out images whatever --seed, and bad values exit 2', async () => {
    const top1 = async (seed: string) => {
      const c = captureCli();
      const out = path.join(tmp, `eval-seed-${seed}`);
      const code = await runCli(
        ['eval', '--encoder', 'pixels', '--data', 'mnist', '--limit', '100', '--validation', '0.2', '--probe', 'knn', '--no-metrics', '--plot', 'none', '--seed', seed, '--out', out, '--quiet'],
        c.io,
      );
      expect(c.stderr()).toBe('');
      expect(code).toBe(0);
      const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
      expect(report.data.source).toMatch(/^mnist .*, validation: 20% of the training split held out \(seed 0\)$/);
      expect(report.data.test).toBe('mnist/train[validation 20%]');
      return report.evaluations[0].results[0].top1 as number;
    };
    expect(await top1('1')).toBe(await top1('7'));
    for (const bad of ['0', '1', '-0.5', 'abc']) {
      const c = captureCli();
      expect(await runCli(['eval', '--encoder', 'pixels', '--data', 'mnist', '--validation', bad], c.io)).toBe(2);
      expect(c.stderr()).toMatch(/option '--validation <fraction>' argument .* is invalid\. expected a number strictly between 0 and 1/);
    }
  });
});
