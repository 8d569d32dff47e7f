import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { fit, initBackend, tensorDataset } from '@selfsup/tensors';
import { clipLoss } from './losses/clip-loss.js';
import { infoNCE } from './losses/info-nce.js';
import { multiViewNtXent } from './losses/multi-view-nt-xent.js';
import { infoNCEOverTargets } from './losses/info-nce-over-targets.js';
import { loadGlooAddon } from '@selfsup/tensors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_FIT, SCENARIO_SINGLE_BATCH, buildScenario, scenarioEmbeddings } from '../test/distributed-scenarios.js';

// Global negatives across 2 real processes joined over Gloo (the optional addon of @selfsup/tensors): skipped, with
// the reason, where it is not built.
const worker = fileURLToPath(new URL('../test/distributed-worker.ts', import.meta.url));
const gloo = loadGlooAddon();
if (!gloo.ok) console.warn(`distributed tests skipped: ${gloo.why}`);

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-contrastive-dist-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function runRanks(scenario: string): Promise<{ code: number | null; result: Record<string, unknown>; stderr: string }[]> {
  const dir = path.join(tmp, scenario);
  await fs.mkdir(dir, { recursive: true });
  return Promise.all(
    [0, 1].map((rank) => {
      const child = spawn(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', worker, scenario, String(rank), '2', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      return new Promise<{ code: number | null; result: Record<string, unknown>; stderr: string }>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', async (code) => {
          const text = await fs.readFile(path.join(dir, `${scenario}-${rank}.json`), 'utf8').catch(() => '{}');
          resolve({ code, result: JSON.parse(text) as Record<string, unknown>, stderr });
        });
      });
    }),
  );
}

const maxAbsDiff = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((v, i) => Math.abs(v - (b[i] as number))));
};

/** NT-Xent written out anchor by anchor (SimCLR's Algorithm 1), as the reference. */
function loopNtXent(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => loopTerms(z1, z2, temperature));
}

function loopTerms(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  const n = z1.shape[0];
  const z = tf.concat([z1, z2], 0);
  const unit = tf.div(z, tf.norm(z, 'euclidean', 1, true));
  const terms: tf.Scalar[] = [];
  for (let i = 0; i < 2 * n; i++) {
    const sims = tf.div(tf.squeeze(tf.matMul(tf.slice(unit, i, 1), unit, false, true)), temperature);
    const others = tf.concat([tf.slice(sims, 0, i), tf.slice(sims, i + 1, 2 * n - i - 1)]);
    const positive = tf.slice(sims, (i + n) % (2 * n), 1);
    terms.push(tf.sub(tf.logSumExp(others), tf.squeeze(positive)) as tf.Scalar);
  }
  return tf.div(tf.addN(terms), 2 * n) as tf.Scalar;
}

