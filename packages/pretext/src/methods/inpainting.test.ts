import * as tf from '@tensorflow/tfjs-core';
import { CONTEXT_ENCODER_FILL } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import { type CheckpointStore, type JsonObject, type NamedVariable, createRng, fit, tensorDataset } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, maxAbsDiff } from '@selfsup/test-utils';
import { smoothImages, value } from '../../test/helpers.js';
import { expectEncoderContract, expectTrains, fixedLoss } from '../../test/method-checks.js';
import { inpaintingMasks, inpaintingSamples } from '../samples/inpainting-samples.js';
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

  it('fill the hole of the input, keep the context, weight the hole 1 and the band 10', () => {
    const images = smoothImages(1, 2, 16, 16);
    const s = inpaintingSamples(images, createRng(1), { overlap: 2 });
    tf.tidy(() => {
      const keep = tf.sub(1, s.masks);
      expect(maxAbsDiff(tf.mul(s.inputs, keep), tf.mul(images, keep))).toBe(0);
      const fill = tf.mul(s.masks, tf.tensor1d([...CONTEXT_ENCODER_FILL]));
      expect(maxAbsDiff(tf.mul(s.inputs, s.masks), fill)).toBeLessThan(1e-6);
      // Centre hole 8x8 at (4, 4); band of width 2 around it: 12x12 - 8x8 = 80 pixels.
      const w = s.weights.arraySync() as number[][][][];
      expect(w[0]![8]![8]![0]).toBe(1);
      expect(w[0]![3]![8]![0]).toBe(10);
      expect(w[0]![1]![8]![0]).toBe(0);
      expect(value(tf.sum(tf.equal(s.weights, 10)))).toBe(2 * 80);
    });
    tf.dispose([images, s.masks, s.inputs, s.weights]);
  });
});

describe('inpainting (Context Encoders)', () => {
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

  it('keeps the discriminator and its Adam slots in variables, out of fit’s reach', () => {
    const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], discriminator: { channels: [8] } });
    const dNames = method.variables.filter((v) => v.name.startsWith('discriminator/'));
    expect(dNames.length).toBeGreaterThan(method.discriminator.variables.length);
    expect(dNames.some((v) => v.name.includes('/adam/'))).toBe(true);
    expect(dNames.every((v) => !v.trainable)).toBe(true);
    expect(method.variables.filter((v) => v.trainable).every((v) => v.name.startsWith('encoder/') || v.name.startsWith('decoder/'))).toBe(true);
    method.dispose();
  });

  it('inpaints: the completion keeps the context and pastes the prediction into the hole', () => {
    const method = inpainting({ encoder: tinyEncoder(), imageSize: [16, 16], decoderChannels: [8], adversarialWeight: 0 });
    const images = smoothImages(3, 2, 16, 16);
    const masks = inpaintingMasks(2, [16, 16], createRng(0), { kind: 'blobs' });
    const before = tf.memory().numTensors;
    const out = method.inpaint(images, masks);
    tf.tidy(() => {
      const keep = tf.sub(1, masks);
      expect(maxAbsDiff(tf.mul(out.completed, keep), tf.mul(images, keep))).toBeLessThan(1e-6);
      expect(maxAbsDiff(tf.mul(out.completed, masks), tf.mul(out.predictions, masks))).toBeLessThan(1e-6);
      expect(value(tf.min(out.predictions))).toBeGreaterThanOrEqual(0);
      expect(value(tf.max(out.predictions))).toBeLessThanOrEqual(1);
    });
    tf.dispose([out.inputs, out.predictions, out.completed]);
    expect(tf.memory().numTensors).toBe(before);
    // Without the adversarial term the loss is the weighted reconstruction alone and no discriminator step runs.
    expect(Number.isFinite(fixedLoss(method, images))).toBe(true);
    expect(Object.keys(method.metrics?.() ?? {})).toEqual(['reconstruction']);
    tf.dispose([images, masks]);
    method.dispose();
  });

  it('validates its options', () => {
    const encoder = tinyEncoder();
    expectInvalid(() => inpainting({ encoder, imageSize: [15, 16] }), 'options.imageSize');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], adversarialWeight: -1 }), 'options.adversarialWeight');
    expectInvalid(() => inpainting({ encoder, imageSize: [16, 16], discriminator: { beta1: 2 } }), 'options.discriminator.beta1');
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
