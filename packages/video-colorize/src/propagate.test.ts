import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { labPixelFeatures } from './features.js';
import { regionSimilarity } from './metrics.js';
import { embedFrames, propagateLabels } from './propagate.js';
import { syntheticVideo } from './synthetic.js';

/** A random-noise frame: every cell's pixels differ, so a cell's best match in an identical frame is itself. */
const noiseFrame = (seed: number, h: number, w: number) => tf.randomUniform([1, h, w, 3], 0, 1, 'float32', seed) as tf.Tensor4D;

/** A mask with a disc (id 1), a box (id 2) and a thin bar (id 3) at arbitrary, not cell-aligned, places. */
function objectsMask(h: number, w: number): tf.Tensor2D {
  const data = new Int32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (Math.hypot(y - 5.3, x - 6.1) < 4.2) data[y * w + x] = 1;
      else if (y >= 9 && y < 15 && x >= 3 && x < 14) data[y * w + x] = 2;
      else if (x === 17 && y > 2) data[y * w + x] = 3;
    }
  }
  return tf.tensor2d(data, [h, w], 'int32');
}

describe('propagateLabels', () => {
  it('returns the mask on frames identical to the first (J = 1 per object), for any context settings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 12 }), (seed, contextFrames, topK) => {
        const before = tf.memory().numTensors;
        const frame = noiseFrame(seed, 20, 24);
        const video = tf.tile(frame, [4, 1, 1, 1]) as tf.Tensor4D;
        const mask = objectsMask(20, 24);
        const { masks, numLabels } = propagateLabels(video, mask, { features: labPixelFeatures({ mode: 'patch' }), contextFrames, topK, radius: 2 });
        expect(numLabels).toBe(4);
        const truth = mask.arraySync();
        const frames = masks.arraySync();
        for (let t = 0; t < 4; t++) {
          for (let id = 1; id <= 3; id++) {
            const m = (rows: number[][]) => ({ height: 20, width: 24, data: rows.flat().map((v) => (v === id ? 1 : 0)) });
            expect(regionSimilarity(m(frames[t]!), m(truth))).toBe(1);
          }
        }
        tf.dispose([frame, video, mask, masks]);
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 10 },
    );
  });

  it('commutes with a permutation of object ids', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.constantFrom<'pixel' | 'cell'>('pixel', 'cell'), (seed, labelResolution) => {
        const rng = createRng(seed);
        const video = syntheticVideo(rng, { height: 24, width: 24, frames: 4, objects: 3 });
        const first = tf.tidy(() => tf.reshape(tf.slice(video.masks, [0, 0, 0], [1, -1, -1]), [24, 24])) as tf.Tensor2D;
        const permutation = [0, ...rng.permutation(3).map((i) => i + 1)];
        const permute = (m: tf.Tensor): tf.Tensor => tf.tidy(() => tf.gather(tf.tensor1d(permutation, 'int32'), tf.cast(m, 'int32')));
        const options = { features: labPixelFeatures(), labelResolution };
        const a = propagateLabels(video.frames, first, options);
        const permutedFirst = permute(first) as tf.Tensor2D;
        const b = propagateLabels(video.frames, permutedFirst, options);
        const expected = permute(a.masks);
        expect(b.masks.arraySync()).toEqual(expected.arraySync());
        tf.dispose([video.frames, video.masks, first, a.masks, permutedFirst, b.masks, expected]);
      }),
      { numRuns: 8 },
    );
  });

  it('propagates a background-only mask as background, and keeps frame 0 as given', () => {
    const video = tf.randomUniform([3, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const empty = tf.zeros([8, 8], 'int32') as tf.Tensor2D;
    const { masks, numLabels } = propagateLabels(video, empty, { features: labPixelFeatures(), labelResolution: 'cell' });
    expect(numLabels).toBe(1);
    expect(masks.shape).toEqual([3, 8, 8]);
    expect(tf.max(masks).dataSync()[0]).toBe(0);
    tf.dispose([video, empty, masks]);
  });

  it('validates its arguments', () => {
    const video = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    const mask = tf.zeros([8, 8], 'int32') as tf.Tensor2D;
    const features = labPixelFeatures();
    expect(() => propagateLabels(video, tf.zeros([8, 6], 'int32') as tf.Tensor2D, { features })).toThrow(/firstFrameMask must be a tensor of shape \[8, 8\]/);
    expect(() => propagateLabels(tf.zeros([2, 10, 8, 3]) as tf.Tensor4D, mask, { features })).toThrow(/multiples of the feature stride 4/);
    expect(() => propagateLabels(video, mask, { features, temperature: -1 })).toThrow(/options.temperature must be a finite number > 0; got -1/);
    expect(() => propagateLabels(video, mask, { features, topK: 0 })).toThrow(/options.topK must be an integer >= 1; got 0/);
    expect(() => propagateLabels(video, mask, {} as never)).toThrow(/options.features must be a FeatureExtractor/);
    const negative = tf.fill([8, 8], -1, 'int32') as tf.Tensor2D;
    expect(() => propagateLabels(video, negative, { features })).toThrow(/firstFrameMask must be non-negative integer object ids; got -1/);
    tf.dispose([video, mask, negative]);
  });
});

describe('propagateLabels / embedFrames argument checks', () => {
  it('name the missing options, features and frames', () => {
    const video = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const mask = tf.zeros([4, 4]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    expect(() => propagateLabels(0.5 as never, mask, undefined as never)).toThrow(/options must be an options object with features; got undefined/);
    const features = labPixelFeatures({ stride: 2 });
    expect(() => propagateLabels(video, mask, { features: { ...features, stride: 0 } })).toThrow(/options.features.stride must be an integer in \[1, 64\]; got 0/);
    expect(() => embedFrames(undefined as never, features)).toThrow(/frames must be a tensor; got undefined/);
    expect(() => embedFrames(video, true as never)).toThrow(/features must be a FeatureExtractor/);
    expect(() => embedFrames(video, features, { batchFrames: 0 })).toThrow(/options.batchFrames must be an integer >= 1; got 0/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([video, mask]);
  });
});
