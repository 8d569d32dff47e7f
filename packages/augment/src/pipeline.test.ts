import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { flipHorizontal } from './flip.js';
import { clampPixels, clip, compose, type ImageTransform, multiView, randomApply } from './pipeline.js';
import { solarize } from './solarize.js';

const flip: ImageTransform = (x) => flipHorizontal(x);
const sol: ImageTransform = (x) => solarize(x);
const ones: ImageTransform = (x) => tf.onesLike(x);
/** A random transform: adds a per-batch offset drawn from the rng. */
const offset: ImageTransform = (x, rng) => tf.add(x, rng.float());

describe('compose', () => {
  it('applies the transforms in order', () => {
    const x = seededImages(1, 2, 4, 5);
    const rng = createRng(0);
    const y = compose([flip, sol])(x, rng);
    const flipped = flipHorizontal(x);
    const expected = solarize(flipped);
    expect(maxAbsDiff(y, expected)).toBe(0);
    tf.dispose([x, y, flipped, expected]);
  });

  it('is the identity (a copy) when empty, and leaks nothing', () => {
    const x = seededImages(2, 2, 3, 3);
    const y = compose([])(x, createRng(0));
    expect(y).not.toBe(x);
    expect(maxAbsDiff(x, y)).toBe(0);
    y.dispose();
    expectNoLeak(() => compose([flip, sol, offset])(x, createRng(1)));
    x.dispose();
  });

  it('rejects what is not a list of transforms, and bad inputs', () => {
    expectInvalid(() => compose('flip' as unknown as ImageTransform[]), 'transforms');
    expectInvalid(() => compose([flip, 3 as unknown as ImageTransform]), 'transforms[1]');
    const grey2 = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    expectInvalid(() => compose([flip])(grey2, createRng(0)), 'C = 1 (grey) or 3');
    expectInvalid(() => compose([flip])(tf.zeros([2, 2, 1]) as unknown as tf.Tensor4D, createRng(0)), 'images');
    const ok = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expectInvalid(() => compose([flip])(ok, {} as never), 'rng');
    tf.dispose([grey2, ok]);
  });
});

describe('randomApply', () => {
  it('selects each sample independently with probability p', () => {
    const x = seededImages(3, 400, 2, 2, 1);
    const y = randomApply(ones, 0.3)(x, createRng(5));
    const rows = tf.tidy(() => tf.min(tf.reshape(y, [400, 4]), 1).arraySync() as number[]);
    const replaced = rows.filter((v) => v === 1).length;
    // Binomial(400, 0.3): mean 120, sd 9.2.
    expect(replaced).toBeGreaterThan(80);
    expect(replaced).toBeLessThan(160);
    // Rows not replaced are the input, bit for bit.
    const xs = x.arraySync();
    const ys = y.arraySync();
    rows.forEach((v, i) => {
      if (v !== 1) expect(ys[i]).toEqual(xs[i]);
    });
    tf.dispose([x, y]);
  });

  it('p = 0 is the identity and p = 1 the transform', () => {
    const x = seededImages(4, 3, 4, 4);
    const none = randomApply(flip, 0)(x, createRng(0));
    const all = randomApply(flip, 1)(x, createRng(0));
    const flipped = flipHorizontal(x);
    expect(maxAbsDiff(none, x)).toBe(0);
    expect(maxAbsDiff(all, flipped)).toBe(0);
    tf.dispose([x, none, all, flipped]);
  });

  it('is deterministic in the seed, leaks nothing and rejects shape changes', () => {
    const x = seededImages(5, 8, 3, 3);
    const t = randomApply(offset, 0.5);
    const a = t(x, createRng(9));
    const b = t(x, createRng(9));
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([a, b]);
    expectNoLeak(() => t(x, createRng(1)));
    const shrink: ImageTransform = (images) => tf.slice(images, [0, 0, 0, 0], [-1, 2, 2, 3]);
    expectInvalid(() => randomApply(shrink, 1)(x, createRng(0)), 'shape-preserving');
    expectNoLeak(() => {
      try {
        randomApply(shrink, 0.5)(x, createRng(0));
      } catch {
        // expected
      }
    });
    expectInvalid(() => randomApply(flip, 1.5), 'p must be a probability');
    expectInvalid(() => randomApply('x' as unknown as ImageTransform, 0.5), 'transform');
    x.dispose();
  });
});

describe('multiView', () => {
  it('gives one view per transform, the same for the same seed and different for different seeds', () => {
    const x = seededImages(6, 4, 4, 4);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const views = multiView(offset, 3);
        const a = views(x, createRng(seed));
        const b = views(x, createRng(seed));
        const c = views(x, createRng(seed + 1));
        expect(a).toHaveLength(3);
        a.forEach((v, i) => expect(maxAbsDiff(v, b[i]!)).toBe(0));
        expect(maxAbsDiff(a[0]!, c[0]!)).toBeGreaterThan(0);
        // The views of one call differ from each other (each has its own fork of the generator).
        expect(maxAbsDiff(a[0]!, a[1]!)).toBeGreaterThan(0);
        tf.dispose([...a, ...b, ...c]);
      }),
      { numRuns: 10 },
    );
    x.dispose();
  });

  it('takes a list of different transforms (multi-crop) and releases views on failure', () => {
    const x = seededImages(7, 2, 4, 4);
    const half: ImageTransform = (images) => tf.image.resizeBilinear(images, [2, 2]);
    const views = multiView([flip, half])(x, createRng(0));
    expect(views.map((v) => v.shape)).toEqual([
      [2, 4, 4, 3],
      [2, 2, 2, 3],
    ]);
    tf.dispose(views);
    const boom: ImageTransform = () => {
      throw new Error('boom');
    };
    const before = tf.memory().numTensors;
    expect(() => multiView([flip, boom])(x, createRng(0))).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    expectInvalid(() => multiView([]), 'non-empty array');
    expectInvalid(() => multiView(flip, 0), 'count');
    x.dispose();
  });
});

describe('clampPixels', () => {
  it('clamps to [min, max]; clip is its deprecated alias', () => {
    const x = tf.tensor4d([-1, 0.5, 2], [1, 1, 3, 1]);
    const y = clampPixels()(x, createRng(0));
    expect(Array.from(y.dataSync())).toEqual([0, 0.5, 1]);
    expectInvalid(() => clampPixels({ min: 1, max: 0 }), 'options.max');
    expect(clip).toBe(clampPixels);
    tf.dispose([x, y]);
  });
});
