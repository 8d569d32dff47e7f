import * as tf from '@tensorflow/tfjs-core';
import { CONTEXT_ENCODER_FILL } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import { type CheckpointStore, type JsonObject, type NamedVariable, createRng, fit, tensorDataset } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { expectInvalid, maxAbsDiff } from '@selfsup/test-utils';
import { smoothImages, value } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains, fixedLoss } from '../../test/method-checks.js';
import { contextEncoderOverlap, inpaintingMasks, inpaintingRegion, inpaintingSamples } from '../samples/inpainting-samples.js';
import { CONTEXT_ENCODER_FIT, inpainting } from './inpainting.js';

const tinyEncoder = () => convNet({ inputShape: [16, 16, 3], channels: [8, 16], outputDim: 32, seed: 5 });
const holePixels = (m: tf.Tensor4D) => tf.tidy(() => tf.sum(m, [1, 2, 3]).arraySync() as number[]);

describe('inpainting masks and samples', () => {
  it('cover the requested fraction: centre side 0.5 = a quarter, blobs exactly, rectangles at most maxCoverage', () => {
    const centre = inpaintingMasks(2, [16, 16], createRng(0));
    expect(holePixels(centre)).toEqual([64, 64]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.05, max: 0.5, noNaN: true }), (seed, fraction) => {
        const blobs = inpaintingMasks(3, [16, 20], createRng(seed), { kind: 'blobs', holeFraction: fraction });
        for (const c of holePixels(blobs)) expect(c).toBe(Math.round(fraction * 320));
        const rects = inpaintingMasks(3, [16, 20], createRng(seed), { kind: 'rectangles', maxCoverage: Math.max(fraction, 0.1) });
        for (const c of holePixels(rects)) {
          expect(c).toBeGreaterThan(0);
          expect(c).toBeLessThanOrEqual(Math.max(fraction, 0.1) * 320);
        }
        tf.dispose([blobs, rects]);
      }),
      { numRuns: 15 },
    );
    centre.dispose();
    expectInvalid(() => inpaintingMasks(1, [8, 8], createRng(0), { kind: 'circle' as never }), 'options.kind');
  });

  it("place the centre region as train.lua does: half the side, rounded, centred; the overlap 4 px at 128, scaled", () => {
    expect(inpaintingRegion([128, 128])).toEqual({ top: 32, left: 32, height: 64, width: 64 });
    expect(inpaintingRegion([28, 28])).toEqual({ top: 7, left: 7, height: 14, width: 14 });
    expect(inpaintingRegion([15, 32])).toEqual({ top: 3, left: 8, height: 8, width: 16 });
    expect(inpaintingRegion([28, 28], { kind: 'blobs' })).toEqual({ top: 0, left: 0, height: 28, width: 28 });
    expect([128, 64, 32, 28, 16, 8].map((side) => contextEncoderOverlap([side, side]))).toEqual([4, 2, 1, 1, 1, 0]);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 2, max: 300 }), (h, w) => {
        const r = inpaintingRegion([h, w]);
        expect([r.height, r.width]).toEqual([Math.round(h / 2), Math.round(w / 2)]);
        // Centred to within a pixel, and inside the image.
        expect(Math.abs(2 * r.top + r.height - h)).toBeLessThanOrEqual(1);
        expect(Math.abs(2 * r.left + r.width - w)).toBeLessThanOrEqual(1);
        expect(r.top + r.height).toBeLessThanOrEqual(h);
        expect(contextEncoderOverlap([h, w])).toBe(Math.round(Math.min(h, w) / 32));
      }),
      { numRuns: 50 },
    );
    expectInvalid(() => inpaintingRegion([0, 8]), 'size[0]');
    expectInvalid(() => inpaintingRegion([8, 8], { centerFraction: 2 }), 'options.centerFraction');
  });

  it('hide the centre region but its overlap border, weight the hole 1 and the border 10, leave the context out', () => {
    const images = smoothImages(1, 2, 16, 16);
    const s = inpaintingSamples(images, createRng(1), { overlap: 2 });
    expect(s.region).toEqual({ top: 4, left: 4, height: 8, width: 8 });
    // The region is rows and columns 4-11; the hole is it less 2 px on each side: 6-9.
    const inHole = (y: number, x: number) => y >= 6 && y <= 9 && x >= 6 && x <= 9;
    const inRegion = (y: number, x: number) => y >= 4 && y <= 11 && x >= 4 && x <= 11;
    const m = s.masks.arraySync() as number[][][][];
    const w = s.weights.arraySync() as number[][][][];
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        expect(m[1]![y]![x]![0]).toBe(inHole(y, x) ? 1 : 0);
        expect(w[1]![y]![x]![0]).toBe(inHole(y, x) ? 1 : inRegion(y, x) ? 10 : 0);
      }
    }
    tf.tidy(() => {
      const keep = tf.sub(1, s.masks);
      expect(maxAbsDiff(tf.mul(s.inputs, keep), tf.mul(images, keep))).toBe(0);
      const fill = tf.mul(s.masks, tf.tensor1d([...CONTEXT_ENCODER_FILL]));
      expect(maxAbsDiff(tf.mul(s.inputs, s.masks), fill)).toBeLessThan(1e-6);
    });
    tf.dispose([s.masks, s.inputs, s.weights]);
    // Random holes keep the band around the hole, in the context, and predict the whole image.
    const blobs = inpaintingSamples(images, createRng(1), { kind: 'blobs', overlap: 1 });
    expect(blobs.region).toEqual({ top: 0, left: 0, height: 16, width: 16 });
    tf.tidy(() => {
      expect(value(tf.sum(tf.mul(blobs.masks, tf.sub(blobs.weights, 1))))).toBe(0);
      expect(value(tf.sum(tf.mul(tf.sub(1, blobs.masks), tf.equal(blobs.weights, 10))))).toBeGreaterThan(0);
    });
    tf.dispose([blobs.masks, blobs.inputs, blobs.weights]);
    // The hole must survive the border; nothing leaks when the options are refused.
    const count = tf.memory().numTensors;
    expectInvalid(() => inpaintingSamples(images, createRng(1), { overlap: 4 }), 'options.overlap');
    expect(tf.memory().numTensors).toBe(count);
    images.dispose();
  });
});

