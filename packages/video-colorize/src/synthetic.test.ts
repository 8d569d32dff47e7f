import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { syntheticVideo, syntheticVideos } from './synthetic.js';

describe('synthetic videos', () => {
  it('are deterministic for a seed, in range, with masks of the declared objects', () => {
    const a = syntheticVideo(createRng(3), { height: 32, width: 40, frames: 6, objects: 4 });
    const b = syntheticVideo(createRng(3), { height: 32, width: 40, frames: 6, objects: 4 });
    expect(a.frames.shape).toEqual([6, 32, 40, 3]);
    expect(a.masks.shape).toEqual([6, 32, 40]);
    expect(a.masks.dtype).toBe('int32');
    expect(a.numObjects).toBe(4);
    expect(Array.from(a.frames.dataSync())).toEqual(Array.from(b.frames.dataSync()));
    expect(Array.from(a.masks.dataSync())).toEqual(Array.from(b.masks.dataSync()));
    expect(tf.min(a.frames).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(tf.max(a.frames).dataSync()[0]).toBeLessThanOrEqual(1);
    const ids = new Set(Array.from(a.masks.dataSync()));
    for (const id of ids) expect(id >= 0 && id <= 4).toBe(true);
    // Every object is visible in the first frame.
    const first = new Set(Array.from(a.masks.dataSync().slice(0, 32 * 40)));
    for (let id = 1; id <= 4; id++) expect(first.has(id)).toBe(true);
    tf.dispose([a.frames, a.masks, b.frames, b.masks]);
  });

  it('move: objects change place from frame to frame, and different seeds differ', () => {
    const [v, w] = syntheticVideos(2, 11, { height: 32, width: 32, frames: 8 });
    const masks = v!.masks.arraySync();
    let changed = 0;
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) if (masks[0]![y]![x] !== masks[7]![y]![x]) changed += 1;
    expect(changed).toBeGreaterThan(30);
    expect(Array.from(v!.frames.dataSync().slice(0, 100))).not.toEqual(Array.from(w!.frames.dataSync().slice(0, 100)));
    tf.dispose([v!.frames, v!.masks, w!.frames, w!.masks]);
  });

  it('validates options', () => {
    expect(() => syntheticVideo(createRng(0), { height: 4 })).toThrow(/options.height must be an integer in \[8, 1024\]; got 4/);
    expect(() => syntheticVideo(createRng(0), { objects: 0 })).toThrow(/options.objects must be an integer in \[1, 255\]; got 0/);
    expect(() => syntheticVideo(createRng(0), { flicker: 2 })).toThrow(/options.flicker must be a number in \[0, 0.9\]; got 2/);
    expect(() => syntheticVideo({} as never)).toThrow(/rng must be an Rng/);
  });
});

describe('syntheticVideos argument checks', () => {
  it('bounds the count and checks the options before making any video', () => {
    const before = tf.memory().numTensors;
    expect(() => syntheticVideos(2 ** 40, 1)).toThrow(/count must be an integer in \[1, 10000\]; got 1099511627776/);
    expect(() => syntheticVideos(2, 1, { height: 4 })).toThrow(/options.height must be an integer in \[8, 1024\]; got 4/);
    expect(() => syntheticVideos(1, 1, { objectSize: 0.2 as never })).toThrow(/options.objectSize must be a \[low, high\] pair/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
