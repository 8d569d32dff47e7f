#!/usr/bin/env node
// Correctness check of the PyTorch twin (bench/peers/simclr_twin.py) against selfsup, run by hand (not in CI: no torch
// there). selfsup computes on fixed inputs; the twin (`simclr_twin.py --self-check`) recomputes the same and reports the
// differences:
//   1. trainable parameter count of the SimCLR method (convNet + projection head) as the CLI builds it;
//   2. NT-Xent on fixed embeddings (two temperatures), to 1e-5;
//   3. the view operations on fixed parameters and real Fashion-MNIST images: resized crops (boxes and flips given),
//      Gaussian blur (sigmas given; the SimCLR kernel size and a wider one), brightness, contrast, solarize;
//   4. the random views as a whole: per-image statistics of both views of the same 2048 images (different generators,
//      so within 4 standard errors), and the crop boxes' moments;
//   5. the learning-rate schedule `fit` follows for two recipes (cosine with warm-up epochs, linear scaling and a final
//      lr; constant with warm-up steps), read back from fit's history;
//   6. a run of both for --budget CPU-s (default 30) on --limit images (default 2000) through bench/time-to-accuracy.mjs,
//      which must complete and yield probe numbers; then the trained selfsup encoder's embeddings of 64 test images,
//      recomputed by the twin from the saved checkpoint (same architecture, eval-mode batch norm).
//
//   node bench/peers/check_twin.mjs [--budget 30] [--limit 2000] [--skip-run] [--python /usr/bin/python3]
//
// Prints each check with its figure and PASS / FAIL, writes bench/results/twin-check.json, exits 1 on a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const budget = option('budget', '30');
const limit = option('limit', '2000');
const python = option('python', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const dist = (pkg, entry = 'index') => pathToFileURL(join(root, 'packages', pkg, 'dist', `${entry}.js`)).href;
const tensors = await import(dist('tensors'));
const tensorsNode = await import(dist('tensors', 'node'));
const augment = await import(dist('augment'));
const encoders = await import(dist('encoders'));
const encodersNode = await import(dist('encoders', 'node'));
const contrastive = await import(dist('contrastive'));
const tf = createRequire(join(root, 'packages', 'augment', 'dist', 'index.js'))('@tensorflow/tfjs-core');

process.env.SELFSUP_NATIVE_THREADS ??= '1';
const backend = await tensors.initBackend();
const work = join(tmpdir(), 'selfsup-twin-check');
mkdirSync(work, { recursive: true });
const flat = (t) => Array.from(t.dataSync());

// 6 first (the embedding check needs a trained encoder): the short run of both.
let comparison;
if (!argv.includes('--skip-run')) {
  const name = 'twin-check-run';
  console.error(`running both for ${budget} CPU-s on ${limit} images (bench/time-to-accuracy.mjs --name ${name})`);
  const child = spawnSync(process.execPath, [join(root, 'bench', 'time-to-accuracy.mjs'), '--budget', budget, '--limit', limit, '--seeds', '1', '--name', name, '--work', join(work, 'run'), '--python', python], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`bench/time-to-accuracy.mjs exited with ${child.status}`);
  comparison = JSON.parse(readFileSync(join(root, 'bench', 'results', `${name}.json`), 'utf8'));
}

// 1. Parameters: the SimCLR method of the CLI's preset around the CLI's default convNet for 28x28x1.
const inputShape = [28, 28, 1];
const encoderConfig = encoders.defaultArchitectureConfig('convNet', inputShape, 0);
const presetOptions = tensors.optionDefaults(contrastive.simclrPreset.options);
const method = contrastive.simclrPreset.build({ encoder: encoders.buildEncoder('convNet', encoderConfig), inputShape, seed: 0, batchSize: 8, options: presetOptions });
const parameters = { method: tensors.countParameters(method), encoder: tensors.countParameters(method.encoder), head: tensors.countParameters(method.projectionHead) };
method.dispose();

// 2. NT-Xent on fixed embeddings.
const rng = tensors.createRng(7);
const z = (n, d) => Array.from({ length: n }, () => Array.from({ length: d }, () => rng.uniform(-1, 1)));
const ntXent = [0.5, 0.1].map((temperature) => {
  const [z1, z2] = [z(8, 16), z(8, 16)];
  const loss = tf.tidy(() => contrastive.ntXent(tf.tensor2d(z1), tf.tensor2d(z2), { temperature }).dataSync()[0]);
  return { z1, z2, temperature, loss };
});

// 3. View operations on fixed parameters, on real images.
const test = await tensorsNode.loadFashionMnist('test', { limit: 64 });
const train = await tensorsNode.loadFashionMnist('train', { limit: 2048 });
const batchOf = async (dataset, n) => (await dataset.getBatch(Array.from({ length: n }, (_, i) => i))).images;
const images = await batchOf(test, 8);
const boxes = Array.from({ length: 8 }, (_, i) => (i === 0 ? { top: 0, left: 0, height: 28, width: 28 } : augment.sampleCropBox(28, 28, rng, { scale: [0.08, 1] })));
const flips = boxes.map((_, i) => i % 2 === 1);
const sigmas = boxes.map(() => rng.uniform(0.1, 2));
const brightness = boxes.map(() => rng.uniform(0.2, 1.8));
const contrast = boxes.map(() => rng.uniform(0.2, 1.8));
const views = {
  shape: images.shape,
  size: [28, 28],
  images: flat(images),
  boxes,
  flips,
  crop: tf.tidy(() => flat(augment.cropBoxes(images, boxes, [28, 28], { flips }))),
  sigmas,
  kernelSize: augment.simclrKernelSize(28),
  blur: tf.tidy(() => flat(augment.blurImages(images, sigmas, augment.simclrKernelSize(28)))),
  blur7: tf.tidy(() => flat(augment.blurImages(images, sigmas, 7))),
  brightness,
  brightnessOut: tf.tidy(() => flat(augment.adjustBrightness(images, brightness))),
  contrast,
  contrastOut: tf.tidy(() => flat(augment.adjustContrast(images, contrast))),
  solarizeOut: tf.tidy(() => flat(augment.solarize(images))),
  cropScale: presetOptions.cropScale,
  cropRatio: presetOptions.cropRatio,
};

// 4. The random views as a whole, and the crop boxes' distribution.
// Per-image statistics of a batch of views, each as { mean, se } over the images (the checks allow 4 standard errors).
const meanSe = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, se: Math.sqrt(v / xs.length) };
};
const pixelStats = (t) => {
  const [pixel, spread, bright] = tf.tidy(() => {
    const perImage = tf.reshape(t, [t.shape[0], -1]);
    const means = tf.mean(perImage, 1);
    const stds = tf.sqrt(tf.mean(tf.square(tf.sub(perImage, tf.expandDims(means, 1))), 1));
    return [means, stds, tf.mean(tf.cast(tf.greater(perImage, 0.5), 'float32'), 1)].map((x) => Array.from(x.dataSync()));
  });
  return { mean: meanSe(pixel), imageStd: meanSe(spread), bright: meanSe(bright) };
};
const trainImages = await batchOf(train, 2048);
const [view0, view1] = contrastive.presetViews(presetOptions, inputShape);
const viewRng = tensors.createRng(11);
const viewStats = [view0, view1].map((v) => {
  const out = v(trainImages, viewRng.fork());
  const s = pixelStats(out);
  out.dispose();
  return s;
});
const sampled = Array.from({ length: 4000 }, () => augment.sampleCropBox(28, 28, rng, { scale: presetOptions.cropScale, ratio: presetOptions.cropRatio }));
views.boxMoments = {
  area: sampled.reduce((a, b) => a + (b.height * b.width) / 784, 0) / sampled.length,
  ratio: sampled.reduce((a, b) => a + b.width / b.height, 0) / sampled.length,
  top: sampled.reduce((a, b) => a + b.top, 0) / sampled.length,
};

