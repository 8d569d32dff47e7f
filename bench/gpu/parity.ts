/**
 * Parity of a tfjs backend with the cpu backend (bench/gpu/run.sh runs it on webgpu on a GPU machine): the kernels
 * training uses (forward and gradients), every contrastive loss, and 20 SGD steps of every method the CLI trains, each
 * computed on both backends in this process from the same inputs and initial weights. Prints one table row per check
 * and writes JSON; exit 1 when a check fails (a kernel the backend lacks is a failure that names it).
 *
 *   node parity.mjs [--backend webgpu] [--steps 20] [--methods a,b] [--out parity.json]
 *
 * Bundled by bench/gpu/prepare.sh (tfjs-core, the cpu and webgpu backends and selfsup in one file); from the repo:
 * TSX_TSCONFIG_PATH=tsconfig.dev.json npx tsx bench/gpu/parity.ts --backend cpu (a self-check: cpu against cpu).
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { BUILT_IN_PRESETS, registerPresetArchitectures } from '@selfsup/cli';
import { barlowTwinsLoss, byolLoss, clipLoss, infoNCE, ntXent, vicregLoss } from '@selfsup/contrastive';
import { buildEncoder } from '@selfsup/encoders';
import { type BackendName, batchNormTraining, createRng, fit, initBackend, optionDefaults, tensorDataset } from '@selfsup/tensors';
import { gpuPackLoader } from './loader.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : fallback;
};
const backend = option('backend', 'webgpu') as BackendName;
const steps = Number(option('steps', '20'));
const out = option('out', 'parity.json');
const only = option('methods', '');

interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** Largest difference relative to max(1, |reference|). */
  readonly error: number;
  readonly tolerance: number;
  readonly note?: string;
}
const checks: Check[] = [];

/** Runs `compute` on the cpu backend and on the backend under test; the same seeded inputs on both. */
async function onBoth(compute: () => Promise<number[]>): Promise<[number[], number[]]> {
  await initBackend({ backend: 'cpu', loader: gpuPackLoader });
  const reference = await compute();
  await initBackend({ backend, loader: gpuPackLoader });
  const tested = await compute();
  return [reference, tested];
}

function compare(reference: readonly number[], tested: readonly number[]): number {
  if (reference.length !== tested.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const t = tested[i] as number;
    const e = Number.isFinite(t) ? Math.abs(t - r) / Math.max(1, Math.abs(r)) : Number.POSITIVE_INFINITY;
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

async function check(name: string, tolerance: number, compute: () => Promise<number[]>): Promise<void> {
  try {
    const [reference, tested] = await onBoth(compute);
    const error = compare(reference, tested);
    checks.push({ name, ok: error <= tolerance, error, tolerance });
  } catch (e) {
    checks.push({ name, ok: false, error: Number.NaN, tolerance, note: (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '' });
  }
  const last = checks[checks.length - 1] as Check;
  process.stderr.write(`${last.ok ? 'ok  ' : 'FAIL'} ${name}: ${last.note ?? `max relative error ${last.error.toExponential(2)} (tolerance ${tolerance})`}\n`);
}

const read = async (tensors: tf.Tensor[]): Promise<number[]> => {
  const values = (await Promise.all(tensors.map((t) => t.data()))).flatMap((v) => Array.from(v as Float32Array));
  tf.dispose(tensors);
  return values;
};
const random = (shape: number[], seed: number) => tf.tensor(createRng(seed).normalArray(shape.reduce((a, b) => a * b, 1)), shape);

// ---- kernels: forward and gradients ---------------------------------------------------------------------------------
for (const [stride, pad] of [[1, 'same'], [2, 'same'], [1, 'valid']] as const) {
  await check(`conv2d 3x3 stride ${stride} ${pad}: y, dx, dw`, 1e-4, async () => {
    const x = random([4, 9, 9, 3], 1);
    const w = random([3, 3, 3, 8], 2);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)));
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
    const [dx, dw] = tf.grads(f)([x, w]);
    return read([y, dx as tf.Tensor, dw as tf.Tensor, x, w]);
  });
}
await check('matMul and its gradients', 1e-4, async () => {
  const a = random([16, 32], 3);
  const b = random([32, 8], 4);
  const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D))))([a, b]);
  return read([tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), da as tf.Tensor, db as tf.Tensor, a, b]);
});
for (const activation of ['linear', 'relu'] as const) {
  await check(`batchNormTraining (${activation}): y, mean, variance, dx, dscale, doffset`, 1e-4, async () => {
    const x = random([6, 5, 5, 4], 5);
    const scale = tf.add(random([4], 6), 1);
    const offset = random([4], 7);
    const weights = random([6, 5, 5, 4], 8);
    const { y, mean, variance } = batchNormTraining(x, scale, offset, 1e-5, { activation });
    const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, s, o, 1e-5, { activation }).y, weights)))([x, scale, offset]);
    return read([y, mean, variance, ...(grads as tf.Tensor[]), x, scale, offset, weights]);
  });
}
await check('logSoftmax, mean, max and their gradients', 1e-5, async () => {
  const x = random([8, 10], 9);
  const g = tf.grad((a: tf.Tensor) => tf.add(tf.sum(tf.logSoftmax(a)), tf.add(tf.mean(a), tf.sum(tf.max(a, 1)))))(x);
  return read([tf.logSoftmax(x), g, x]);
});

