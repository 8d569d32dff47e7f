import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { saveEncoder } from '@selfsup/encoders/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBackbone } from './architectures.js';
import { type BenchResult, seedStatistics } from './bench-command.js';
import type { EvalResult } from './eval-command.js';
import { runCli } from './program.js';
import { captureCli } from '../test/helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-layers-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const capture = () => captureCli();

describe('selfsup eval --layer', () => {
  it('--layer all probes every layer of the encoder and of its random init, raw pixels once; one row each', async () => {
    const c = capture();
    const out = path.join(tmp, 'eval-layers');
    const checkpoint = path.join(tmp, 'conv-net');
    const saved = buildBackbone('convNet', [28, 28, 1], 7);
    await saveEncoder(checkpoint, saved);
    saved.dispose();
    const before = tf.memory().numTensors;
    const code = await runCli(
      ['eval', '--encoder', checkpoint, '--data', 'mnist', '--limit', '40', '--layer', 'all', '--layer-dim', '600', '--baselines', 'random,pixels', '--probe', 'knn', '--k', '5', '--no-metrics', '--plot', 'none', '--quiet', '--out', out],
      c.io,
    );
    expect(c.stderr()).not.toMatch(/unexpected/);
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const layers = ['block0', 'block1', 'block2', 'block3', 'block4', 'embedding'];
    const result = c.result() as EvalResult;
    expect(result.evaluations.map((e) => `${e.label}@${e.layer}`)).toEqual([
      ...layers.map((l) => `${checkpoint}@${l}`),
      ...layers.map((l) => `random convNet@${l}`),
      'raw pixels@pixels',
    ]);
    expect(c.stderr()).toContain('raw pixels have no layers');
    const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
    expect(report.evaluations.map((e: { layer: string }) => e.layer)).toEqual([...layers, ...layers, 'pixels']);
    // The default convNet [32, 64, 128, 256, 256] on 28x28, pooled to <= 600 dims: block0 28x28x32 -> 4x4x32 = 512;
    // block1 14x14x64 -> 3x3x64 = 576; block2 7x7x128 -> 2x2x128 = 512; block3 4x4x256 and block4 2x2x256 -> 1x1x256.
    expect(report.evaluations.slice(0, 6).map((e: { featureDim: number }) => e.featureDim)).toEqual([512, 576, 512, 256, 256, 256]);
    for (const e of report.evaluations) expect(e.featureDim <= Math.max(600, 784)).toBe(true);
    expect(c.stdout()).toMatch(/encoder\s+layer\s+dims\s+probe/);
    expect(c.stdout()).toMatch(/random convNet\s+block1\s+576\s+knn/);
  });

  it('an unknown layer is an argument error listing the layers; raw pixels have none', async () => {
    const c = capture();
    expect(await runCli(['eval', '--encoder', 'random:convNet', '--data', 'mnist', '--limit', '20', '--layer', 'conv3', '--quiet', '--out', path.join(tmp, 'bad')], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/--layer must be a layer of convNet: block0, block1, block2, block3, block4, embedding or all; got "conv3"/);
    const d = capture();
    expect(await runCli(['eval', '--encoder', 'pixels', '--data', 'mnist', '--limit', '20', '--layer', 'block0', '--quiet', '--out', path.join(tmp, 'bad')], d.io)).toBe(2);
    expect(d.stderr()).toMatch(/--layer must be a layer of rawPixels: embedding or all \(rawPixels names no intermediate layers\)/);
    const e = capture();
    expect(await runCli(['eval', '--encoder', 'pixels', '--data', 'mnist', '--layer-dim', '0'], e.io)).toBe(2);
    expect(e.stderr()).toMatch(/--layer-dim <n>' argument '0' is invalid/);
  });
});

describe('selfsup bench --seeds / --layer', () => {
  it('--seeds 2: per-seed rows in results.json, mean and sd of them in the summary and the table', async () => {
    const c = capture();
    const out = path.join(tmp, 'bench-seeds');
    const code = await runCli(
      ['bench', '--data', 'mnist', '--limit', '40', '--methods', 'rotnet', '--budget', '0.5', '--batch-size', '8', '--seeds', '2', '--seed', '3', '--probe', 'knn,linear', '--quiet', '--out', out],
      c.io,
    );
    expect(c.stderr()).not.toMatch(/unexpected/);
    expect(code).toBe(0);
    const result = c.result() as BenchResult;
    expect(result.rows.map((r) => `${r.label}/${r.seed}`)).toEqual(['random convNet/3', 'raw pixels/3', 'rotnet/3', 'random convNet/4', 'raw pixels/4', 'rotnet/4']);
    const json = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
    expect(json.seeds).toEqual([3, 4]);
    expect(json.rows).toHaveLength(6);
    expect(json.summary.map((s: { label: string }) => s.label)).toEqual(['random convNet', 'raw pixels', 'rotnet']);
    for (const s of json.summary) {
      for (const probe of ['knn', 'linear']) {
        const values = json.rows.filter((r: { label: string }) => r.label === s.label).map((r: { results: { probe: string; top1: number }[] }) => r.results.find((x) => x.probe === probe)?.top1);
        const mean = (values[0] + values[1]) / 2;
        const sd = Math.abs(values[0] - values[1]) / Math.SQRT2;
        expect(s.top1[probe].values).toEqual(values);
        expect(s.top1[probe].mean).toBeCloseTo(mean, 12);
        expect(s.top1[probe].sd).toBeCloseTo(sd, 12);
      }
    }
    // k-NN on pixels is the same at every seed.
    expect(json.summary[1].top1.knn.sd).toBe(0);
    const md = await fs.readFile(path.join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| rotnet \| \d+\.\d ± \d+\.\d% \| \d+\.\d ± \d+\.\d% \| \d+ steps/);
    expect(md).toContain('seeds 3..4 (mean ± sd)');
    await fs.access(path.join(out, 'rotnet', 'seed-4', 'encoder'));
    const svg = await fs.readFile(path.join(out, 'accuracy.svg'), 'utf8');
    expect(svg).toContain('mark-rule');
  });

  it('--layer probes that layer of every encoder, random init included; an unknown layer fails before training', async () => {
    const c = capture();
    const out = path.join(tmp, 'bench-layer');
    const code = await runCli(
      ['bench', '--data', 'mnist', '--limit', '30', '--methods', 'rotnet', '--budget', '0.3', '--batch-size', '8', '--seeds', '1', '--layer', 'block1', '--probe', 'knn', '--quiet', '--out', out],
      c.io,
    );
    expect(code).toBe(0);
    const result = c.result() as BenchResult;
    expect(result.summary.map((r) => `${r.label}@${r.layer}`)).toEqual(['random convNet@block1', 'raw pixels@pixels', 'rotnet@block1']);
    expect(result.markdown).toMatch(/\| encoder \| layer \| knn top-1 \| pretraining \|/);
    const d = capture();
    expect(await runCli(['bench', '--data', 'mnist', '--limit', '20', '--methods', 'rotnet', '--layer', 'stage9', '--quiet', '--out', path.join(tmp, 'bad-bench')], d.io)).toBe(2);
    expect(d.stderr()).toMatch(/--layer must be a layer of convNet: block0, block1, block2, block3, block4, embedding or all; got "stage9"/);
    const e = capture();
    expect(await runCli(['bench', '--data', 'mnist', '--seeds', '0'], e.io)).toBe(2);
    expect(e.stderr()).toMatch(/--seeds <n>' argument '0' is invalid/);
  });

  it('seedStatistics: mean and sample sd (0 for one value)', () => {
    expect(seedStatistics([0.5])).toEqual({ mean: 0.5, sd: 0, values: [0.5] });
    const s = seedStatistics([0.2, 0.4, 0.6]);
    expect(s.mean).toBeCloseTo(0.4, 12);
    expect(s.sd).toBeCloseTo(0.2, 12);
    expect(() => seedStatistics([])).toThrow(/values/);
  });
});
