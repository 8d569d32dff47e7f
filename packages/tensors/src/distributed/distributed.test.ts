import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImages, toyMethod } from '../../test/toy-method.js';
import { tensorDataset } from '../data/tensor-dataset.js';
import { fit } from '../fit.js';
import { createRng } from '../rng.js';
import { initBackend } from '../backend.js';
import { loadGlooAddon } from './gloo.js';

// Two real processes per test, joined over Gloo (the optional native/gloo addon). Without the addon (no libgloo-dev)
// the suite is skipped, and says why.
const worker = fileURLToPath(new URL('../../test/distributed-worker.ts', import.meta.url));
const gloo = loadGlooAddon();
if (!gloo.ok) console.warn(`distributed tests skipped: ${gloo.why}`);

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-dist-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

interface RankRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly seconds: number;
  readonly result: Record<string, unknown>;
  readonly stderr: string;
}

/** Runs `scenario` on ranks 0..worldSize-1, each its own process; resolves when all have exited. */
async function runRanks(
  scenario: string,
  dir: string,
  extra: Record<string, unknown> = {},
  worldSize = 2,
  env: Readonly<Record<string, string>> = {},
): Promise<RankRun[]> {
  await fs.mkdir(dir, { recursive: true });
  const started = performance.now();
  return Promise.all(
    Array.from({ length: worldSize }, (_, rank) => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, scenario, String(rank), String(worldSize), dir, JSON.stringify(extra)], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...env },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      return new Promise<RankRun>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', async (code, signal) => {
          const seconds = (performance.now() - started) / 1000;
          const text = await fs.readFile(path.join(dir, `${scenario}-${rank}.json`), 'utf8').catch(() => '{}');
          resolve({ code, signal, seconds, result: JSON.parse(text) as Record<string, unknown>, stderr });
        });
      });
    }),
  );
}

