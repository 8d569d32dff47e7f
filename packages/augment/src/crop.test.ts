import * as tf from '@tensorflow/tfjs-core';
import { createRng, withBackend } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { cropBoxes, randomResizedCrop, sampleCropBox } from './crop.js';
import { flipHorizontal } from './flip.js';

describe('sampleCropBox', () => {
  it('lies inside the image and inside the requested area and aspect ranges', () => {
    const pair = (min: number, max: number) =>
      fc.tuple(fc.double({ min, max, noNaN: true }), fc.double({ min, max, noNaN: true })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        pair(0.01, 1),
        pair(0.2, 5),
        fc.integer({ min: 0, max: 1e9 }),
        (height, width, scale, ratio, seed) => {
          // Only configurations where some box satisfies both ranges (else the fallback cannot either).
          const aspect = width / height;
          const r = Math.min(Math.max(aspect, ratio[0]), ratio[1]);
          fc.pre(Math.min(scale[1], aspect / r, r / aspect) >= scale[0]);
          const rng = createRng(seed);
          for (let k = 0; k < 20; k++) {
            const box = sampleCropBox(height, width, rng, { scale, ratio });
            const eps = 1e-9;
            expect(box.top).toBeGreaterThanOrEqual(-eps);
            expect(box.left).toBeGreaterThanOrEqual(-eps);
            expect(box.top + box.height).toBeLessThanOrEqual(height + eps);
            expect(box.left + box.width).toBeLessThanOrEqual(width + eps);
            const area = (box.height * box.width) / (height * width);
            expect(area).toBeGreaterThanOrEqual(scale[0] * (1 - 1e-9));
            expect(area).toBeLessThanOrEqual(scale[1] * (1 + 1e-9));
            const aspectRatio = box.width / box.height;
            expect(aspectRatio).toBeGreaterThanOrEqual(ratio[0] * (1 - 1e-9));
            expect(aspectRatio).toBeLessThanOrEqual(ratio[1] * (1 + 1e-9));
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('covers the area range (SimCLR defaults on a square image)', () => {
    const rng = createRng(3);
    const areas = Array.from({ length: 2000 }, () => {
      const b = sampleCropBox(64, 64, rng);
      return (b.height * b.width) / 4096;
    });
    expect(Math.min(...areas)).toBeLessThan(0.1);
    expect(Math.max(...areas)).toBeGreaterThan(0.95);
  });

  it('rejects bad ranges', () => {
    const rng = createRng(0);
    expectInvalid(() => sampleCropBox(10, 10, rng, { scale: [0, 1] }), 'options.scale');
    expectInvalid(() => sampleCropBox(10, 10, rng, { scale: [0.5, 0.2] }), 'options.scale');
    expectInvalid(() => sampleCropBox(10, 10, rng, { ratio: [0, 1] }), 'options.ratio');
    expectInvalid(() => sampleCropBox(0, 10, rng), 'height');
  });
});

describe('cropBoxes', () => {
  it('copies pixel-aligned boxes exactly and mirrors flipped ones', () => {
    const x = seededImages(1, 2, 12, 10);
    const boxes = [
      { top: 2, left: 3, height: 6, width: 5 },
      { top: 0, left: 0, height: 12, width: 10 },
    ];
    const crops = cropBoxes(x, boxes, [6, 5], { indices: [0, 0] });
    const reference = tf.slice(x, [0, 2, 3, 0], [1, 6, 5, 3]);
    expect(maxAbsDiff(tf.slice(crops, [0, 0, 0, 0], [1, 6, 5, 3]), reference)).toBeLessThan(1e-6);
    const whole = cropBoxes(x, [boxes[1]!], [12, 10], { indices: [1] });
    expect(maxAbsDiff(whole, tf.slice(x, [1, 0, 0, 0], [1, 12, 10, 3]))).toBeLessThan(1e-6);
    const mirrored = cropBoxes(x, boxes, [6, 5], { indices: [0, 0], flips: [true, false] });
    const flipped = flipHorizontal(crops);
    expect(maxAbsDiff(tf.slice(mirrored, [0, 0, 0, 0], [1, 6, 5, 3]), tf.slice(flipped, [0, 0, 0, 0], [1, 6, 5, 3]))).toBe(0);
    tf.dispose([x, crops, reference, whole, mirrored, flipped]);
  });

  it('samples a half-pixel-centred grid: a 2x downscale averages 2x2 blocks', () => {
    const values = Array.from({ length: 16 }, (_, i) => i);
    const x = tf.tensor4d(values, [1, 4, 4, 1]);
    const y = cropBoxes(x, [{ top: 0, left: 0, height: 4, width: 4 }], [2, 2]);
    // Centres at 0.5 and 2.5 (pixel index units): the mean of each 2x2 block.
    expect(Array.from(y.dataSync())).toEqual([2.5, 4.5, 10.5, 12.5]);
    tf.dispose([x, y]);
  });

  it('nearest crops agree with the cpu backend’s cropAndResize, box for box', async () => {
    const rng = createRng(8);
    const values = rng.uniformArray(3 * 17 * 19 * 3);
    const boxes = Array.from({ length: 12 }, () => {
      const height = rng.uniform(1, 17);
      const width = rng.uniform(1, 19);
      return { top: rng.uniform(0, 17 - height), left: rng.uniform(0, 19 - width), height, width };
    });
    const indices = boxes.map((_, i) => i % 3);
    const size: [number, number] = [5, 7];
    const ours = await withBackend('cpu', () => {
      const x = tf.tensor4d(values, [3, 17, 19, 3]);
      const crops = cropBoxes(x, boxes, size, { indices, method: 'nearest' });
      const out = Array.from(crops.dataSync());
      tf.dispose([x, crops]);
      return out;
    });
    const x = tf.tensor4d(values, [3, 17, 19, 3]);
    const wasm = cropBoxes(x, boxes, size, { indices, method: 'nearest' });
    expect(Array.from(wasm.dataSync())).toEqual(ours);
    // And the cpu backend's own nearest cropAndResize, fed the same normalised boxes, gives the same pixels.
    const reference = await withBackend('cpu', () => {
      const xc = tf.tensor4d(values, [3, 17, 19, 3]);
      const norm = boxes.map((b) => {
        const axis = (start: number, extent: number, n: number, out: number) => {
          const first = start + (0.5 * extent) / out - 0.5;
          const last = start + extent - (0.5 * extent) / out - 0.5;
          const c = (v: number) => Math.min(Math.max(v, 0), n - 1) / (n - 1);
          return [c(first), c(last)];
        };
        const [y1, y2] = axis(b.top, b.height, 17, 5);
        const [x1, x2] = axis(b.left, b.width, 19, 7);
        return [y1!, x1!, y2!, x2!];
      });
      const crops = tf.image.cropAndResize(xc, tf.tensor2d(norm), tf.tensor1d(indices, 'int32'), size, 'nearest');
      const out = Array.from(crops.dataSync());
      tf.dispose([xc, crops]);
      return out;
    });
    // Rounding of a position within float32 error of .5 could differ (tf computes in float32, we in float64); with
    // these boxes none does.
    expect(reference).toEqual(ours);
    tf.dispose([x, wasm]);
  });

  it('rejects boxes outside the image', () => {
    const x = seededImages(1, 1, 4, 4);
    expectInvalid(() => cropBoxes(x, [{ top: 1, left: 0, height: 4, width: 4 }], [2, 2]), 'boxes[0]');
    expectInvalid(() => cropBoxes(x, [], [2, 2]), 'boxes');
    expectInvalid(() => cropBoxes(x, [{ top: 0, left: 0, height: 2, width: 2 }], [2, 2], { indices: [1] }), 'options.indices[0]');
    x.dispose();
  });
});

describe('randomResizedCrop', () => {
  it('resizes to the requested size, keeps values in range and is deterministic in the seed', () => {
    const x = seededImages(2, 5, 20, 16);
    const t = randomResizedCrop({ size: [8, 9], scale: [0.08, 1], ratio: [3 / 4, 4 / 3] });
    const a = t(x, createRng(1));
    const b = t(x, createRng(1));
    const c = t(x, createRng(2));
    expect(a.shape).toEqual([5, 8, 9, 3]);
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    const [lo, hi] = tf.tidy(() => [tf.min(a).dataSync()[0]!, tf.max(a).dataSync()[0]!]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    tf.dispose([a, b, c]);
    expectNoLeak(() => t(x, createRng(3)));
    x.dispose();
  });

  it('with scale [1, 1] and the image aspect, returns the image', () => {
    const x = seededImages(3, 2, 6, 9);
    const y = randomResizedCrop({ size: [6, 9], scale: [1, 1], ratio: [1.5, 1.5] })(x, createRng(0));
    expect(maxAbsDiff(x, y)).toBeLessThan(1e-5);
    const flipped = randomResizedCrop({ size: [6, 9], scale: [1, 1], ratio: [1.5, 1.5], flip: 1 })(x, createRng(0));
    const reference = flipHorizontal(x);
    expect(maxAbsDiff(flipped, reference)).toBeLessThan(1e-5);
    tf.dispose([x, y, flipped, reference]);
  });

  it('handles empty batches and validates its options eagerly', () => {
    const empty = tf.zeros([0, 5, 5, 3]) as tf.Tensor4D;
    const y = randomResizedCrop({ size: [3, 3] })(empty, createRng(0));
    expect(y.shape).toEqual([0, 3, 3, 3]);
    tf.dispose([empty, y]);
    expectInvalid(() => randomResizedCrop({ size: [0, 3] }), 'options.size');
    expectInvalid(() => randomResizedCrop({ size: [3, 3], scale: [0.5, 2] }), 'options.scale');
    expectInvalid(() => randomResizedCrop({ size: [3, 3], flip: 2 }), 'options.flip');
    expectInvalid(() => randomResizedCrop({ size: [3, 3], method: 'area' as 'nearest' }), 'options.method');
  });
});
