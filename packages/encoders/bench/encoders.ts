/**
 * Throughput of the encoders: images/s of a forward pass (inference mode) and of forward + backward (training-mode
 * batch norm, gradients of every trainable variable, no optimizer update), for ResNet-18 with the CIFAR stem and for
 * the default convNet, on 32x32x3 images. The default backend (wasm, after initBackend registers selfsup's kernels)
 * runs batch 128; the stock cpu backend, pure JavaScript, runs a small batch (default 8) and is reported per image.
 *
 *   npx tsx bench/encoders.ts                  # from packages/encoders
 *   npx tsx bench/encoders.ts --steps 5 --cpu-batch 4 --skip-cpu
 *
 * Prints a table and writes bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, Encoder } from '@selfsup/tensors';
import { countParameters, createRng, currentBackend, initBackend, withBackend } from '@selfsup/tensors';
import { convNet, resnet } from '../src/index.js';

// initBackend loads tfjs-core's gradients from its ESM files, which plain Node cannot resolve (see the hook).
register('./tfjs-esm-hook.mjs', import.meta.url);

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
const STEPS = option('steps', 3);
const CPU_STEPS = option('cpu-steps', 1);
const skipCpu = args.includes('--skip-cpu');

interface Row {
  model: string;
  backend: BackendName;
  batch: number;
  parameters: number;
  forwardImagesPerSecond: number | null;
  trainImagesPerSecond: number | null;
  forwardSecondsPerBatch: number | null;
  trainSecondsPerBatch: number | null;
  note?: string;
}

const MODELS: { name: string; build: () => Encoder }[] = [
  { name: 'resnet18-cifar', build: () => resnet({ depth: 18, stem: 'cifar', inputShape: [32, 32, 3], seed: 1 }) },
  { name: 'convNet (32-64-128, BN)', build: () => convNet({ inputShape: [32, 32, 3], seed: 1 }) },
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

async function measure(backend: BackendName, batch: number, steps: number): Promise<Row[]> {
  const rows: Row[] = [];
  const canTrain = tf.getKernel('Conv2DBackpropFilter', backend) !== undefined;
  for (const model of MODELS) {
    const encoder = model.build();
    const x = images(batch);
    process.stderr.write(`${backend} ${model.name} batch ${batch}: warm-up...`);
    await timeForward(encoder, x);
    const forward: number[] = [];
    for (let i = 0; i < steps; i++) forward.push(await timeForward(encoder, x));
    process.stderr.write(` forward ${median(forward).toFixed(2)} s/batch`);
    const train: number[] = [];
    if (canTrain) {
      await timeTrain(encoder, x);
      for (let i = 0; i < steps; i++) train.push(await timeTrain(encoder, x));
      process.stderr.write(`, forward+backward ${median(train).toFixed(2)} s/batch`);
    }
    process.stderr.write('\n');
    rows.push({
      model: model.name,
      backend,
      batch,
      parameters: countParameters(encoder),
      forwardImagesPerSecond: batch / median(forward),
      trainImagesPerSecond: canTrain ? batch / median(train) : null,
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
const rows = await measure(defaultBackend, BATCH, STEPS);
if (!skipCpu && defaultBackend !== 'cpu') rows.push(...(await withBackend('cpu', () => measure('cpu', CPU_BATCH, CPU_STEPS))));

const fmt = (v: number | null) => (v === null ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const header = ['model', 'backend', 'batch', 'params', 'forward img/s', 'fwd+bwd img/s'];
const table = rows.map((r) => [r.model, r.backend, String(r.batch), r.parameters.toLocaleString('en-US'), fmt(r.forwardImagesPerSecond), fmt(r.trainImagesPerSecond)]);
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
  steps: { default: STEPS, cpu: CPU_STEPS },
  rows,
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results.json');
