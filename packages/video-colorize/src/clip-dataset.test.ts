import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { unstackClips, videoClipDataset } from './clip-dataset.js';

describe('videoClipDataset', () => {
  it('enumerates every clip that fits, frames stacked along channels, target last', async () => {
    // Frame t of video v is filled with 10 v + t.
    const video = (v: number, t: number) =>
      tf.tidy(() => tf.stack(Array.from({ length: t }, (_, i) => tf.fill([4, 4, 3], (10 * v + i) / 100))) as tf.Tensor4D);
    const videos = [video(0, 6), video(1, 5)];
    const data = videoClipDataset(videos, { clipLength: 3, frameGaps: [1, 2] });
    // Video 0: gap 1 -> 4 clips, gap 2 -> 2; video 1: 3 and 1.
    expect(data.size).toBe(10);
    expect(data.imageShape).toEqual([4, 4, 9]);
    const i = data.clips.findIndex((c) => c.video === 1 && c.gap === 2 && c.start === 0);
    const batch = await data.getBatch([i, 0]);
    const frames = unstackClips(batch.images, 3);
    expect(frames.shape).toEqual([2, 3, 4, 4, 3]);
    const values = frames.arraySync();
    expect(values[0]!.map((f) => Math.round(f[0]![0]![0]! * 100))).toEqual([10, 12, 14]);
    expect(values[1]!.map((f) => Math.round(f[2]![3]![1]! * 100))).toEqual([0, 1, 2]);
    tf.dispose([batch.images, frames, ...videos]);
  });

  it('validates its arguments', () => {
    const v = tf.zeros([3, 4, 4, 3]) as tf.Tensor4D;
    expect(() => videoClipDataset([v], { clipLength: 4 })).toThrow(/videos must be videos long enough for one clip of 4 frames/);
    expect(() => videoClipDataset([v, tf.zeros([3, 4, 5, 3]) as tf.Tensor4D])).toThrow(/videos\[1\] must be a tensor of shape \[\*, 4, 4, 3\]/);
    expect(() => videoClipDataset([v], { frameGaps: [0] })).toThrow(/options.frameGaps\[i\] must be an integer >= 1; got 0/);
    v.dispose();
  });
});

describe('unstackClips argument checks', () => {
  it('checks clipLength before using it (a tensor there is not read)', () => {
    const images = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    const disposed = tf.scalar(2);
    disposed.dispose();
    expect(() => unstackClips(images, disposed as never)).toThrow(/clipLength must be an integer in \[1, 64\]; got a float32 tensor/);
    expect(() => unstackClips(images, 3)).toThrow(/images must be a tensor of shape \[\*, \*, \*, 9\]/);
    expect(() => unstackClips(undefined as never, 2)).toThrow(/images must be a tensor; got undefined/);
    images.dispose();
  });
});
