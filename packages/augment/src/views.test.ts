import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend, resolveOptions } from '@selfsup/tensors';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ViewParameters, checkViewParameters, viewOptionSchema, viewTransforms } from './views.js';

const PARAMS: ViewParameters = {
  cropScale: [0.3, 1],
  cropRatio: [0.75, 4 / 3],
  flipProbability: 0.5,
  colorJitter: [0.4, 0.4, 0.2, 0.1],
  colorJitterProbability: 0.8,
  grayscaleProbability: 0.2,
  blurProbability: [1, 0.1],
  blurSigma: [0.1, 2],
  solarizeProbability: [0, 0.2],
};

describe('viewTransforms', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('makes two views of the size asked, in [0, 1], for grey and color images', () => {
    for (const channels of [1, 3]) {
      const [a, b] = viewTransforms(PARAMS, { size: [8, 8], channels });
      const images = tf.randomUniform([4, 12, 12, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
      const rng = createRng(0);
      for (const view of [a, b]) {
        const out = view(images, rng);
        expect(out.shape).toEqual([4, 8, 8, channels]);
        expect(tf.min(out).dataSync()[0]).toBeGreaterThanOrEqual(0);
        expect(tf.max(out).dataSync()[0]).toBeLessThanOrEqual(1);
        out.dispose();
      }
      images.dispose();
    }
  });

  it('makes viewSize-square views from images of any size, when viewSize is given', () => {
    const [a, b] = viewTransforms({ ...PARAMS, viewSize: 5 }, { size: [8, 8], channels: 1 });
    const images = tf.randomUniform([3, 12, 10, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const rng = createRng(1);
    for (const view of [a, b]) {
      const out = view(images, rng);
      expect(out.shape).toEqual([3, 5, 5, 1]);
      out.dispose();
    }
    images.dispose();
  });

  it('rejects a viewSize that is not a positive integer, naming it; absent or null keeps the image size', () => {
    const base = resolveOptions(viewOptionSchema(PARAMS), {});
    for (const bad of [0, -3, 2.5, '20', [20, 20]]) {
      expect(() => checkViewParameters('options', { ...base, viewSize: bad as never })).toThrow(/options\.viewSize must be absent, or an integer side/);
    }
    expect(checkViewParameters('options', { ...base, viewSize: null })).not.toHaveProperty('viewSize');
    expect(checkViewParameters('options', { ...base, viewSize: 20 }).viewSize).toBe(20);
    expect(resolveOptions(viewOptionSchema({ ...PARAMS, viewSize: 20 }), {})['viewSize']).toBe(20);
  });

  it('rotates and shears the views after the crop when asked; absent, null or 0 leave the views bit for bit as they were', () => {
    const base = resolveOptions(viewOptionSchema(PARAMS), {});
    expect(base).not.toHaveProperty('rotationDegrees');
    expect(base).not.toHaveProperty('shearDegrees');
    const images = tf.randomUniform([3, 12, 12, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const view = (params: ViewParameters) => viewTransforms(params, { size: [8, 8], channels: 1 })[0](images, createRng(3));
    const plain = view(PARAMS);
    for (const same of [{ rotationDegrees: 0 }, { shearDegrees: 0 }, checkViewParameters('options', { ...base, rotationDegrees: null, shearDegrees: 0 })]) {
      const out = view({ ...PARAMS, ...same });
      expect(tf.max(tf.abs(tf.sub(out, plain))).dataSync()[0]).toBe(0);
      out.dispose();
    }
    const turned = view({ ...PARAMS, rotationDegrees: 20, shearDegrees: 10 });
    expect(turned.shape).toEqual([3, 8, 8, 1]);
    expect(tf.max(tf.abs(tf.sub(turned, plain))).dataSync()[0]).toBeGreaterThan(0);
    for (const bad of [-1, 90, '10']) {
      expect(() => checkViewParameters('options', { ...base, rotationDegrees: bad as never })).toThrow(/options\.rotationDegrees must be absent, or an angle/);
      expect(() => checkViewParameters('options', { ...base, shearDegrees: bad as never })).toThrow(/options\.shearDegrees must be absent, or an angle/);
    }
    tf.dispose([images, plain, turned]);
  });

  it('has a schema whose defaults are the parameters, and checks ranges by key', () => {
    const schema = viewOptionSchema(PARAMS);
    expect(resolveOptions(schema, {})).toEqual(JSON.parse(JSON.stringify(PARAMS)));
    expect(() => checkViewParameters('options', { ...resolveOptions(schema, {}), cropScale: [0.5] })).toThrow(/options\.cropScale/);
    expect(() => checkViewParameters('options', { ...resolveOptions(schema, {}), blurProbability: [0.1, 0.2, 0.3] })).toThrow(/options\.blurProbability/);
    expect(() => checkViewParameters('options', { ...resolveOptions(schema, {}), colorJitter: [0.4, 0.4, 0.4, 0.9] })).toThrow(/options\.colorJitter/);
  });
});
