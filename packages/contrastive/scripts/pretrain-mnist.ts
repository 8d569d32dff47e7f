/**
 * Pretrains SimCLR, MoCo v2 and BYOL on the embedded MNIST digits for a fixed wall-clock budget each (default 180 s),
 * and compares the linear-probe accuracy of the pretrained encoder with the same encoder at its random initialisation
 * (the weights it started from).
 *
 *   pnpm run pretrain-mnist                                   # from packages/contrastive
 *   npx tsx scripts/pretrain-mnist.ts --budget 60 --methods simclr,byol --encoder mlp
 *
 * Prints a table and writes scripts/results/pretrain-mnist.json. The sibling packages are read from source (through the
 * workspace's tsconfig paths), so nothing needs building first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {
  type Encoder,
  type ImageDataset,
  type SSLMethod,
  createRng,
  currentBackend,
  fit,
  initBackend,
} from '@selfsup/tensors';
import { loadMnist } from '@selfsup/tensors/node';
import { colorJitter, compose, gaussianBlur, randomApply, randomResizedCrop, randomSolarize } from '@selfsup/augment';
import type { ImageTransform } from '@selfsup/augment';
import {
  byolPredictionHead,
  byolProjectionHead,
  convNet,
  mlp,
  mocoV2ProjectionHead,
  simclrProjectionHead,
} from '@selfsup/encoders';
import { linearProbe } from '@selfsup/eval';
import { byol, mocoV2, simclr } from '../src/index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const budget = Number(arg('budget', '180'));
const methods = arg('methods', 'simclr,mocoV2,byol').split(',');
const seed = Number(arg('seed', '0'));
const batchSize = Number(arg('batch', '128'));
const encoderKind = arg('encoder', 'auto');
// Adam learning rates that did best in 60-second trials (1e-3 was too low for so few steps).
const LEARNING_RATES: Record<string, number> = { simclr: 3e-3, mocoV2: 3e-3, byol: 6e-3 };
const lrOverride = args.includes('--lr') ? Number(arg('lr', '')) : undefined;
const byolBase = Number(arg('byol-tau', '0.99'));
const skipRandom = args.includes('--skip-random');

const report = await initBackend();
const convTrainable = tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined;
const kind = encoderKind === 'auto' ? (convTrainable ? 'conv' : 'mlp') : encoderKind;
console.log(`backend: ${report.backend} (${report.reason}); encoder: ${kind}; budget ${budget} s per method; ${cpus().length} cpus`);

function makeEncoder(s: number): Encoder {
  return kind === 'conv'
    ? convNet({ inputShape: [28, 28, 1], channels: [32, 64, 128], strides: [2, 2, 2], seed: s })
    : mlp({ inputShape: [28, 28, 1], hiddenDims: [512], outputDim: 128, batchNorm: true, seed: s });
}

// Digit-appropriate views built from @selfsup/augment's transforms: crops that keep most of the digit, no flips
// (a mirrored 2 is not a 2), brightness/contrast jitter (hue and saturation do nothing on one channel), blur.
const crop = randomResizedCrop({ size: [28, 28], scale: [0.35, 1], ratio: [3 / 4, 4 / 3], flip: 0 });
const jitter = randomApply(colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0, hue: 0 }), 0.8);
const blur = (p: number) => randomApply(gaussianBlur({ kernelSize: 3, sigma: [0.1, 1.0] }), p);
const simclrViews: ImageTransform = compose([crop, jitter, blur(0.5)]);
const byolViews: [ImageTransform, ImageTransform] = [compose([crop, jitter, blur(1)]), compose([crop, jitter, blur(0.1), randomSolarize({ p: 0.2 })])];

function buildMethod(name: string, encoder: Encoder): SSLMethod {
  const d = encoder.outputDim;
  if (name === 'simclr') {
    return simclr({ encoder, projectionHead: simclrProjectionHead({ inputDim: d, outputDim: 64, seed: seed + 1 }), views: simclrViews, temperature: 0.5 });
  }
  if (name === 'mocoV2') {
    // The key encoder and head default to momentumCopy(encoder) and momentumCopy(projectionHead).
    return mocoV2({
      encoder,
      projectionHead: mocoV2ProjectionHead({ inputDim: d, hiddenDim: 256, outputDim: 64, seed: seed + 1 }),
      views: simclrViews,
      queueSize: 4096,
      momentum: 0.99,
      rng: createRng(seed + 2),
    });
  }
  if (name === 'byol') {
    // The target encoder and projector default to momentum copies of the online ones.
    return byol({
      encoder,
      projector: byolProjectionHead({ inputDim: d, hiddenDim: 256, outputDim: 64, seed: seed + 1 }),
      predictor: byolPredictionHead({ inputDim: 64, hiddenDim: 256, outputDim: 64, seed: seed + 2 }),
      views: byolViews,
      baseMomentum: byolBase,
    });
  }
  throw new Error(`unknown method ${name}`);
}

/** Test top-1 of @selfsup/eval's linear probe (frozen encoder, SGD sweep on a validation split, then all of train). */
async function probe(encoder: Encoder, train: ImageDataset, test: ImageDataset): Promise<number> {
  return (await linearProbe(encoder, train, test, { seed })).top1;
}

