// Runs inside the throw-away consumer project that scripts/consumer-test.mjs installs from the packed tarballs:
// plain Node, plain npm, no workspace, no aliases. Arguments: every entry point to import.
import assert from 'node:assert/strict';

const entries = process.argv.slice(2);
assert.ok(entries.length > 0, 'no entry points given');
for (const entry of entries) {
  const module = await import(entry);
  const names = Object.keys(module);
  assert.ok(names.length > 0, `${entry} exports nothing`);
  console.log(`  import ${entry}: ${names.length} exports`);
}

const tf = await import('@tensorflow/tfjs-core');
const { createRng, fit, initBackend, tensorDataset } = await import('@selfsup/tensors');
const { convNet } = await import('@selfsup/encoders');
const { simclr } = await import('@selfsup/contrastive');
const { knnProbe } = await import('@selfsup/eval');

const report = await initBackend();
console.log(`  backend: ${report.description}`);

const rng = createRng(0);
const n = 16;
const images = tf.randomUniform([n, 16, 16, 1], 0, 1, 'float32', rng.seed());
const labels = Array.from({ length: n }, (_, i) => i % 2);
const data = tensorDataset(images, labels, { name: 'random' });
const method = simclr({ encoder: convNet({ inputShape: [16, 16, 1], channels: [4, 8], strides: [1, 2], seed: 0 }), temperature: 0.5 });
const before = tf.memory().numTensors;
const result = await fit(method, data, { batchSize: 8, maxSteps: 2, learningRate: 1e-3, seed: 1, progress: false });
assert.equal(result.steps, 2, `fit ran ${result.steps} steps, expected 2`);
assert.equal(result.losses.length, 2);
for (const loss of result.losses) assert.ok(Number.isFinite(loss) && loss > 0, `SimCLR loss is not a finite positive number: ${loss}`);
console.log(`  SimCLR, 2 steps: losses ${result.losses.map((l) => l.toFixed(4)).join(', ')}`);

const probe = await knnProbe(method.encoder, data, data, { k: 3 });
assert.ok(probe.top1 >= 0 && probe.top1 <= 1, `k-NN top-1 out of [0, 1]: ${probe.top1}`);
console.log(`  k-NN probe (train = test, 16 random images): top-1 ${probe.top1.toFixed(3)}`);
assert.ok(tf.memory().numTensors <= before + 1, `tensors leaked: ${before} -> ${tf.memory().numTensors}`);
method.dispose();
data.dispose?.();
