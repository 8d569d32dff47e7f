import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { multiView } from './pipeline.js';
import { byolTransforms, mocoV1Transform, mocoV2Transform, simclrCifarTransform, simclrTransform } from './presets.js';

const presets = {
  simclr: () => simclrTransform({ size: [12, 12] }),
  simclrCifar: () => simclrCifarTransform({ size: [12, 12] }),
  mocoV1: () => mocoV1Transform({ size: [12, 12] }),
  mocoV2: () => mocoV2Transform({ size: [12, 12] }),
  byol1: () => byolTransforms({ size: [12, 12] })[0],
  byol2: () => byolTransforms({ size: [12, 12] })[1],
};

describe('presets', () => {
  for (const [name, make] of Object.entries(presets)) {
    it(`${name}: the right shape, values in [0, 1], no leaks`, () => {
      const x = seededImages(1, 6, 20, 16);
      const t = make();
      const y = t(x, createRng(0));
      expect(y.shape).toEqual([6, 12, 12, 3]);
      const [lo, hi] = tf.tidy(() => [tf.min(y).dataSync()[0]!, tf.max(y).dataSync()[0]!]);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      y.dispose();
      expectNoLeak(() => t(x, createRng(1)));
      const grey = seededImages(2, 3, 20, 16, 1);
      const g = t(grey, createRng(0));
      expect(g.shape).toEqual([3, 12, 12, 1]);
      tf.dispose([x, grey, g]);
    });
  }

  it('the same seed gives the same views; different seeds different views', () => {
    const x = seededImages(3, 4, 16, 16);
    const views = multiView(simclrTransform({ size: [8, 8] }), 2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const a = views(x, createRng(seed));
        const b = views(x, createRng(seed));
        const c = views(x, createRng(seed + 1));
        expect(maxAbsDiff(a[0]!, b[0]!)).toBe(0);
        expect(maxAbsDiff(a[1]!, b[1]!)).toBe(0);
        expect(maxAbsDiff(a[0]!, c[0]!)).toBeGreaterThan(0);
        expect(maxAbsDiff(a[0]!, a[1]!)).toBeGreaterThan(0);
        tf.dispose([...a, ...b, ...c]);
      }),
      { numRuns: 8 },
    );
    x.dispose();
  });

  it('accept empty batches', () => {
    const empty = tf.zeros([0, 10, 10, 3]) as tf.Tensor4D;
    for (const make of Object.values(presets)) {
      const y = make()(empty, createRng(0));
      expect(y.shape).toEqual([0, 12, 12, 3]);
      y.dispose();
    }
    empty.dispose();
  });

  it('BYOL returns two different view pipelines; options are validated', () => {
    expect(byolTransforms({ size: [8, 8] })).toHaveLength(2);
    expectInvalid(() => simclrTransform({ size: [8, 0] }), 'options.size');
    expectInvalid(() => simclrTransform({ size: [8, 8], strength: -1 }), 'options.strength');
    expectInvalid(() => simclrTransform({ size: [8, 8], blur: 'yes' as unknown as boolean }), 'options.blur');
    expectInvalid(() => mocoV1Transform(undefined as never), 'options');
    expectInvalid(() => mocoV2Transform({ size: [1.5, 2] as [number, number] }), 'options.size');
  });
});
