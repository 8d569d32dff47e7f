/**
 * Throughput of the encoders: images/s of a forward pass (inference mode) and of forward + backward (training-mode
 * batch norm, gradients of every trainable variable, no optimizer update), for ResNet-18 with the CIFAR stem and for
 * the default convNet, on 32x32x3 images. The default backend (wasm, after initBackend registers selfsup's kernels)
 * runs batch 128, timed after a warm-up (median of --steps runs). The stock cpu backend, pure JavaScript, runs a small
 * batch once after a forward warm-up: 8 images forward, and for forward + backward 1 image for ResNet-18 and 2 for the
 * convNet, because its Conv2DBackpropFilter kernel alone takes about 3 minutes per ResNet-18 image.
 *
 *   npx tsx bench/encoders.ts                  # from packages/encoders (about 10 minutes, mostly the cpu backend)
 *   npx tsx bench/encoders.ts --steps 5 --skip-cpu
 *   npx tsx bench/encoders.ts --cpu-batch 4 --cpu-train-batch 1
 *
 * Prints a table and writes bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, Encoder } from '@selfsup/tensors';
import { countParameters, createRng, currentBackend, initBackend, withBackend } from '@selfsup/tensors';
import { convNet, resnet } from '../src/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer; got ${args[i + 1]}`);
  return value;
};
const BATCH = option('batch', 128);
const CPU_BATCH = option('cpu-batch', 8);
const CPU_TRAIN_BATCH = args.includes('--cpu-train-batch') ? option('cpu-train-batch', 1) : undefined;
const STEPS = option('steps', 3);
const skipCpu = args.includes('--skip-cpu');

interface Row {
  model: string;
  backend: BackendName;
  forwardBatch: number;
  trainBatch: number;
  parameters: number;
  forwardImagesPerSecond: number | null;
  trainImagesPerSecond: number | null;
  forwardSecondsPerBatch: number | null;
  trainSecondsPerBatch: number | null;
  note?: string;
}

/** `cpuTrainBatch`: the stock cpu backend's forward + backward batch (its filter gradient is very slow). */
const MODELS: { name: string; build: () => Encoder; cpuTrainBatch: number }[] = [
  { name: 'resnet18-cifar', build: () => resnet({ depth: 18, stem: 'cifar', inputShape: [32, 32, 3], seed: 1 }), cpuTrainBatch: 1 },
  { name: 'convNet (32-64-128, BN)', build: () => convNet({ inputShape: [32, 32, 3], seed: 1 }), cpuTrainBatch: 2 },
];

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function images(batch: number): tf.Tensor4D {
  return tf.tensor4d(createRng(7).uniformArray(batch * 32 * 32 * 3), [batch, 32, 32, 3]);
}

async function timeForward(encoder: Encoder, x: tf.Tensor4D): Promise<number> {
  const start = performance.now();
  const y = encoder.apply(x);
  await y.data();
  y.dispose();
  return (performance.now() - start) / 1000;
}

async function timeTrain(encoder: Encoder, x: tf.Tensor4D): Promise<number> {
  const trainable = encoder.variables.filter((v) => v.trainable).map((v) => v.variable);
  const start = performance.now();
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(encoder.apply(x, { training: true }))) as tf.Scalar, trainable);
  // Wait for every gradient, not just the loss.
  await Promise.all(Object.values(grads).map((g) => g.data()));
  tf.dispose([value, ...Object.values(grads)]);
  return (performance.now() - start) / 1000;
}

interface Plan {
  readonly forwardBatch: number;
  readonly trainBatch: (model: (typeof MODELS)[number]) => number;
  /** Timed runs (median), after one warm-up run of each kind when `warmTrain`. */
  readonly steps: number;
  readonly warmTrain: boolean;
}

async function measure(backend: BackendName, plan: Plan): Promise<Row[]> {
  const rows: Row[] = [];
  const canTrain = tf.getKernel('Conv2DBackpropFilter', backend) !== undefined;
  for (const model of MODELS) {
    const encoder = model.build();
    const x = images(plan.forwardBatch);
    process.stderr.write(`${backend} ${model.name}: warm-up...`);
    await timeForward(encoder, x);
    const forward: number[] = [];
    for (let i = 0; i < plan.steps; i++) forward.push(await timeForward(encoder, x));
    process.stderr.write(` forward ${median(forward).toFixed(2)} s per ${plan.forwardBatch}`);
    const trainBatch = plan.trainBatch(model);
    const train: number[] = [];
    if (canTrain) {
      const xt = trainBatch === plan.forwardBatch ? x : images(trainBatch);
      if (plan.warmTrain) await timeTrain(encoder, xt);
      for (let i = 0; i < plan.steps; i++) train.push(await timeTrain(encoder, xt));
      process.stderr.write(`, forward+backward ${median(train).toFixed(2)} s per ${trainBatch}`);
      if (xt !== x) xt.dispose();
    }
    process.stderr.write('\n');
    rows.push({
      model: model.name,
      backend,
      forwardBatch: plan.forwardBatch,
      trainBatch,
      parameters: countParameters(encoder),
      forwardImagesPerSecond: plan.forwardBatch / median(forward),
      trainImagesPerSecond: canTrain ? trainBatch / median(train) : null,
      forwardSecondsPerBatch: median(forward),
      trainSecondsPerBatch: canTrain ? median(train) : null,
      ...(canTrain ? {} : { note: `the ${backend} backend has no Conv2DBackpropFilter kernel (selfsup's wasm kernels not registered)` }),
    });
    x.dispose();
    encoder.dispose();
  }
  return rows;
}

const report = await initBackend();
const defaultBackend = report.backend;
const rows = await measure(defaultBackend, { forwardBatch: BATCH, trainBatch: () => BATCH, steps: STEPS, warmTrain: true });
if (!skipCpu && defaultBackend !== 'cpu') {
  const cpuPlan: Plan = { forwardBatch: CPU_BATCH, trainBatch: (m) => CPU_TRAIN_BATCH ?? m.cpuTrainBatch, steps: 1, warmTrain: false };
  rows.push(...(await withBackend('cpu', () => measure('cpu', cpuPlan))));
}

const fmt = (v: number | null) => (v === null ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(4));
const header = ['model', 'backend', 'params', 'forward img/s (batch)', 'fwd+bwd img/s (batch)'];
const table = rows.map((r) => [
  r.model,
  r.backend,
  r.parameters.toLocaleString('en-US'),
  `${fmt(r.forwardImagesPerSecond)} (${r.forwardBatch})`,
  `${fmt(r.trainImagesPerSecond)} (${r.trainBatch})`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] as string).length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
console.log(`\nbackend: ${report.reason}; ${cpus().length} CPU(s): ${cpus()[0]?.model ?? 'unknown'}; tfjs-core ${tf.version_core}`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
for (const r of rows) if (r.note) console.log(`note (${r.model}, ${r.backend}): ${r.note}`);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? null,
  tfjsCore: tf.version_core,
  defaultBackend: currentBackend()?.reason ?? report.reason,
  image: [32, 32, 3],
  timedRuns: { default: STEPS, cpu: 1 },
  rows,
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results.json');