// ---- losses: values and gradients -------------------------------------------------------------------------------
type Loss = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Scalar;
const losses: [string, Loss][] = [
  ['ntXent', (a, b) => ntXent(a, b, { temperature: 0.5 })],
  ['infoNCE (shared negatives)', (a, b) => infoNCE(a, b, tf.tanh(b) as tf.Tensor2D, { temperature: 0.2 })],
  ['clipLoss', (a, b) => clipLoss(a, b, { logitScale: 10 })],
  ['byolLoss', (a, b) => byolLoss(a, b)],
  ['barlowTwinsLoss', (a, b) => barlowTwinsLoss(a, b)],
  ['vicregLoss', (a, b) => vicregLoss(a, b)],
];
for (const [name, loss] of losses) {
  await check(`${name}: value and gradients`, 1e-4, async () => {
    const a = random([12, 16], 10) as tf.Tensor2D;
    const b = random([12, 16], 11) as tf.Tensor2D;
    const value = loss(a, b);
    const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => loss(p as tf.Tensor2D, q as tf.Tensor2D))([a, b]);
    return read([value, ...(grads as tf.Tensor[]), a, b]);
  });
}

// ---- every method the CLI trains: `steps` SGD steps of a small convNet, the losses step by step ------------------------
// The encoders some methods train (colorization's labConvNet, ...) are registered by the presets that use them.
registerPresetArchitectures(BUILT_IN_PRESETS);
const images = (n: number, shape: [number, number, number]) => tf.tensor4d(createRng(12).uniformArray(n * shape[0] * shape[1] * shape[2]), [n, ...shape]);
for (const preset of BUILT_IN_PRESETS) {
  if (only !== '' && !only.split(',').includes(preset.name)) continue;
  // The methods that need colour (colorization, split-brain) get 3 channels; CLIP needs captions: skipped with a note.
  if (preset.name === 'clip') {
    checks.push({ name: `${preset.name}: ${steps} steps`, ok: true, error: 0, tolerance: 0, note: 'skipped: trains on captions (its loss is checked above)' });
    continue;
  }
  const colour = ['colorization', 'split-brain'].includes(preset.name);
  const shape: [number, number, number] = colour ? [32, 32, 3] : [28, 28, 1];
  // Loose: 20 steps through augmentations (resampling kernels) and batch statistics compound float32 differences.
  await check(`${preset.name}: ${steps} SGD steps, the losses`, 2e-3, async () => {
    const arch = preset.defaultArchitecture?.name ?? 'convNet';
    const encoder = buildEncoder(arch, {
      ...(arch === 'convNet' ? { channels: [8, 16], strides: [1, 2] } : {}),
      ...(preset.defaultArchitecture?.config ?? {}),
      inputShape: shape,
      seed: 1,
    });
    const method = preset.build({ encoder, inputShape: shape, seed: 2, batchSize: 16, options: optionDefaults(preset.options) });
    const data = tensorDataset(images(64, shape));
    try {
      const result = await fit(method, data, { batchSize: 16, maxSteps: steps, epochs: 100, learningRate: 0.01, optimizer: { type: 'sgd', momentum: 0.9 }, seed: 3, progress: false });
      return [...result.losses];
    } finally {
      method.dispose();
      data.dispose?.();
    }
  });
}

const failed = checks.filter((c) => !c.ok);
const report = await initBackend({ backend, loader: gpuPackLoader });
const table = [
  `### Parity of ${report.description} with cpu (${checks.length} checks, ${failed.length} failed)`,
  '',
  '| check | max relative error | tolerance | |',
  '| --- | ---: | ---: | --- |',
  ...checks.map((c) => `| ${c.name} | ${Number.isNaN(c.error) ? '-' : c.error.toExponential(2)} | ${c.tolerance} | ${c.ok ? 'ok' : `**failed**${c.note !== undefined ? `: ${c.note}` : ''}`} |`),
  '',
].join('\n');
writeFileSync(out, JSON.stringify({ backend: report.description, adapter: report.adapter ?? null, checks }, null, 1));
console.log(table);
process.exitCode = failed.length > 0 ? 1 : 0;
