#!/usr/bin/env node
// Probes embeddings computed elsewhere (bench/peers/simclr_twin.py's features.json + .f32 / .i32 files) with the probes
// of `selfsup eval`: @selfsup/eval's probeFeatures (what evaluateEncoder calls once it has extracted features) with
// @selfsup/cli's evalProbeOptions (the command's k-NN preset, linear-probe SGD sweep, validation fraction and seed),
// on the compute backend `selfsup eval` picks. Nothing of the probes is restated here.
//
//   node bench/peers/probe-features.mjs --features DIR [--seed 0] [--limit N] [--probe knn,linear] [--out result.json]
//
// Prints one JSON line { knn, linear, results, ... } (top-1 in [0, 1]) and writes it to --out when given. Needs the
// packages built (pnpm --filter "@selfsup/cli..." build).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const load = async (pkg) => {
  const file = join(root, 'packages', pkg, 'dist', 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx -y pnpm@10 --filter "@selfsup/cli..." build)`);
  return import(pathToFileURL(file).href);
};

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};

/** Reads a features.json directory: { train, test } of { features: Float32Array, labels: Int32Array, size }, dim, numClasses. */
export function readFeatureFiles(dir, limit) {
  const meta = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8'));
  if (meta.dtype !== 'float32-le') throw new Error(`${dir}/features.json: dtype ${meta.dtype}; expected float32-le`);
  const split = (s) => {
    const bytes = readFileSync(join(dir, s.features));
    const features = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const labelBytes = readFileSync(join(dir, s.labels));
    const labels = new Int32Array(labelBytes.buffer, labelBytes.byteOffset, labelBytes.byteLength / 4);
    if (features.length !== s.size * meta.dim || labels.length !== s.size) {
      throw new Error(`${dir}: ${s.features} holds ${features.length} values and ${s.labels} ${labels.length} labels; expected ${s.size} x ${meta.dim}`);
    }
    const n = limit !== undefined ? Math.min(limit, s.size) : s.size;
    return { name: n < s.size ? `${s.name}[:${n}]` : s.name, size: n, features: features.slice(0, n * meta.dim), labels: labels.slice(0, n) };
  };
  return { meta, dim: meta.dim, numClasses: meta.numClasses, train: split(meta.train), test: split(meta.test) };
}

/** Probes the feature files of `dir` as `selfsup eval --seed <seed>` probes an encoder's embedding. */
export async function probeFeatureFiles(dir, { seed = 0, limit, probes = ['knn', 'linear'] } = {}) {
  const tensors = await load('tensors');
  const evaluation = await load('eval');
  const cli = await load('cli');
  // The tfjs-core instance @selfsup/eval's build imports (one instance holds the backend and the tensors).
  const tf = createRequire(join(root, 'packages', 'eval', 'dist', 'index.js'))('@tensorflow/tfjs-core');
  const backend = await tensors.initBackend();
  const data = readFeatureFiles(dir, limit);
  const { knn, linear } = cli.evalProbeOptions({ seed });
  const tensorOf = (s) => tf.tensor2d(s.features, [s.size, data.dim]);
  const set = (s) => ({ features: tensorOf(s), labels: s.labels, numClasses: data.numClasses });
  const train = set(data.train);
  const test = set(data.test);
  const started = performance.now();
  try {
    const { results } = evaluation.probeFeatures(train, test, {
      probes,
      knn,
      linear,
      metrics: false,
      labels: { encoder: data.meta.format ?? 'features', layer: data.meta.layer ?? 'embedding', train: data.train.name, test: data.test.name },
    });
    const top1 = Object.fromEntries(results.map((r) => [r.probe, r.top1]));
    return {
      features: resolve(dir),
      seed,
      backend: backend.description,
      train: { name: data.train.name, size: data.train.size },
      test: { name: data.test.name, size: data.test.size },
      dim: data.dim,
      knn: top1.knn ?? null,
      linear: top1.linear ?? null,
      results,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    train.features.dispose();
    test.features.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = option('features');
  if (dir === undefined) {
    console.error('usage: node bench/peers/probe-features.mjs --features DIR [--seed 0] [--limit N] [--probe knn,linear] [--out result.json]');
    process.exit(2);
  }
  const limit = option('limit') !== undefined ? Number(option('limit')) : undefined;
  const result = await probeFeatureFiles(dir, { seed: Number(option('seed', '0')), limit, probes: option('probe', 'knn,linear').split(',') });
  const out = option('out');
  if (out !== undefined) {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  }
  console.log(JSON.stringify({ knn: result.knn, linear: result.linear, train: result.train.size, test: result.test.size, backend: result.backend, seconds: result.seconds }));
}
