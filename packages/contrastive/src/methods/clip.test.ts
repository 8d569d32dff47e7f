import * as tf from '@tensorflow/tfjs-core';
import { convNet } from '@selfsup/encoders';
import { assertEncoder, createRng, fit } from '@selfsup/tensors';
import { maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder } from '../../test/tiny-encoder.js';
import { DIGIT_WORDS, classNameCaptions } from '../text/captions.js';
import { textEncoder } from '../text/text-encoder.js';
import { clip } from './clip.js';

describe('clip', () => {
  it('trains image-caption pairs built from class names end to end, then classifies zero-shot above chance', async () => {
    const data = fewDigits(200);
    const captions = classNameCaptions({ classNames: DIGIT_WORDS });
    const text = textEncoder({ vocabulary: captions.vocabulary, rng: createRng(1), width: 32, outputDim: 32, layers: 1, heads: 4 });
    const method = clip({ imageEncoder: tinyEncoder([28, 28, 1], 32, 2, 64), textEncoder: text, captions, seed: 3 });
    expect(method.variables.filter((v) => v.name === 'clip/logitScale' && v.trainable)).toHaveLength(1);
    expect(method.logitScale?.read()).toBeCloseTo(1 / 0.07, 3);
    const before = tf.memory().numTensors;
    const result = await fit(method, data, { batchSize: 40, epochs: 12, learningRate: 2e-3, seed: 1, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    expect(tf.memory().numTensors).toBe(before);
    expect(method.logitScale!.read()).toBeLessThanOrEqual(100);
    const zeroShot = method.zeroShot(DIGIT_WORDS.map((_, c) => captions.prompts(c)));
    const { top1 } = await zeroShot.evaluate(data);
    expect(top1).toBeGreaterThan(0.3);
    zeroShot.dispose();
    method.dispose();
    data.dispose?.();
  });

  it('works with any second encoder through pairedInputs, and keeps the scale at most 100', () => {
    // Two image encoders: the second sees the image upside down.
    const method = clip({
      imageEncoder: tinyEncoder([28, 28, 1], 8, 1),
      textEncoder: tinyEncoder([28, 28, 1], 8, 2),
      pairedInputs: (batch) => tf.reverse(batch.images, 1),
      logitScale: { initial: 99.99 },
    });
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const scaleVar = method.logitScale!.variable.variable;
    const { value, grads } = tf.variableGrads(() => method.loss({ images, indices: [0, 1, 2, 3] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) }));
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    // Push the scale up hard, then afterStep clamps it.
    tf.tidy(() => scaleVar.assign(tf.add(scaleVar, 5)));
    method.afterStep?.({ images, indices: [] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) });
    expect(method.logitScale!.read()).toBeCloseTo(100, 2);
    tf.dispose([value, images, ...Object.values(grads)]);
    method.dispose();
  });

  it("lets probes read the image tower's layers: the image encoder's, its features before the projection, the joint embedding", () => {
    const before = tf.memory().numTensors;
    const imageEncoder = convNet({ inputShape: [12, 12, 1], channels: [4, 6], seed: 1 });
    const method = clip({ imageEncoder, textEncoder: convNet({ inputShape: [12, 12, 1], channels: [5], seed: 2 }), pairedInputs: (b) => tf.clone(b.images), seed: 0 });
    const tower = method.imageTower;
    assertEncoder('tower', tower);
    expect(tower.layers).toEqual(['block0', 'block1', 'features', 'embedding']);
    const images = seededImages(3, 2, 12, 12, 1);
    const got = tower.applyLayers!(images, ['block1', 'features', 'embedding']);
    const [features, embedding, block1] = [imageEncoder.apply(images), tower.apply(images), imageEncoder.applyLayers!(images, ['block1'])['block1']!];
    expect(got['features']!.shape).toEqual([2, 6]);
    expect(maxAbsDiff(got['features']!, features)).toBeLessThan(1e-6);
    expect(maxAbsDiff(got['embedding']!, embedding)).toBeLessThan(1e-6);
    expect(maxAbsDiff(got['block1']!, block1)).toBeLessThan(1e-6);
    expect(() => tower.applyLayers!(images, ['block9'])).toThrow(/names must be layers of clipImageTower: block0, block1, features, embedding/);
    tf.dispose([images, features, embedding, block1, ...Object.values(got)]);
    method.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a text encoder without captions or paired inputs', () => {
    const a = tinyEncoder([28, 28, 1], 8);
    expect(() => clip({ imageEncoder: a, textEncoder: a })).toThrow(/options.captions must be a CaptionSource/);
    a.dispose();
  });
});
