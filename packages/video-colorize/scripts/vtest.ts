/**
 * Colorization on a real video: trains the colorization model on the first 80 frames of a 120-frame video (default
 * /work/shared/data/video/vtest, 192x144), then colorises frames 81-120 from frame 80 alone and compares the mean
 * absolute ab error with copying frame 80's colors. Writes docs/vtest-colorization.png and docs/vtest.json.
 *
 * Training runs under a process-CPU-time budget (default 9.5 CPU minutes); the read-out's top-k and radius are chosen
 * on training frames only (colorising frames 41-60 from frame 40).
 *
 * The trained model is saved under runs/vtest-model; `--load 1` restores it instead of training (read-out only).
 *
 *   npx tsx scripts/vtest.ts [path/to/frames] [--cpu-minutes 9.5] [--seed 0] [--load 1]
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { countParameters, createRng, initBackend } from '@selfsup/tensors';
import { loadFrames, registerTfjsEsmResolver, restoreVariables, saveCheckpoint, writePng } from '@selfsup/tensors/node';
import { colorize, colorError, lightness, videoClipDataset, videoColorization, videoStrip } from '../src/index.js';
import { labToRgb, rgbToLab } from '@selfsup/augment';
import { type BudgetedTraining, machineInfo, trainWithCpuBudget } from './cpu-budget.js';

// Run from source (tsx), tfjs-core's extensionless ESM imports need this resolve hook before anything loads them.
await registerTfjsEsmResolver();

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.join(here, '..', '..', '..');
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
const dir = positional[0] ?? path.join(repoRoot, '..', 'shared', 'data', 'video', 'vtest');
const cpuMinutes = flag('cpu-minutes', 9.5);
const seed = flag('seed', 0);
const docs = path.join(here, '..', 'docs');

const backend = await initBackend();
console.log(`backend: ${backend.reason}`);
const video = await loadFrames(dir, { channels: 3 });
const [total, h, w] = video.shape;
if (total < 120) throw new Error(`${dir}: expected 120 frames, found ${total}`);
console.log(`${dir}: ${total} frames of ${w}x${h}`);
const trainFrames = tf.slice(video, [0, 0, 0, 0], [80, -1, -1, -1]) as tf.Tensor4D;

const rng = createRng(seed);
const netConfig = { width: 32, outputDim: 64, stride: 4, blocks: 1 } as const;
const training = { batchSize: 4, learningRate: 3e-3, frameGaps: [1, 2, 4, 8], clipLength: 4, cropSize: [64, 64] as const };
const method = videoColorization({ net: netConfig, numClusters: 16, temperature: 0.07, cropSize: training.cropSize }, rng);
method.fitColorClusters(trainFrames, { rng });
const data = videoClipDataset([trainFrames], { clipLength: training.clipLength, frameGaps: training.frameGaps });
console.log(`training on ${data.size} clips (64x64 crops) from frames 1-80 (${countParameters(method.encoder)} parameters), ${cpuMinutes} CPU min`);
const checkpointDir = path.join(here, '..', 'runs', 'vtest-model');
const load = flag('load', 0) === 1;
const result: BudgetedTraining = load
  ? ((await restoreVariables(checkpointDir, method.variables)) as unknown as BudgetedTraining)
  : await trainWithCpuBudget(method, data, { budgetSeconds: cpuMinutes * 60, batchSize: training.batchSize, learningRate: training.learningRate, seed });
if (!load) {
  await saveCheckpoint(checkpointDir, method.variables, { steps: result.steps, cpuSeconds: result.cpuSeconds, wallSeconds: result.wallSeconds, losses: [...result.losses] });
}
console.log(`trained ${result.steps} steps: ${result.cpuSeconds.toFixed(0)} CPU s, ${result.wallSeconds.toFixed(0)} wall s`);

const abOf = (rgb: tf.Tensor4D) => tf.tidy(() => tf.slice(rgbToLab(rgb), [0, 0, 0, 1], [-1, -1, -1, 2]) as tf.Tensor4D);
interface ReadOut {
  readonly topK: number;
  readonly radius?: number;
  readonly locality?: number;
}
const colorizeFrom = (ref: number, from: number, count: number, readOut: ReadOut) =>
  tf.tidy(() => {
    const reference = tf.slice(video, [ref, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    const targets = tf.slice(video, [from, 0, 0, 0], [count, -1, -1, -1]) as tf.Tensor4D;
    return colorize(lightness(reference), abOf(reference), lightness(targets), { features: method.featureExtractor, ...readOut });
  });
const describe = (r: ReadOut) => `top-${r.topK}${r.radius !== undefined ? ` radius ${r.radius}` : ''}${r.locality ? ` locality ${r.locality}` : ''}`;

// The read-out (top-k, radius) is chosen on training frames only: colorising frames 41-60 from frame 40.
const validationTruth = tf.tidy(() => abOf(tf.slice(video, [40, 0, 0, 0], [20, -1, -1, -1]) as tf.Tensor4D));
const readOuts: ReadOut[] = [1, 3].flatMap((topK) =>
  [0, 0.005, 0.02, 0.05, 0.1].flatMap((locality) => [{ topK, locality }, ...[6, 12].map((radius) => ({ topK, radius, locality }))]),
);
const candidates = readOuts.map((readOut) => {
  const predicted = colorizeFrom(39, 40, 20, readOut);
  const error = colorError(predicted, validationTruth);
  predicted.dispose();
  return { ...readOut, error };
});
const best = candidates.reduce((a, b) => (b.error < a.error ? b : a));
const bestReadOut: ReadOut = { topK: best.topK, locality: best.locality ?? 0, ...(best.radius !== undefined ? { radius: best.radius } : {}) };
const validationCopy = tf.tidy(() => colorError(tf.tile(abOf(tf.slice(video, [39, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D), [20, 1, 1, 1]), validationTruth));
console.log(`validation: copying frame 40's colors ${validationCopy.toFixed(3)}`);
console.log(`validation (frames 41-60 from frame 40): ${candidates.map((c) => `${describe(c)} ${c.error.toFixed(3)}`).join(', ')} -> ${describe(best)}`);

// Frame 80 (index 79) is the reference; frames 81-120 (indices 80-119) are colorised from it, seen in grey only.
const reference = tf.slice(video, [79, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
const targets = tf.slice(video, [80, 0, 0, 0], [40, -1, -1, -1]) as tf.Tensor4D;
const referenceAb = abOf(reference);
const truthAb = abOf(targets);
const greyTargets = lightness(targets);
const predicted = colorizeFrom(79, 80, 40, bestReadOut);
const predictedDefault = colorizeFrom(79, 80, 40, { topK: 10 });
const copied = tf.tile(referenceAb, [40, 1, 1, 1]) as tf.Tensor4D;
const errors = {
  learned: colorError(predicted, truthAb),
  learnedTop10: colorError(predictedDefault, truthAb),
  copyReference: colorError(copied, truthAb),
};
console.log(
  `mean absolute ab error, frames 81-120: learned (${describe(best)}) ${errors.learned.toFixed(3)}  (top-10, no radius ${errors.learnedTop10.toFixed(3)})  copy frame 80 ${errors.copyReference.toFixed(3)}`,
);
const perFrame = (pred: tf.Tensor4D) =>
  Array.from(tf.tidy(() => tf.mean(tf.abs(tf.sub(pred, truthAb)), [1, 2, 3]).dataSync()), (x) => Number(x.toFixed(3)));

// Picture: columns frame 80 then frames 85, 95, 105, 120; rows grey input (frame 80 in color: the reference),
// colorised, copy of frame 80's colors, truth.
const show = [4, 14, 24, 39];
const rgbWith = (ab: tf.Tensor4D) => tf.tidy(() => labToRgb(tf.concat([tf.mul(greyTargets, 100), ab], 3)) as tf.Tensor4D);
const strip = tf.tidy(() => {
  const idx = tf.tensor1d(show, 'int32');
  const row = (frames: tf.Tensor4D) => tf.concat([reference, tf.gather(frames, idx)]) as tf.Tensor4D;
  const grey = tf.tile(greyTargets, [1, 1, 1, 3]) as tf.Tensor4D;
  return videoStrip([row(grey), row(rgbWith(predicted)), row(rgbWith(copied)), row(targets)]);
});
await writePng(path.join(docs, 'vtest-colorization.png'), strip);
await writeFile(
  path.join(docs, 'vtest.json'),
  `${JSON.stringify(
    {
      command: `npx tsx scripts/vtest.ts --cpu-minutes ${cpuMinutes} --seed ${seed}`,
      machine: machineInfo(backend.backend),
      video: { frames: total, width: w, height: h, train: '1-80', reference: 80, colorised: '81-120' },
      model: { net: netConfig, numClusters: 16, temperature: 0.07, parameters: countParameters(method.encoder) },
      training: { ...training, steps: result.steps, cpuSeconds: Math.round(result.cpuSeconds), wallSeconds: Math.round(result.wallSeconds), firstLoss: result.losses[0], lastLosses: result.losses.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, result.losses.length) },
      validation: { copyReference: validationCopy, candidates },
      readOut: bestReadOut,
      errors,
      perFrame: { learned: perFrame(predicted), copyReference: perFrame(copied) },
    },
    null,
    2,
  )}\n`,
);
console.log('wrote docs/vtest-colorization.png and docs/vtest.json');
tf.dispose([video, trainFrames, validationTruth, reference, targets, referenceAb, truthAb, greyTargets, predicted, predictedDefault, copied, strip]);
method.dispose();
