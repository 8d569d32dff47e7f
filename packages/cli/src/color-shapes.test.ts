import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@selfsup/tensors';
import { captureCli } from '../test/helpers.js';
import { COLOR_SHAPES_CLASSES, COLOR_SHAPES_SIZES, colorShapes } from './color-shapes.js';
import { loadEvalData, parseDataSpec } from './data.js';
import { runCli } from './program.js';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-color-shapes-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('--data color-shapes', () => {
  it('generates the same balanced 32x32 color images on every call; a limit keeps a prefix', async () => {
    const before = tf.memory().numTensors;
    const train = colorShapes('train');
    expect(train.size).toBe(COLOR_SHAPES_SIZES.train);
    expect(train.imageShape).toEqual([32, 32, 3]);
    expect(train.classNames).toEqual([...COLOR_SHAPES_CLASSES]);
    const labels = Array.from(await train.labels!());
    for (let k = 0; k < 4; k++) expect(labels.filter((l) => l === k)).toHaveLength(COLOR_SHAPES_SIZES.train / 4);
    const first = colorShapes('train', { limit: 8 });
    expect(first.name).toBe('color-shapes-train[:8]');
    const [a, b] = [await train.getBatch([0, 1, 2, 3, 4, 5, 6, 7]), await first.getBatch([0, 1, 2, 3, 4, 5, 6, 7])];
    expect(Array.from(a.images.dataSync())).toEqual(Array.from(b.images.dataSync()));
    const pixels = a.images.dataSync();
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    // Every image has color somewhere (the shape) and grey elsewhere (the background).
    for (let i = 0; i < 8; i++) {
      let colored = 0;
      for (let p = 0; p < 32 * 32; p++) {
        const at = (i * 32 * 32 + p) * 3;
        if (Math.max(Math.abs(pixels[at]! - pixels[at + 1]!), Math.abs(pixels[at + 1]! - pixels[at + 2]!)) > 0.1) colored++;
      }
      expect(colored).toBeGreaterThan(20);
      expect(colored).toBeLessThan(32 * 32 - 200);
    }
    const test = colorShapes('test', { limit: 4 });
    const c = await test.getBatch([0]);
    expect(Array.from(c.images.dataSync())).not.toEqual(Array.from(pixels.slice(0, 32 * 32 * 3)));
    tf.dispose([a.images, a.labels, b.images, b.labels, c.images, c.labels]);
    for (const d of [train, first, test]) d.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is a --data form without argument, with both splits', async () => {
    expect(parseDataSpec('color-shapes')).toEqual({ kind: 'color-shapes', arg: undefined });
    expect(() => parseDataSpec('color-shapes:10')).toThrow(/--data color-shapes takes no argument/);
    const data = await loadEvalData('color-shapes', { limit: 12 });
    expect([data.kind, data.train.size, data.test.size]).toEqual(['images', 12, 12]);
    data.train.dispose?.();
    data.test.dispose?.();
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => colorShapes('val' as 'train')).toThrow(/split must be "train" or "test"; got "val"/);
    expect(() => colorShapes('train', { limit: 0 })).toThrow(/options.limit must be an integer >= 1; got 0/);
  });
});

describe('the color methods on the command line', () => {
  it.each(['colorization', 'split-brain'])('%s trains its labConvNet on color images and refuses grey ones with exit 2 and one line', async (method) => {
    const out = path.join(tmp, method);
    const c = captureCli();
    expect(await runCli(['pretrain', '--method', method, '--data', 'color-shapes', '--limit', '32', '--batch-size', '16', '--no-monitor', '--out', out, '--quiet'], c.io)).toBe(0);
    expect(c.stderr()).toBe('');
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8')) as { config: { arch: string; archConfig: unknown }; encoder: { architecture: string; config: { input: string } } };
    expect(run.config.arch).toBe('labConvNet');
    expect(run.encoder.architecture).toBe('labConvNet');
    expect(run.encoder.config.input).toBe(method === 'colorization' ? 'lightness' : 'split');

    const grey = captureCli();
    expect(await runCli(['pretrain', '--method', method, '--data', 'mnist', '--limit', '32', '--batch-size', '16', '--out', path.join(tmp, `${method}-grey`), '--quiet'], grey.io)).toBe(2);
    expect(grey.stderr()).toBe(
      `selfsup: --data: ${method} needs color images (RGB, 3 channels), e.g. --data images:<dir> or --data color-shapes; got grey images of [28, 28, 1]\n`,
    );
    // Nothing of the refused run is left behind.
    await expect(fs.access(path.join(tmp, `${method}-grey`, 'run.json'))).rejects.toThrow();
  });

  it("takes --arch-config over the method's encoder config, and refuses another architecture naming --arch", async () => {
    const out = path.join(tmp, 'split-narrow');
    const c = captureCli();
    const args = ['pretrain', '--method', 'split-brain', '--data', 'color-shapes', '--limit', '32', '--batch-size', '16', '--no-monitor', '--quiet'];
    expect(await runCli([...args, '--arch-config', '{"channels":[8,16],"strides":[1,2]}', '--out', out], c.io)).toBe(0);
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8')) as { config: { archConfig: unknown }; encoder: { config: unknown } };
    expect(run.config.archConfig).toEqual({ input: 'split', channels: [8, 16], strides: [1, 2] });
    expect(run.encoder.config).toMatchObject({ input: 'split', channels: [8, 16], strides: [1, 2] });
    const conv = captureCli();
    expect(await runCli([...args, '--arch', 'convNet', '--out', path.join(tmp, 'split-conv')], conv.io)).toBe(2);
    expect(conv.stderr()).toMatch(/--arch: split-brain trains a labConvNet reading "split" \(its default architecture\); got --arch convNet/);
  });
});