/** A TCP port nobody listens on now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const maxAbsDiff = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((v, i) => Math.abs(v - (b[i] as number))));
};

describe.skipIf(!gloo.ok)('data parallel over Gloo, 2 local processes', () => {
  it('all-reduce (sum, mean, max, min), all-gather, broadcast, bucketed all-reduce and barrier', async () => {
    const runs = await runRanks('collectives', path.join(tmp, 'collectives'));
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      const r = run.result;
      // rank 0: [1, 2, 0, 0.5]; rank 1: [2, 4, -1, 0.5]
      expect(r['sum']).toEqual([3, 6, -1, 1]);
      expect(r['mean']).toEqual([1.5, 3, -0.5, 0.5]);
      expect(r['max']).toEqual([2, 4, 0, 0.5]);
      expect(r['min']).toEqual([1, 2, -1, 0.5]);
      expect(r['gatherShape']).toEqual([4, 2]);
      expect(r['gather']).toEqual([1, 2, 0, 0.5, 2, 4, -1, 0.5]);
      expect(r['broadcast']).toEqual([11, 11, 11]);
      expect(r['arrays']).toEqual([[1], [1, 2], [3, 6, 9, 12, 15], [14]]);
      expect(r['tensors']).toBe(0);
    }
  }, 240_000);

  it('meets over TCP too (MASTER_ADDR / MASTER_PORT: rank 0 serves the rendezvous), with the same results', async () => {
    const port = await freePort();
    const runs = await runRanks('collectives', path.join(tmp, 'tcp'), { tcp: true }, 2, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.result['sum']).toEqual([3, 6, -1, 1]);
      expect(run.result['gather']).toEqual([1, 2, 0, 0.5, 2, 4, -1, 0.5]);
      expect(run.result['arrays']).toEqual([[1], [1, 2], [3, 6, 9, 12, 15], [14]]);
    }
  }, 240_000);

  it("allGatherWithGradient: each rank's gradient equals the single-process gradient of the summed losses at its rows", async () => {
    const runs = await runRanks('gather-gradient', path.join(tmp, 'gather'));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    // The reference: one process holds every row and differentiates the sum of the ranks' losses.
    const rows = runs.map((_, rank) => tf.tensor2d(createRng(100 + rank).normalArray(12), [3, 4]));
    const all = tf.concat(rows, 0);
    const grad = tf.grad((x: tf.Tensor) =>
      tf.addN(
        [0, 1].map((rank) => {
          const local = tf.slice(x, rank * 3, 3);
          return tf.sum(tf.log(tf.sum(tf.exp(tf.tanh(tf.matMul(local, x, false, true))), 1)));
        }),
      ),
    )(all);
    const expected = Array.from(grad.dataSync());
    runs.forEach((run, rank) => {
      expect(run.result['x']).toEqual(Array.from(rows[rank]?.dataSync() ?? []));
      // Float32 sums in another order: agreement to a few ulps of values of order 1.
      expect(maxAbsDiff(run.result['grad'] as number[], expected.slice(rank * 12, rank * 12 + 12))).toBeLessThan(1e-5);
      expect(run.result['tensors']).toBe(0);
    });
    tf.dispose([...rows, all, grad]);
  }, 240_000);

  it('fit on 2 ranks of 6 equals fit on one process of 12: losses and weights, from different initial weights (rank 0 broadcasts)', async () => {
    const runs = await runRanks('fit', path.join(tmp, 'fit'));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const method = toyMethod([4, 4, 1], 4, 1);
    const data = tensorDataset(randomImages(48, [4, 4, 1]));
    const single = await fit(method, data, { batchSize: 12, epochs: 3, learningRate: 1e-2, seed: 5, progress: false });
    const weights = Array.from(method.variables[0]?.variable.dataSync() ?? []);
    method.dispose();
    data.dispose?.();
    expect(single.steps).toBe(12);
    for (const run of runs) {
      expect(run.result['steps']).toBe(12);
      // The ranks' mean loss per step is the single process's loss on the concatenated batch (float32, other order).
      expect(maxAbsDiff(run.result['losses'] as number[], single.losses)).toBeLessThan(1e-6);
      expect(maxAbsDiff(run.result['weights'] as number[], weights)).toBeLessThan(1e-5);
    }
    // Both ranks hold the very same weights: they apply the same averaged gradients.
    expect(runs[0]?.result['weights']).toEqual(runs[1]?.result['weights']);
  }, 240_000);

  it('a rank killed mid-run (SIGKILL) stops the other within seconds, naming it; --resume on 2 ranks then ends bit-identical to an uninterrupted run', async () => {
    const uninterrupted = await runRanks('fit', path.join(tmp, 'whole'), { store: path.join(tmp, 'whole', 'ckpt') });
    for (const run of uninterrupted) expect(run.code, run.stderr).toBe(0);

    const store = path.join(tmp, 'cut', 'ckpt');
    const cut = await runRanks('fit', path.join(tmp, 'cut'), { store, killAtStep: 4 });
    const [survivor, lost] = cut as [RankRun, RankRun];
    expect(lost.signal).toBe('SIGKILL');
    expect(survivor.code).toBe(3);
    const error = survivor.result['error'] as { message: string; code: string };
    expect(error.code).toBe('DISTRIBUTED');
    expect(error.message).toMatch(/^rank 0 of 2: all-reduce failed: lost rank 1 \(pid \d+ has exited\)/);
    // Seconds, not the 90 s collective timeout: the closed connection is noticed at once (slack for a loaded CI machine).
    expect(survivor.seconds - lost.seconds).toBeLessThan(15);

    const resumed = await runRanks('fit', path.join(tmp, 'cut'), { store, resume: true, prefix: 'fit-resumed' });
    for (const run of resumed) expect(run.code, run.stderr).toBe(0);
    for (const [rank, run] of resumed.entries()) {
      expect(run.result['resumedFromStep']).toBeGreaterThan(0);
      expect(run.result['steps']).toBe(12);
      expect(run.result['weights']).toEqual(uninterrupted[rank]?.result['weights']);
    }
  }, 240_000);
});
