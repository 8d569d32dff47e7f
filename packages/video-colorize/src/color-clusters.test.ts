import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { fitColorClusters, quantizeColors } from './color-clusters.js';
import { rgbToLab } from '@selfsup/augment';

describe('color clusters', () => {
  it('finds the ab of a three-color video and quantises its pixels to them', () => {
    const colors = [
      [0.9, 0.1, 0.1],
      [0.1, 0.7, 0.2],
      [0.2, 0.3, 0.9],
    ];
    // 2 frames of 6x6, stripes of the three colors.
    const pixels = Array.from({ length: 2 * 36 }, (_, i) => colors[Math.floor((i % 6) / 2)]!).flat();
    const frames = tf.tensor4d(pixels, [2, 6, 6, 3]);
    const centres = fitColorClusters(frames, { rng: createRng(0), numClusters: 3, samples: 50 });
    const truth = tf.tidy(() => tf.slice(rgbToLab(tf.tensor2d(colors)), [0, 1], [3, 2]).arraySync() as number[][]);
    const found = centres.arraySync();
    for (const t of truth) expect(Math.min(...found.map((f) => Math.hypot(f[0]! - t[0]!, f[1]! - t[1]!)))).toBeLessThan(1e-2);
    const ab = tf.tidy(() => tf.slice(rgbToLab(frames), [0, 0, 0, 1], [-1, -1, -1, 2]));
    const q = quantizeColors(ab, centres);
    expect(q.shape).toEqual([2, 6, 6]);
    expect(q.dtype).toBe('int32');
    const ids = q.arraySync() as number[][][];
    // Pixels of one color share a cluster, and the three colors get three clusters.
    const byColor = [0, 2, 4].map((x) => ids[0]![0]![x]!);
    expect(new Set(byColor).size).toBe(3);
    ids.forEach((frame) => frame.forEach((row) => row.forEach((id, x) => expect(id).toBe(byColor[Math.floor(x / 2)]))));
    tf.dispose([frames, centres, ab, q]);
  });

  it('is deterministic for a seed and validates arguments', () => {
    const frames = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const a = fitColorClusters(frames, { rng: createRng(5), numClusters: 4, samples: 60 });
    const b = fitColorClusters(frames, { rng: createRng(5), numClusters: 4, samples: 60 });
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(() => fitColorClusters(frames, { rng: createRng(0), numClusters: 1000 })).toThrow(/options.numClusters must be at most the number of pixels \(128\)/);
    expect(() => fitColorClusters(tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, { rng: createRng(0) })).toThrow(/frames must be a tensor of shape \[\*, \*, \*, 3\]/);
    expect(() => quantizeColors(tf.zeros([4, 3]), a)).toThrow(/ab must be a tensor whose last dimension is 2/);
    tf.dispose([frames, a, b]);
  });
});

describe('fitColorClusters argument checks', () => {
  it('names the missing options (and their rng)', () => {
    const frames = tf.fill([1, 2, 2, 3], 0.5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => fitColorClusters(frames, undefined as never)).toThrow(/options must be an options object with rng; got undefined/);
    expect(() => fitColorClusters(frames, {} as never)).toThrow(/options.rng/);
    expect(() => fitColorClusters(undefined as never, { rng: createRng(1) })).toThrow(/frames must be a tensor; got undefined/);
    expect(tf.memory().numTensors).toBe(before);
    frames.dispose();
  });
});