const train = loadMnist('train');
const test = loadMnist('test');
const rows: Record<string, unknown>[] = [];
for (const name of methods) {
  const encoder = makeEncoder(seed);
  const randomTop1 = skipRandom ? Number.NaN : await probe(encoder, train, test);
  const method = buildMethod(name, encoder);
  // Time three steps (they train too; the first includes warm-up), then plan the cosine schedule over the steps the
  // rest of the budget holds at the fastest later step's pace. The budget is also a hard stop.
  const started = performance.now();
  const learningRate = lrOverride ?? LEARNING_RATES[name] ?? 3e-3;
  const warm = await fit(method, train, { batchSize, maxSteps: 3, learningRate, schedule: { type: 'constant' }, seed, progress: false });
  const perStep = Math.min(...warm.history.slice(1).map((h) => batchSize / h.imagesPerSecond));
  const left = budget - (performance.now() - started) / 1000;
  const steps = Math.max(1, Math.floor(left / perStep));
  const result = await fit(method, train, {
    batchSize,
    epochs: 1000,
    maxSteps: steps,
    timeBudgetSeconds: left,
    learningRate,
    schedule: { type: 'cosine', warmupSteps: Math.min(20, Math.floor(steps / 10)) },
    seed: seed + 1,
    progress: false,
  });
  const seconds = (performance.now() - started) / 1000;
  const pretrainedTop1 = await probe(method.encoder, train, test);
  const row = {
    method: name,
    learningRate,
    encoder: kind,
    steps: warm.steps + result.steps,
    epochs: ((warm.steps + result.steps) * batchSize) / train.size,
    seconds: Number(seconds.toFixed(1)),
    firstLoss: Number(warm.losses[0]?.toFixed(4)),
    lastLoss: Number(result.losses.at(-1)?.toFixed(4)),
    randomInitTop1: Number(randomTop1.toFixed(4)),
    pretrainedTop1: Number(pretrainedTop1.toFixed(4)),
  };
  console.log(JSON.stringify(row));
  rows.push(row);
  method.dispose();
}

console.log('\n| method | encoder | steps | epochs | seconds | random-init probe top-1 | pretrained probe top-1 |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r['method']} | ${r['encoder']} | ${r['steps']} | ${(r['epochs'] as number).toFixed(2)} | ${r['seconds']} | ${((r['randomInitTop1'] as number) * 100).toFixed(1)}% | ${((r['pretrainedTop1'] as number) * 100).toFixed(1)}% |`,
  );
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/pretrain-mnist.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), backend: currentBackend(), cpus: cpus().length, budget, batchSize, seed, rows }, null, 1),
);
