/**
 * One workload on one tfjs backend, for bench/run.mjs (which runs each in its own process: backends and kernel
 * registrations are process-wide). Run from the repo root with the source paths of tsconfig.dev.json:
 *
 *   TSX_TSCONFIG_PATH=tsconfig.dev.json npx tsx bench/simclr.ts --workload simclr-resnet18 --peer wasm-native \
 *     --batch 128 --steps 3 --warmup 1 --out /tmp/r.json [--export DIR]
 *
 * Workloads: simclr-resnet18 (ResNet-18 CIFAR stem + SimCLR head, two views of `batch` 32x32x3 images, NT-Xent,
 * SGD), simclr-convnet (the CLI's default convNet on 28x28x1), embed-resnet18 (forward only, `batch` images per call,
 * `--images` in all). Peers: cpu, wasm-stock (tfjs-backend-wasm without selfsup's kernels), wasm (selfsup's default
 * wasm kernels, native off), wasm-native (oneDNN kernels), webgpu (a GPU through Dawn; bench/gpu/run.sh). `--export DIR` writes the initial weights, the inputs and
 * the loss for bench/peers/simclr_peer.py's equal-work check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ntXent } from '@selfsup/contrastive';
import { buildEncoder, simclrProjectionHead } from '@selfsup/encoders';
import { type Encoder, type NamedVariable, countParameters, createRng, initBackend } from '@selfsup/tensors';
import { gpuPackLoader } from './gpu/loader.js';

const args = process.argv.slice(2);
const option = (name: string, fallback?: string): string => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
};
const integer = (name: string, fallback: number): number => {
  const value = Number(option(name, String(fallback)));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes an integer >= 0`);
  return value;
};

const WORKLOADS = ['simclr-resnet18', 'simclr-convnet', 'embed-resnet18'] as const;
type Workload = (typeof WORKLOADS)[number];
const PEERS = ['cpu', 'wasm-stock', 'wasm', 'wasm-native', 'webgpu'] as const;
type Peer = (typeof PEERS)[number];

const workload = option('workload') as Workload;
const peer = option('peer') as Peer;
if (!WORKLOADS.includes(workload)) throw new Error(`--workload must be one of ${WORKLOADS.join(', ')}`);
if (!PEERS.includes(peer)) throw new Error(`--peer must be one of ${PEERS.join(', ')}`);
const batch = integer('batch', 128);
const steps = integer('steps', 3);
const warmup = integer('warmup', 1);
const images = integer('images', 1024);
const width = Number(option('width', '1'));
const out = option('out');
const exportDir = args.includes('--export') ? option('export') : undefined;
const TEMPERATURE = 0.5;
const LEARNING_RATE = 0.01;

async function selectBackend(): Promise<string> {
  if (peer === 'cpu') return (await initBackend({ backend: 'cpu' })).reason;
  if (peer === 'wasm') return (await initBackend({ backend: 'wasm', native: 'off' })).reason;
  // WebGPU (a GPU machine: bench/gpu/run.sh): the adapter's name goes into the reason.
  if (peer === 'webgpu') {
    const report = await initBackend({ backend: 'webgpu', loader: gpuPackLoader });
    return `${report.description}: ${report.reason}`;
  }
  if (peer === 'wasm-native') {
    const report = await initBackend({ backend: 'wasm', native: 'on' });
    return report.reason;
  }
  // Stock wasm: the package as published, none of selfsup's kernels (initBackend registers tfjs's gradients).
  await initBackend({ backend: 'cpu' });
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('stock wasm failed to initialise');
  await tf.ready();
  return 'stock @tensorflow/tfjs-backend-wasm 4.22, no selfsup kernels';
}

function buildModel(): { encoder: Encoder; head: ReturnType<typeof simclrProjectionHead> | undefined; shape: [number, number, number] } {
  if (workload === 'simclr-convnet') {
    const shape: [number, number, number] = [28, 28, 1];
    const encoder = buildEncoder('convNet', { inputShape: shape, channels: [32, 64, 128], strides: [1, 2, 2], seed: 1 });
    return { encoder, head: simclrProjectionHead({ inputDim: encoder.outputDim, outputDim: 128, rng: createRng(2) }), shape };
  }
  const shape: [number, number, number] = [32, 32, 3];
  const encoder = buildEncoder('resnet', { depth: 18, stem: 'cifar', width, inputShape: shape, seed: 1 });
  const head = workload === 'embed-resnet18' ? undefined : simclrProjectionHead({ inputDim: encoder.outputDim, outputDim: 128, rng: createRng(2) });
  return { encoder, head, shape };
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

async function exportState(dir: string, variables: readonly NamedVariable[], inputs: tf.Tensor[], check: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const entries: { name: string; shape: number[]; offset: number }[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (name: string, t: tf.Tensor, values: Float32Array) => {
    entries.push({ name, shape: t.shape, offset });
    chunks.push(values);
    offset += values.length;
  };
  for (const v of variables) add(v.name, v.variable, Float32Array.from(await v.variable.data()));
  for (const [i, t] of inputs.entries()) add(`input${i}`, t, Float32Array.from(await t.data()));
  const all = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  writeFileSync(join(dir, 'state.bin'), Buffer.from(all.buffer));
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ workload, batch, width, images, temperature: TEMPERATURE, learningRate: LEARNING_RATE, check, entries }, null, 1));
}

async function main(): Promise<void> {
  const backend = await selectBackend();
  const { encoder, head, shape } = buildModel();
  const variables = [...encoder.variables, ...(head?.variables ?? [])];
  const parameters = countParameters(encoder) + (head ? countParameters(head) : 0);
  const rng = createRng(3);
  const result: Record<string, unknown> = { workload, peer, backend, batch, width, parameters, tfjsBackend: tf.getBackend() };
  const t0 = performance.now();
  if (head !== undefined) {
    const views = [0, 1].map(() => tf.tensor4d(rng.uniformArray(batch * shape[0] * shape[1] * shape[2], 0, 1), [batch, ...shape]));
    const [v1, v2] = views as [tf.Tensor4D, tf.Tensor4D];
    const lossFn = () =>
      tf.tidy(() => {
        // As SimCLR's embedBoth: both views through the encoder as one batch of 2N.
        const z = head.apply(encoder.apply(tf.concat([v1, v2], 0), { training: true }), { training: true });
        const [z1, z2] = tf.split(z, [batch, batch], 0) as [tf.Tensor2D, tf.Tensor2D];
        return ntXent(z1, z2, { temperature: TEMPERATURE });
      });
    // Equal-work value: the loss at the initial weights (batch statistics, as in training).
    const first = lossFn();
    const check = (await first.data())[0] as number;
    first.dispose();
    result['check'] = check;
    if (exportDir !== undefined) await exportState(exportDir, variables, [v1, v2], check);
    const trainable = variables.filter((v) => v.trainable).map((v) => v.variable);
    const optimizer = tf.train.sgd(LEARNING_RATE);
    const wall: number[] = [];
    const cpu: number[] = [];
    const losses: number[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      const start = performance.now();
      const usage = process.cpuUsage();
      const loss = optimizer.minimize(lossFn, true, trainable) as tf.Scalar;
      losses.push((await loss.data())[0] as number);
      loss.dispose();
      if (i >= warmup) {
        wall.push((performance.now() - start) / 1000);
        cpu.push(cpuSeconds(usage));
      }
      process.stderr.write(`  ${peer} ${workload} step ${i + 1}/${warmup + steps}: ${((performance.now() - start) / 1000).toFixed(2)} s\n`);
    }
    optimizer.dispose();
    tf.dispose(views);
    Object.assign(result, { imagesPerStep: 2 * batch, wall, cpu, losses });
  } else {
    const input = tf.tensor4d(rng.uniformArray(batch * shape[0] * shape[1] * shape[2], 0, 1), [batch, ...shape]);
    const embed = () => tf.tidy(() => encoder.apply(input, { training: false }));
    const first = embed();
    result['check'] = (await tf.mean(first).data())[0];
    first.dispose();
    if (exportDir !== undefined) await exportState(exportDir, variables, [input], result['check'] as number);
    const calls = Math.max(1, Math.round(images / batch));
    // Warm-up: `warmup` single calls (primitive creation, heap growth); then `steps` timed passes over all the images.
    for (let i = 0; i < warmup; i++) {
      const e = embed();
      await e.data();
      e.dispose();
    }
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      const usage = process.cpuUsage();
      for (let c = 0; c < calls; c++) {
        const e = embed();
        await e.data();
        e.dispose();
      }
      wall.push((performance.now() - start) / 1000);
      cpu.push(cpuSeconds(usage));
      process.stderr.write(`  ${peer} ${workload} pass ${i + 1}/${steps}: ${((performance.now() - start) / 1000).toFixed(2)} s\n`);
    }
    tf.dispose(input);
    Object.assign(result, { imagesPerStep: calls * batch, wall, cpu });
  }
  result['totalSeconds'] = (performance.now() - t0) / 1000;
  encoder.dispose();
  head?.dispose();
  writeFileSync(out, JSON.stringify(result));
}

main().catch((error: unknown) => {
  const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const message = peer === 'wasm-stock' && /not registered/.test(text ?? '') ? `cannot train: ${text}` : text;
  writeFileSync(out, JSON.stringify({ workload, peer, error: message }));
  process.stderr.write(`  ${peer} ${workload}: ${message}\n`);
  process.exitCode = 0;
});