describe.skipIf(!gloo.ok)('global negatives on 2 processes', () => {
  it("NT-Xent: the ranks' mean loss is the concatenated batch's, and each rank's gradient is 2x the single process's at its rows", async () => {
    const runs = await runRanks('nt-xent');
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [a, b] = [scenarioEmbeddings(0), scenarioEmbeddings(1)];
    const z1 = tf.concat([a[0], b[0]], 0) as tf.Tensor2D;
    const z2 = tf.concat([a[1], b[1]], 0) as tf.Tensor2D;
    const reference = loopNtXent(z1, z2, 0.5).dataSync()[0] as number;
    const meanLoss = ((runs[0]?.result['loss'] as number) + (runs[1]?.result['loss'] as number)) / 2;
    expect(Math.abs(meanLoss - reference)).toBeLessThan(1e-5);
    // d(sum over ranks of loss_r)/dz at rank r's rows = W x d(mean loss)/dz: what allGatherWithGradient delivers.
    const [g1, g2] = tf.grads((x: tf.Tensor, y: tf.Tensor) => loopNtXent(x as tf.Tensor2D, y as tf.Tensor2D, 0.5))([z1, z2]) as [tf.Tensor, tf.Tensor];
    const [e1, e2] = [Array.from(g1.dataSync()), Array.from(g2.dataSync())];
    runs.forEach((run, rank) => {
      const [r1, r2] = run.result['grads'] as [number[], number[]];
      expect(maxAbsDiff(r1, e1.slice(rank * 15, rank * 15 + 15).map((v) => 2 * v))).toBeLessThan(1e-5);
      expect(maxAbsDiff(r2, e2.slice(rank * 15, rank * 15 + 15).map((v) => 2 * v))).toBeLessThan(1e-5);
      expect(run.result['tensors']).toBe(0);
    });
    tf.dispose([...a, ...b, z1, z2, g1, g2]);
  }, 180_000);

  it("multi-view NT-Xent: the ranks' mean loss is the concatenated batch's, and each rank's gradient is 2x the single process's at its rows", async () => {
    const runs = await runRanks('multi-view-nt-xent');
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const perRank = [0, 1].map((rank) => {
      const [third, unused] = scenarioEmbeddings(20 + rank);
      unused.dispose();
      return [...scenarioEmbeddings(rank), third];
    });
    const views = [0, 1, 2].map((u) => tf.concat([perRank[0]![u]!, perRank[1]![u]!], 0) as tf.Tensor2D);
    const f = (...zs: tf.Tensor[]) => multiViewNtXent(zs as tf.Tensor2D[], { temperature: 0.5 });
    const reference = f(...views);
    const meanLoss = ((runs[0]?.result['loss'] as number) + (runs[1]?.result['loss'] as number)) / 2;
    expect(Math.abs(meanLoss - (reference.dataSync()[0] as number))).toBeLessThan(1e-5);
    const grads = tf.grads(f)(views).map((g) => Array.from(g.dataSync()));
    runs.forEach((run, rank) => {
      const got = run.result['grads'] as number[][];
      got.forEach((g, u) => expect(maxAbsDiff(g, (grads[u] as number[]).slice(rank * 15, rank * 15 + 15).map((v) => 2 * v))).toBeLessThan(1e-5));
      expect(run.result['tensors']).toBe(0);
    });
    tf.dispose([...perRank.flat(), ...views, reference]);
  }, 180_000);

  it("CLIP's loss: the ranks' mean is the concatenated batch's, and each rank's gradient is 2x the single process's at its rows", async () => {
    const runs = await runRanks('clip-loss');
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [a, b] = [scenarioEmbeddings(0), scenarioEmbeddings(1)];
    const images = tf.concat([a[0], b[0]], 0) as tf.Tensor2D;
    const texts = tf.concat([a[1], b[1]], 0) as tf.Tensor2D;
    const f = (x: tf.Tensor, y: tf.Tensor) => clipLoss(x as tf.Tensor2D, y as tf.Tensor2D, { logitScale: 3 });
    const reference = f(images, texts);
    const meanLoss = ((runs[0]?.result['loss'] as number) + (runs[1]?.result['loss'] as number)) / 2;
    expect(Math.abs(meanLoss - (reference.dataSync()[0] as number))).toBeLessThan(1e-5);
    const [g1, g2] = tf.grads(f)([images, texts]) as [tf.Tensor, tf.Tensor];
    const [e1, e2] = [Array.from(g1.dataSync()), Array.from(g2.dataSync())];
    runs.forEach((run, rank) => {
      const [r1, r2] = run.result['grads'] as [number[], number[]];
      expect(maxAbsDiff(r1, e1.slice(rank * 15, rank * 15 + 15).map((v) => 2 * v))).toBeLessThan(1e-5);
      expect(maxAbsDiff(r2, e2.slice(rank * 15, rank * 15 + 15).map((v) => 2 * v))).toBeLessThan(1e-5);
    });
    tf.dispose([...a, ...b, images, texts, reference, g1, g2]);
  }, 180_000);

  it("InfoNCE (shared negatives gathered) and InfoNCE over targets (CPC's): the ranks' mean loss and each rank's gradients are the single process's", async () => {
    const runs = await runRanks('info-nce');
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [a, b] = [scenarioEmbeddings(0), scenarioEmbeddings(1)];
    const [na, nb] = [scenarioEmbeddings(10)[0], scenarioEmbeddings(11)[0]];
    const q = tf.concat([a[0], b[0]], 0) as tf.Tensor2D;
    const k = tf.concat([a[1], b[1]], 0) as tf.Tensor2D;
    const negatives = tf.concat([na, nb], 0) as tf.Tensor2D;
    const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
      tf.add(infoNCE(x as tf.Tensor2D, y as tf.Tensor2D, z as tf.Tensor2D, { temperature: 0.3 }), infoNCEOverTargets(x as tf.Tensor2D, y as tf.Tensor2D, { temperature: 0.7 }));
    const reference = f(q, k, negatives);
    const meanLoss = ((runs[0]?.result['loss'] as number) + (runs[1]?.result['loss'] as number)) / 2;
    expect(Math.abs(meanLoss - (reference.dataSync()[0] as number))).toBeLessThan(1e-5);
    const grads = (tf.grads(f)([q, k, negatives]) as tf.Tensor[]).map((g) => Array.from(g.dataSync()));
    runs.forEach((run, rank) => {
      const got = run.result['grads'] as number[][];
      got.forEach((g, i) => expect(maxAbsDiff(g, (grads[i] as number[]).slice(rank * 15, rank * 15 + 15).map((v) => 2 * v))).toBeLessThan(1e-5));
    });
    tf.dispose([...a, ...b, na, nb, q, k, negatives, reference]);
  }, 180_000);

  it.each(['simclr', 'simclr-multi-crop', 'moco-v2', 'barlow-twins', 'vicreg', 'simclr-sync-bn'])(
    '%s on 2 ranks of 4 equals one process of 8: losses and every weight (MoCo: its queue too; sync-bn: running statistics too)', async (scenario) => {
    const runs = await runRanks(scenario);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const { method, images } = buildScenario(scenario, 1);
    const data = tensorDataset(images);
    const single = await fit(method, data, { ...SCENARIO_FIT, batchSize: SCENARIO_SINGLE_BATCH });
    const weights = method.variables.filter((v) => v.variable.dtype === 'float32').map((v) => Array.from(v.variable.dataSync()));
    method.dispose();
    data.dispose?.();
    for (const run of runs) {
      // Float32 sums in another order (batch statistics too), through 4 SGD steps: agreement to 1e-5 on weights and
      // losses of order 0.1-3.
      expect(maxAbsDiff(run.result['losses'] as number[], single.losses)).toBeLessThan(1e-5);
      const got = run.result['weights'] as number[][];
      expect(got.length).toBe(weights.length);
      got.forEach((w, i) => expect(maxAbsDiff(w, weights[i] as number[])).toBeLessThan(1e-5));
    }
  }, 240_000);
});
