import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder } from '@selfsup/encoders/node';
import { KNN_INSTDISC, effectiveRank, embeddingStd, extractFeatures, knnProbe, monitorSubsets } from '@selfsup/eval';
import { SelfsupError } from '@selfsup/tensors';
import { loadMnist } from '@selfsup/tensors/node';
import { runPretrain } from './pretrain-command.js';
import { runCli } from './program.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-monitor-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

interface Log {
  history: { loss: number }[];
  monitor?: { step: number; knnTop1: number; embeddingStd: number; effectiveRank: number; seconds: number }[];
  monitorSettings?: Record<string, unknown>;
}

const readLog = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'log.json'), 'utf8')) as Log;
const quietIo = { stdout: () => {}, stderr: () => {}, interactive: false };
// 64 training images, 16 a step, 2 epochs: 8 steps.
const base = { method: 'simclr', data: 'mnist', arch: 'convNet', epochs: 2, batchSize: 16, limit: 64, seed: 0, resume: false, checkpointEvery: 100, skipBad: false, quiet: true };

describe('selfsup pretrain --monitor-*', () => {
  it('logs readings at step 0, every N steps and at the end; they equal an offline knnProbe of the saved encoder', async () => {
    const out = path.join(tmp, 'monitored');
    const err: string[] = [];
    const code = await runCli(
      ['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '64', '--batch-size', '16', '--epochs', '2', '--monitor-every', '3', '--monitor-size', '30', '--out', out],
      { stdout: () => {}, stderr: (t) => err.push(t) },
    );
    expect(code).toBe(0);
    const log = await readLog(out);
    expect(log.monitor?.map((m) => m.step)).toEqual([0, 3, 6, 8]);
    expect(log.monitorSettings).toMatchObject({ every: 3, bankSize: 20, heldOutSize: 10, split: 'train', seed: 0, k: 20, temperature: 0.07, dim: 256 });
    for (const m of log.monitor ?? []) {
      expect(m.knnTop1).toBeGreaterThanOrEqual(0);
      expect(m.knnTop1).toBeLessThanOrEqual(1);
      expect(m.embeddingStd).toBeGreaterThan(0);
      expect(m.effectiveRank).toBeGreaterThanOrEqual(1);
      expect(m.seconds).toBeGreaterThan(0);
    }
    // The non-interactive progress shows each reading.
    expect(err.join('')).toMatch(/step 3: monitor k-NN top-1 \d+\.\d%, embedding std 0\.\d+ \(1\/sqrt\(D\) 0\.0625\), effective rank \d+\.\d/);
    expect(await fs.readFile(path.join(out, 'loss.svg'), 'utf8')).toContain('k-NN top-1 (monitor)');
    // The last reading is of the final encoder: the same numbers offline, from the same training images.
    const encoder = await loadEncoder(path.join(out, 'encoder'));
    const { bank, heldOut } = monitorSubsets(loadMnist('train', { limit: 64 }), { bankSize: 20, heldOutSize: 10, seed: 0 });
    const probe = await knnProbe(encoder, bank, heldOut, KNN_INSTDISC);
    const features = await extractFeatures(encoder, bank);
    const last = log.monitor?.at(-1);
    expect(last?.knnTop1).toBe(probe.top1);
    expect(last?.embeddingStd).toBe(embeddingStd(features.features));
    expect(last?.effectiveRank).toBe(effectiveRank(features.features));
    features.features.dispose();
    encoder.dispose();
  });

  it('changes nothing in the training, leaks nothing, and --no-monitor turns it off', async () => {
    const on = path.join(tmp, 'on');
    const off = path.join(tmp, 'off');
    await runPretrain({ ...base, out: path.join(tmp, 'warm'), monitor: false }, quietIo); // backend start-up
    const before = tf.memory().numTensors;
    const monitored = await runPretrain({ ...base, out: on, monitorEvery: 2, monitorSize: 24 }, quietIo);
    expect(tf.memory().numTensors).toBe(before);
    const plain = await runPretrain({ ...base, out: off, monitor: false }, quietIo);
    expect(monitored.monitor?.map((m) => m.step)).toEqual([0, 2, 4, 6, 8]);
    expect(plain.monitor).toBeUndefined();
    expect((await readLog(off)).monitor).toBeUndefined();
    expect((await readLog(on)).history.map((h) => h.loss)).toEqual((await readLog(off)).history.map((h) => h.loss));
    // Default: a tenth of the planned steps (4 planned steps -> every step).
    const defaults = await runPretrain({ ...base, out: path.join(tmp, 'default'), epochs: 1, limit: 64 }, quietIo);
    expect(defaults.monitor?.map((m) => m.step)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects bad monitor flags, naming the flag', async () => {
    for (const [options, message] of [
      [{ monitorEvery: 0 }, /--monitor-every must be an integer >= 1 \(steps\); got 0/],
      [{ monitorSize: 1 }, /--monitor-size must be an integer >= 2 \(images: bank and held-out\); got 1/],
      [{ monitor: 'yes' }, /--monitor must be true or false; got "yes"/],
    ] as const) {
      const error = await runPretrain({ ...base, out: path.join(tmp, 'bad'), ...(options as object) }, quietIo).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SelfsupError);
      expect((error as SelfsupError).code).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toMatch(message);
    }
    const err: string[] = [];
    const code = await runCli(['pretrain', '--method', 'simclr', '--data', 'mnist', '--monitor-every', '0', '--quiet'], { stdout: () => {}, stderr: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--monitor-every <steps>.*expected an integer >= 1/);
  });
});
