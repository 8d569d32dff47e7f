/**
 * Label-propagation benchmark on synthetic videos: trains the colorization model on unlabelled synthetic videos under
 * a process-CPU-time budget, then propagates the first-frame masks of held-out videos (other seeds) and reports DAVIS
 * J, F and J&F for
 *   1. copying the first-frame mask,
 *   2. the same propagation on raw Lab pixels (`labPixelFeatures`, per-cell mean and 4x4 patch),
 *   3. the same propagation on the learned embedding.
 * Writes docs/synthetic-propagation.png (one held-out video: truth, learned, raw Lab, copy) and
 * docs/synthetic-benchmark.json.
 *
 *   npx tsx scripts/synthetic-benchmark.ts [--cpu-minutes 9.5] [--seed 0] [--train 96] [--test 16]
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { countParameters, createRng, initBackend } from '@selfsup/tensors';
import { registerTfjsEsmResolver, writePng } from '@selfsup/tensors/node';
import {
  type FeatureExtractor,
  type SegmentationEvaluation,
  type SyntheticVideo,
  evaluateSegmentation,
  labPixelFeatures,
  overlayMasks,
  propagateLabels,
  syntheticVideos,
  videoClipDataset,
  videoColorization,
  videoStrip,
} from '../src/index.js';
import { machineInfo, trainWithCpuBudget } from './cpu-budget.js';

// Run from source (tsx), tfjs-core's extensionless ESM imports need this resolve hook before anything loads them.
await registerTfjsEsmResolver();

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const cpuMinutes = arg('cpu-minutes', 9.5);
const seed = arg('seed', 0);
const trainCount = arg('train', 96);
const testCount = arg('test', 16);
const here = path.dirname(fileURLToPath(import.meta.url));
const docs = path.join(here, '..', 'docs');

const backend = await initBackend();
console.log(`backend: ${backend.reason}`);
const videoOptions = { height: 64, width: 64, frames: 24, objects: 3 };
// Training and held-out videos come from different seeds: no held-out video is seen in training, and no mask is.
const train = syntheticVideos(trainCount, 1 + seed, videoOptions);
const test = syntheticVideos(testCount, 100000 + seed, videoOptions);
for (const v of train) v.masks.dispose();

const netConfig = { width: 32, outputDim: 64, stride: 4, blocks: 1 } as const;
const training = { batchSize: 4, learningRate: 3e-3, frameGaps: [1, 2, 4], clipLength: 4 };
const rng = createRng(seed);
const method = videoColorization({ net: netConfig, numClusters: 16, temperature: 0.07, clipLength: training.clipLength }, rng);
const trainFrames = tf.concat(train.map((v) => v.frames)) as tf.Tensor4D;
method.fitColorClusters(trainFrames, { rng });
trainFrames.dispose();
const data = videoClipDataset(
  train.map((v) => v.frames),
  { clipLength: training.clipLength, frameGaps: training.frameGaps },
);
console.log(`training on ${data.size} clips from ${trainCount} videos (${countParameters(method.encoder)} parameters), ${cpuMinutes} CPU min`);
const result = await trainWithCpuBudget(method, data, { budgetSeconds: cpuMinutes * 60, batchSize: training.batchSize, learningRate: training.learningRate, seed });
console.log(`trained ${result.steps} steps: ${result.cpuSeconds.toFixed(0)} CPU s, ${result.wallSeconds.toFixed(0)} wall s (${result.stoppedBy})`);

const protocol = { contextFrames: 20, radius: 12, topK: 10, temperature: 0.07, labelResolution: 'pixel' } as const;
const firstMask = (video: SyntheticVideo) => {
  const [, h, w] = video.masks.shape;
  return tf.tidy(() => tf.reshape(tf.slice(video.masks, [0, 0, 0], [1, -1, -1]), [h, w])) as tf.Tensor2D;
};
const propagate = (features: FeatureExtractor, video: SyntheticVideo) => {
  const first = firstMask(video);
  const out = propagateLabels(video.frames, first, { features, ...protocol });
  first.dispose();
  return out.masks;
};
const copyFirst = (video: SyntheticVideo) =>
  tf.tidy(() => tf.tile(tf.slice(video.masks, [0, 0, 0], [1, -1, -1]), [video.masks.shape[0], 1, 1])) as tf.Tensor3D;

const methods: Record<string, (v: SyntheticVideo) => tf.Tensor3D> = {
  copyFirstMask: copyFirst,
  rawLabCellMean: (v) => propagate(labPixelFeatures({ mode: 'mean' }), v),
  rawLabPatch: (v) => propagate(labPixelFeatures({ mode: 'patch' }), v),
  learnedEmbedding: (v) => propagate(method.featureExtractor, v),
};
const scores: Record<string, { j: number; f: number; jf: number; perVideoJF: number[] }> = {};
const evalStart = performance.now();
for (const [name, run] of Object.entries(methods)) {
  const evals: SegmentationEvaluation[] = test.map((v) => {
    const masks = run(v);
    const e = evaluateSegmentation(masks, v.masks);
    masks.dispose();
    return e;
  });
  // As the DAVIS-2017 evaluation: J and F averaged over every object of the data set, J&F their mean.
  const objects = evals.flatMap((e) => e.perObject);
  const j = objects.reduce((s, o) => s + o.j, 0) / objects.length;
  const f = objects.reduce((s, o) => s + o.f, 0) / objects.length;
  scores[name] = { j, f, jf: (j + f) / 2, perVideoJF: evals.map((e) => Number(e.jf.toFixed(3))) };
  console.log(`${name.padEnd(18)} J ${j.toFixed(3)}  F ${f.toFixed(3)}  J&F ${((j + f) / 2).toFixed(3)}`);
}
console.log(`evaluation: ${((performance.now() - evalStart) / 1000).toFixed(0)} s`);

// Picture: held-out video 0, every third frame; rows: truth, learned, raw Lab (patch), copy of the first mask.
const video = test[0] as SyntheticVideo;
const pick = tf.tensor1d(Array.from({ length: 8 }, (_, i) => Math.min(i * 3 + (i === 7 ? 2 : 0), 23)), 'int32');
const rows = tf.tidy(() => {
  const frames = tf.gather(video.frames, pick) as tf.Tensor4D;
  const masks = [video.masks, propagate(method.featureExtractor, video), propagate(labPixelFeatures({ mode: 'patch' }), video), copyFirst(video)];
  return masks.map((m) => overlayMasks(frames, tf.gather(m, pick) as tf.Tensor3D));
});
const strip = videoStrip(rows);
await writePng(path.join(docs, 'synthetic-propagation.png'), strip);
await writeFile(
  path.join(docs, 'synthetic-benchmark.json'),
  `${JSON.stringify(
    {
      command: `npx tsx scripts/synthetic-benchmark.ts --cpu-minutes ${cpuMinutes} --seed ${seed} --train ${trainCount} --test ${testCount}`,
      machine: machineInfo(backend.backend),
      trainVideos: { count: trainCount, seeds: `${1 + seed}..`, ...videoOptions },
      testVideos: { count: testCount, seeds: `${100000 + seed}..`, objects: test.reduce((s, v) => s + v.numObjects, 0) },
      model: { net: netConfig, numClusters: 16, temperature: 0.07, parameters: countParameters(method.encoder) },
      training: { ...training, steps: result.steps, cpuSeconds: Math.round(result.cpuSeconds), wallSeconds: Math.round(result.wallSeconds), firstLoss: result.losses[0], lastLosses: result.losses.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, result.losses.length) },
      protocol,
      scores,
    },
    null,
    2,
  )}\n`,
);
console.log('wrote docs/synthetic-propagation.png and docs/synthetic-benchmark.json');
tf.dispose([pick, strip, ...rows]);
for (const v of test) tf.dispose([v.frames, v.masks]);
for (const v of train) v.frames.dispose();
method.dispose();
