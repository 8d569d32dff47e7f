import { barlowTwinsLoss, byolLoss, clipLoss, infoNCE, ntXent, vicregLoss } from '@selfsup/contrastive';
import { buildEncoder } from '@selfsup/encoders';
import { type BackendName, createRng, fit, initBackend, optionDefaults, tensorDataset } from '@selfsup/tensors';
import { presentBackends } from '@selfsup/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PRESETS } from './methods.js';

// Every backend present here against the cpu backend: the contrastive losses and their gradients, and 20 SGD steps of
// one method of each family. A backend that is not here (webgpu without a GPU adapter, tensorflow without tfjs-node,
// the native kernels without their addon) is listed with the reason in its title and skipped.
const backends = await presentBackends();

afterAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const use = (backend: BackendName, native?: 'on' | 'off') => initBackend({ backend, ...(native !== undefined ? { native } : {}) });

/** `compute` on cpu, then on the backend under test, from the same seeded inputs. */
async function againstCpu(target: { backend: BackendName; native?: 'on' | 'off' }, compute: () => Promise<number[]>): Promise<[number[], number[]]> {
  await use('cpu');
  const reference = await compute();
  await use(target.backend, target.native);
  return [reference, await compute()];
}

const relativeError = (reference: readonly number[], tested: readonly number[]) => {
  expect(tested.length).toBe(reference.length);
  return Math.max(0, ...reference.map((r, i) => Math.abs((tested[i] as number) - r) / Math.max(1, Math.abs(r))));
};

type Loss = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Scalar;
const LOSSES: [string, Loss][] = [
  ['ntXent', (a, b) => ntXent(a, b, { temperature: 0.5 })],
  ['infoNCE', (a, b) => infoNCE(a, b, tf.tanh(b) as tf.Tensor2D, { temperature: 0.2 })],
  ['clipLoss', (a, b) => clipLoss(a, b, { logitScale: 10 })],
  ['byolLoss', (a, b) => byolLoss(a, b)],
  ['barlowTwinsLoss', (a, b) => barlowTwinsLoss(a, b)],
  ['vicregLoss', (a, b) => vicregLoss(a, b)],
];

/** Head widths for the family runs, where a method has the option. */
const NARROW_HEADS: Record<string, number> = { projectorHiddenDim: 64, projectorOutputDim: 32, predictorHiddenDim: 64, projectorDim: 64, expanderDim: 64 };

/** One method of each family: contrastive, distillation, redundancy reduction, pretext. */
const FAMILIES = ['simclr', 'byol', 'barlow-twins', 'rotnet'];

describe.each(backends)('on $title, against cpu', (target) => {
  it.skipIf(target.skip !== undefined).each(LOSSES)('%s: value and gradients', async (_name, loss) => {
    const [reference, tested] = await againstCpu(target, async () => {
      const rng = createRng(7);
      const a = tf.tensor2d(rng.normalArray(10 * 12), [10, 12]);
      const b = tf.tensor2d(rng.normalArray(10 * 12), [10, 12]);
      const value = loss(a, b);
      const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => loss(p as tf.Tensor2D, q as tf.Tensor2D))([a, b]) as tf.Tensor[];
      const out = (await Promise.all([value, ...grads].map((t) => t.data()))).flatMap((v) => Array.from(v as Float32Array));
      tf.dispose([a, b, value, ...grads]);
      return out;
    });
    expect(relativeError(reference, tested)).toBeLessThan(1e-4);
  });

  it.skipIf(target.skip !== undefined).each(FAMILIES)('%s: 20 SGD steps give the same losses', async (name) => {
    const preset = BUILT_IN_PRESETS.find((p) => p.name === name);
    if (preset === undefined) throw new Error(`no preset ${name}`);
    const [reference, tested] = await againstCpu(target, async () => {
      const encoder = buildEncoder('convNet', { inputShape: [16, 16, 1], channels: [8, 16], strides: [1, 2], seed: 1 });
      // Narrow heads where the method has them (BYOL's default predictor is 4096 wide): the kernels are the same.
      const narrow = Object.fromEntries(Object.entries(NARROW_HEADS).filter(([key]) => key in preset.options));
      const method = preset.build({ encoder, inputShape: [16, 16, 1], seed: 2, batchSize: 8, options: { ...optionDefaults(preset.options), ...narrow } });
      const data = tensorDataset(tf.tensor4d(createRng(3).uniformArray(32 * 16 * 16), [32, 16, 16, 1]));
      try {
        const result = await fit(method, data, { batchSize: 8, maxSteps: 20, epochs: 10, learningRate: 0.01, optimizer: { type: 'sgd', momentum: 0.9 }, seed: 4, progress: false });
        return [...result.losses];
      } finally {
        method.dispose();
        data.dispose?.();
      }
    });
    // The first loss is the same computation: float32 agreement. Then the weights drift apart by float32 differences
    // that batch statistics and momentum compound (0.7 % after 20 SimCLR steps on wasm against cpu); a wrong kernel or
    // gradient moves the losses by far more than the 2 % allowed.
    expect(relativeError(reference.slice(0, 1), tested.slice(0, 1))).toBeLessThan(1e-4);
    expect(relativeError(reference, tested)).toBeLessThan(2e-2);
  }, 120_000);
});