// 5. The schedule fit follows, read back from its history.
const scheduleData = await tensorsNode.loadFashionMnist('train', { limit: 40 });
const schedules = [];
for (const training of [
  { optimizer: 'sgd', learningRate: 0.3, learningRateScaling: 'linear', momentum: 0.9, nesterov: false, weightDecay: 0, schedule: 'cosine', warmupEpochs: 0.5, finalLearningRate: 0.001, batchSize: 8, epochs: 3 },
  { optimizer: 'adam', learningRate: 0.002, learningRateScaling: 'none', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false, schedule: 'constant', warmupSteps: 4, batchSize: 8, epochs: 2 },
]) {
  const o = tensors.trainingFitOptions(training);
  const m = contrastive.simclr({ encoder: encoders.buildEncoder('convNet', encoderConfig) });
  const result = await tensors.fit(m, scheduleData, { batchSize: o.batchSize, epochs: o.epochs, learningRate: o.learningRate, optimizer: o.optimizer, schedule: o.schedule, seed: 0 });
  m.dispose();
  const stepsPerEpoch = Math.floor(scheduleData.size / o.batchSize);
  schedules.push({ training, totalSteps: o.epochs * stepsPerEpoch, stepsPerEpoch, steps: result.history.map((h) => h.step), lrs: result.history.map((h) => h.lr) });
}

// 6b. A trained encoder's embeddings (the short run's, else none).
let embedding;
if (comparison !== undefined) {
  const encoderDir = join(comparison.runs[0].dir, 'selfsup', 'encoder');
  const encoder = await encodersNode.loadEncoder(encoderDir);
  const x = await batchOf(test, 64);
  embedding = { encoderDir, shape: x.shape, images: flat(x), embeddings: tf.tidy(() => encoder.apply(x).arraySync()) };
  x.dispose();
  encoder.dispose();
}