describe('inpainting (Context Encoders)', () => {
  it('predicts the centre region and its overlap border only, and the discriminator judges that region alone', () => {
    for (const [side, c] of [[28, 1], [32, 3], [16, 3]] as const) {
      const encoder = convNet({ inputShape: [side, side, c], channels: [4, 8], outputDim: 16, seed: 5 });
      const method = inpainting({ encoder, imageSize: [side, side], decoderChannels: [8, 4], discriminator: { channels: [4, 8] } });
      const r = Math.round(side / 2);
      expect(method.region).toEqual({ top: Math.floor((side - r) / 2), left: Math.floor((side - r) / 2), height: r, width: r });
      expect(method.discriminator.inputShape).toEqual([r, r, c]);
      const images = smoothImages(side, 2, side, side, c);
      const out = method.inpaint(images);
      expect(out.predictions.shape).toEqual([2, r, r, c]);
      expect(out.completed.shape).toEqual([2, side, side, c]);
      tf.dispose([out.inputs, out.predictions, out.completed]);
      const judged = vi.spyOn(method.discriminator, 'apply');
      tf.dispose(tf.tidy(() => method.loss({ images, indices: [0, 1] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0), learningRate: 2e-3 })));
      method.afterStep?.({ images, indices: [0, 1] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0), learningRate: 2e-3 });
      // Generator's step: the prediction; discriminator's step: the real region and the prediction.
      expect(judged.mock.calls.length).toBe(3);
      for (const [input] of judged.mock.calls) expect(input.shape).toEqual([2, r, r, c]);
      judged.mockRestore();
      images.dispose();
      method.dispose();
    }
  });

  it('is the weighted mean of the squared error over the region, as a plain loop computes it', () => {
    const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], overlap: 2, reconstructionWeight: 1, adversarialWeight: 0 });
    const images = smoothImages(4, 2, 16, 16);
    const loss = fixedLoss(method, images, 9);
    const s = method.samples(images, createRng(9));
    const p = tf.tidy(() => method.decoder.apply(method.encoder.apply(s.inputs, { training: true }), { training: true }).arraySync() as number[][][][]);
    const t = images.arraySync() as number[][][][];
    let sum = 0;
    for (let n = 0; n < 2; n++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          // The 2 px border of the 8x8 region weighs 10, the 4x4 hole 1.
          const weight = y < 2 || y >= 6 || x < 2 || x >= 6 ? 10 : 1;
          for (let c = 0; c < 3; c++) sum += weight * (p[n]![y]![x]![c]! - t[n]![4 + y]![4 + x]![c]!) ** 2;
        }
      }
    }
    expect(loss).toBeCloseTo(sum / (2 * 8 * 8 * 3), 6);
    tf.dispose([s.masks, s.inputs, s.weights, images]);
    method.dispose();
  });

  it('steps the discriminator at a tenth of the generator\'s rate when the L2 weight is 0.999, at the same rate at 1', async () => {
    const moved = (before: Float32Array[], variables: readonly { variable: tf.Variable }[]) =>
      Math.max(...variables.map((v, i) => Math.max(...Array.from(v.variable.dataSync(), (x, j) => Math.abs(x - before[i]![j]!)))));
    for (const [reconstructionWeight, ratio] of [[0.999, 10], [1, 1]] as const) {
      const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], reconstructionWeight, discriminator: { channels: [8] } });
      expect(method.discriminatorLearningRate(2e-3)).toBeCloseTo(2e-3 / ratio, 12);
      const generator = method.variables.filter((v) => v.trainable && v.name.startsWith('decoder/'));
      const discriminator = method.discriminator.variables.filter((v) => v.trainable);
      const g0 = generator.map((v) => v.variable.dataSync().slice() as Float32Array);
      const d0 = discriminator.map((v) => v.variable.dataSync().slice() as Float32Array);
      const dataset = tensorDataset(smoothImages(6, 4, 16, 16));
      await fit(method, dataset, { batchSize: 4, epochs: 1, learningRate: 2e-3, schedule: { type: 'constant' }, progress: false, optimizer: CONTEXT_ENCODER_FIT.optimizer });
      // Adam's first step moves a weight by lr g / (|g| + eps): the largest move is the rate.
      expect(moved(g0, generator)).toBeCloseTo(2e-3, 6);
      expect(moved(d0, discriminator)).toBeCloseTo(2e-3 / ratio, 7);
      dataset.dispose?.();
      method.dispose();
    }
    const encoder = tinyEncoder();
    const scaled = inpainting({ encoder, imageSize: [16, 16], discriminator: { learningRateScale: 0.5 } });
    expect(scaled.discriminatorLearningRate(1e-3)).toBeCloseTo(5e-4, 12);
    scaled.dispose();
    const fixed = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], discriminator: { learningRate: 1e-4 } });
    expect(fixed.discriminatorLearningRate(1e-2)).toBe(1e-4);
    expect(fixed.config['discriminator']).toMatchObject({ learningRate: 1e-4 });
    expectInvalid(() => fixed.discriminatorLearningRate(0), 'generatorLearningRate');
    fixed.dispose();
    expect(CONTEXT_ENCODER_FIT.learningRate).toBe(2e-3);
  });

  it('trains a step on 28x28 and 32x32 images with finite losses and no tensor left behind', async () => {
    for (const [side, c] of [[28, 1], [32, 3]] as const) {
      const encoder = convNet({ inputShape: [side, side, c], channels: [4, 8], outputDim: 16, seed: 2 });
      const method = inpainting({ encoder, imageSize: [side, side], decoderChannels: [8, 4], discriminator: { channels: [4, 8] } });
      const dataset = tensorDataset(smoothImages(side, 4, side, side, c));
      const before = tf.memory().numTensors;
      const result = await fit(method, dataset, { batchSize: 4, epochs: 2, progress: false, ...CONTEXT_ENCODER_FIT });
      expect(tf.memory().numTensors).toBe(before);
      for (const loss of result.losses) expect(Number.isFinite(loss)).toBe(true);
      const m = result.history.at(-1)!.metrics;
      expect(Object.keys(m).sort()).toEqual(['adversarial', 'discriminator', 'reconstruction']);
      for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
      dataset.dispose?.();
      method.dispose();
    }
  });

  it('trains encoder-decoder and discriminator in one fit loop, without NaN and with falling loss', async () => {
    const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [16, 8], overlap: 2, discriminator: { channels: [8, 16] } });
    const images = smoothImages(2, 8, 16, 16);
    const d0 = method.discriminator.variables.map((v) => v.variable.dataSync().slice());
    const { before, after } = await expectTrains(method, images, { steps: 12, learningRate: 2e-3, optimizer: CONTEXT_ENCODER_FIT.optimizer });
    expect(after).toBeLessThan(before);
    // The discriminator was trained by its own optimizer in afterStep.
    const moved = method.discriminator.variables.some((v, i) => tf.tidy(() => maxAbsDiff(v.variable, tf.tensor(d0[i]!, v.variable.shape))) > 0);
    expect(moved).toBe(true);
    const m = method.metrics?.() ?? {};
    for (const key of ['reconstruction', 'adversarial', 'discriminator']) expect(Number.isFinite(m[key])).toBe(true);
    expectEncoderContract(method.encoder, images, method);
    tf.dispose(images);
    method.dispose();
  });

  it('with random holes predicts the whole image and judges the completion with its mask', async () => {
    const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], mask: { kind: 'blobs' }, discriminator: { channels: [8] } });
    expect(method.region).toEqual({ top: 0, left: 0, height: 16, width: 16 });
    expect(method.discriminator.inputShape).toEqual([16, 16, 4]);
    const dataset = tensorDataset(smoothImages(8, 4, 16, 16));
    const result = await fit(method, dataset, { batchSize: 4, epochs: 1, progress: false, ...CONTEXT_ENCODER_FIT });
    expect(Number.isFinite(result.losses[0])).toBe(true);
    const images = smoothImages(9, 2, 16, 16);
    expectInvalid(() => method.inpaint(images), 'masks');
    const masks = inpaintingMasks(2, [16, 16], createRng(3), { kind: 'rectangles' });
    const out = method.inpaint(images, masks);
    expect(out.predictions.shape).toEqual([2, 16, 16, 3]);
    tf.dispose([out.inputs, out.predictions, out.completed, images, masks]);
    dataset.dispose?.();
    method.dispose();
  });

  it('keeps the discriminator and its Adam slots in variables, out of fit’s reach', () => {
    const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], discriminator: { channels: [8] } });
    const dNames = method.variables.filter((v) => v.name.startsWith('discriminator/'));
    expect(dNames.length).toBeGreaterThan(method.discriminator.variables.length);
    expect(dNames.some((v) => v.name.includes('/adam/'))).toBe(true);
    expect(dNames.every((v) => !v.trainable)).toBe(true);
    expect(method.variables.filter((v) => v.trainable).every((v) => v.name.startsWith('encoder/') || v.name.startsWith('decoder/'))).toBe(true);
    method.dispose();
  });

  it('inpaints: the completion keeps the context and pastes the predicted region into the hole', () => {
    const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], overlap: 1, adversarialWeight: 0 });
    const images = smoothImages(3, 2, 16, 16);
    // The training hole by default (the 8x8 region less 1 px: 6x6 at 5), or any hole inside the region.
    const smaller = tf.tidy(() => tf.pad(tf.ones([2, 3, 2, 1]), [[0, 0], [6, 7], [8, 6], [0, 0]]) as tf.Tensor4D);
    for (const masks of [undefined, smaller]) {
      const before = tf.memory().numTensors;
      const out = method.inpaint(images, masks);
      tf.tidy(() => {
        const holes = masks ?? tf.pad(tf.ones([2, 6, 6, 1]), [[0, 0], [5, 5], [5, 5], [0, 0]]);
        const keep = tf.sub(1, holes);
        expect(maxAbsDiff(tf.mul(out.completed, keep), tf.mul(images, keep))).toBeLessThan(1e-6);
        const placed = tf.pad(out.predictions, [[0, 0], [4, 4], [4, 4], [0, 0]]);
        expect(maxAbsDiff(tf.mul(out.completed, holes), tf.mul(placed, holes))).toBeLessThan(1e-6);
        expect(value(tf.sum(holes))).toBe(masks === undefined ? 72 : 12);
        expect(value(tf.min(out.predictions))).toBeGreaterThanOrEqual(0);
        expect(value(tf.max(out.predictions))).toBeLessThanOrEqual(1);
      });
      tf.dispose([out.inputs, out.predictions, out.completed]);
      expect(tf.memory().numTensors).toBe(before);
    }
    // A hole reaching outside the predicted region cannot be filled.
    const blobs = inpaintingMasks(2, [16, 16], createRng(0), { kind: 'blobs' });
    expectInvalid(() => method.inpaint(images, blobs), 'masks');
    // Without the adversarial term the loss is the weighted reconstruction alone and no discriminator step runs.
    expect(Number.isFinite(fixedLoss(method, images))).toBe(true);
    expect(Object.keys(method.metrics?.() ?? {})).toEqual(['reconstruction']);
    tf.dispose([images, smaller, blobs]);
    method.dispose();
  });

  it('validates its options', () => {
    const encoder = tinyEncoder();
    expectInvalid(() => inpainting({ encoder, imageSize: [0, 16] }), 'options.imageSize[0]');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], adversarialWeight: -1 }), 'options.adversarialWeight');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], discriminator: { beta1: 2 } }), 'options.discriminator.beta1');
    // The 8x8 centre region of a 16x16 image keeps no hole inside a 4 px border.
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], overlap: 4 }), 'options.overlap');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], mask: { kind: 'ring' as never } }), 'options.mask.kind');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], mask: { centerFraction: 1.5 } }), 'options.mask.centerFraction');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], discriminator: { learningRate: 1e-4, learningRateScale: 0.1 } }), 'options.discriminator');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], discriminator: { learningRateScale: 0 } }), 'options.discriminator.learningRateScale');
    encoder.dispose();
  });

  it('checkpoints the discriminator and its optimizer: a resumed run restores them', async () => {
    const saved = new Map<string, Float32Array>();
    let state: JsonObject | undefined;
    const store: CheckpointStore = {
      async save(variables: readonly NamedVariable[], s: JsonObject) {
        for (const v of variables) saved.set(v.name, v.variable.dataSync().slice() as Float32Array);
        state = s;
      },
      async load(variables: readonly NamedVariable[]) {
        if (state === undefined) return undefined;
        for (const v of variables) {
          const values = saved.get(v.name);
          if (values !== undefined) v.variable.assign(tf.tensor(values, v.variable.shape, v.variable.dtype));
        }
        return state;
      },
    };
    const build = () => inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], discriminator: { channels: [8] } });
    const images = smoothImages(5, 4, 16, 16);
    const first = build();
    const dataset = tensorDataset(tf.clone(images));
    await fit(first, dataset, { batchSize: 4, epochs: 2, progress: false, checkpoint: { store } });
    expect([...saved.keys()].some((k) => k.startsWith('discriminator/adam/optimizer/'))).toBe(true);
    const second = build();
    await fit(second, dataset, { batchSize: 4, epochs: 2, progress: false, checkpoint: { store }, resume: true });
    // Resuming at the end (step 2 of 2) runs nothing: the discriminator and its Adam slots are exactly the saved ones.
    for (const v of second.variables.filter((x) => x.name.startsWith('discriminator/'))) {
      expect(Array.from(v.variable.dataSync())).toEqual(Array.from(saved.get(v.name)!));
    }
    first.dispose();
    second.dispose();
    dataset.dispose?.();
    images.dispose();
  });
});
