import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { OBJECT_COLORS, overlayMasks, videoStrip } from './overlay.js';

describe('overlayMasks', () => {
  it('leaves the background, tints objects and draws their boundaries', () => {
    const frames = tf.fill([1, 8, 8, 3], 0.5) as tf.Tensor4D;
    const ids = new Int32Array(64);
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) ids[y * 8 + x] = 2;
    const masks = tf.tensor3d(ids, [1, 8, 8], 'int32');
    const out = overlayMasks(frames, masks, { alpha: 0.5 }).arraySync()[0]!;
    const red = OBJECT_COLORS[1]!;
    // Far from the object: unchanged.
    expect(out[7]![0]).toEqual([0.5, 0.5, 0.5]);
    // Inside (not on a boundary): half way to the object's color.
    out[3]![3]!.forEach((v, c) => expect(v).toBeCloseTo(0.5 * 0.5 + 0.5 * red[c]!, 5));
    // On the boundary: the object's color.
    out[5]![3]!.forEach((v, c) => expect(v).toBeCloseTo(red[c]!, 5));
    out[1]![3]!.forEach((v, c) => expect(v).toBeCloseTo(red[c]!, 5));
    tf.dispose([frames, masks]);
  });

  it('accepts grey frames, lays videos out as strips, validates', () => {
    const grey = tf.zeros([3, 4, 6, 1]) as tf.Tensor4D;
    const masks = tf.zeros([3, 4, 6], 'int32') as tf.Tensor3D;
    const over = overlayMasks(grey, masks);
    expect(over.shape).toEqual([3, 4, 6, 3]);
    const strip = videoStrip([over, over], { padding: 1 });
    expect(strip.shape).toEqual([2 * 4 + 1, 3 * 6 + 2, 3]);
    expect(() => overlayMasks(grey, tf.zeros([3, 4, 5], 'int32') as tf.Tensor3D)).toThrow(/masks must be a tensor of shape \[3, 4, 6\]/);
    expect(() => videoStrip([])).toThrow(/rows must be a non-empty array/);
    tf.dispose([grey, masks, over, strip]);
  });
});