// The twin reads the same 2048 training images from the IDX files for its view statistics.
const exchange = { encoderConfig, parameters, ntXent, views, viewOptions: presetOptions, viewStats, viewImages: { dir: tensorsNode.FASHION_MNIST_DEFAULT_DIR, count: 2048 }, schedules, embedding };
const exchangeFile = join(work, 'exchange.json');
writeFileSync(exchangeFile, JSON.stringify(exchange));
const child = spawnSync(python, [join(root, 'bench', 'peers', 'simclr_twin.py'), '--self-check', exchangeFile], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (child.status !== 0) throw new Error(`simclr_twin.py --self-check exited with ${child.status}: ${child.stdout}`);
const twin = JSON.parse(child.stdout.trim().split('\n').at(-1));

const checks = [];
const check = (name, figure, ok) => checks.push({ name, figure, ok });
check('parameters (convNet + head, trainable)', `selfsup ${parameters.encoder} + ${parameters.head} = ${parameters.method}, twin ${twin.parameters.encoder} + ${twin.parameters.head}`, twin.parameters.encoder === parameters.encoder && twin.parameters.head === parameters.head && parameters.method === parameters.encoder + parameters.head);
for (const r of twin.ntXent) check(`NT-Xent, T = ${r.temperature}`, `selfsup ${r.selfsup.toFixed(7)}, twin ${r.loss.toFixed(7)}, |diff| ${r.absDiff.toExponential(2)}`, r.absDiff <= 1e-5);
for (const key of ['crop', 'blur', 'blur7', 'brightness', 'contrast', 'solarize']) check(`view op: ${key}`, `max |diff| ${twin[key].maxAbsDiff.toExponential(2)}`, twin[key].maxAbsDiff <= 1e-5);
check('blur kernel size (simclrKernelSize(28))', `selfsup ${views.kernelSize}, twin ${twin.blur.kernelSize}`, views.kernelSize === twin.blur.kernelSize);
const m = twin.cropBoxMoments;
check('crop box moments (4000 boxes each)', `area ${m.selfsup.area.toFixed(3)}/${m.twin.area.toFixed(3)}, ratio ${m.selfsup.ratio.toFixed(3)}/${m.twin.ratio.toFixed(3)}, top ${m.selfsup.top.toFixed(2)}/${m.twin.top.toFixed(2)}`, Math.abs(m.selfsup.area - m.twin.area) < 0.02 && Math.abs(m.selfsup.ratio - m.twin.ratio) < 0.03 && Math.abs(m.selfsup.top - m.twin.top) < 0.3);
for (const [i, s] of twin.viewStats.entries()) {
  const sf = viewStats[i];
  const keys = ['mean', 'imageStd', 'bright'];
  const z = (k) => Math.abs(sf[k].mean - s[k].mean) / Math.hypot(sf[k].se, s[k].se);
  check(
    `view ${i + 1} per-image statistics (2048 images)`,
    keys.map((k) => `${k} ${sf[k].mean.toFixed(4)}/${s[k].mean.toFixed(4)} (${z(k).toFixed(1)} se)`).join(', '),
    keys.every((k) => z(k) < 4),
  );
}
for (const [i, s] of twin.schedules.entries()) check(`schedule ${i + 1} (${schedules[i].training.schedule}, ${schedules[i].lrs.length} steps)`, `max |diff| ${s.maxAbsDiff.toExponential(2)}`, s.maxAbsDiff <= 1e-9);
if (twin.embedding !== undefined) check('trained encoder embeddings (64 test images, eval mode)', `max |diff| ${twin.embedding.maxAbsDiff.toExponential(2)} (max |value| ${twin.embedding.maxAbs.toFixed(2)})`, twin.embedding.maxAbsDiff <= 1e-4 * Math.max(1, twin.embedding.maxAbs));
if (comparison !== undefined) {
  const r = comparison.runs[0];
  const ok = (p) => p.steps > 0 && Number.isFinite(p.finalLoss) && p.knn > 0.1 && p.linear > 0.1;
  check(`${budget} CPU-s run of both on ${limit} images`, `selfsup ${r.selfsup.steps} steps, k-NN ${(100 * r.selfsup.knn).toFixed(1)}%, linear ${(100 * r.selfsup.linear).toFixed(1)}%; twin ${r.pytorch.steps} steps, k-NN ${(100 * r.pytorch.knn).toFixed(1)}%, linear ${(100 * r.pytorch.linear).toFixed(1)}%`, ok(r.selfsup) && ok(r.pytorch));
}

for (const c of checks) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.figure}`);
const failed = checks.filter((c) => !c.ok).length;
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'twin-check.json'), `${JSON.stringify({ date: new Date().toISOString(), backend: backend.description, checks, comparison: comparison?.summary ?? null }, null, 2)}\n`);
console.log(failed === 0 ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`);
for (const t of [images, trainImages]) t.dispose();
process.exit(failed === 0 ? 0 : 1);
