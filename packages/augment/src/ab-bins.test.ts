import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff } from '@selfsup/test-utils';
import { abBins, abHistogram, annealedMean, quantizeAb, rebalancingWeights, softEncodeAb } from './ab-bins.js';
import { rgbToLab } from './lab.js';

const nearest = (bins: readonly (readonly [number, number])[], a: number, b: number) => {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  bins.forEach(([x, y], i) => {
    const d = (x - a) ** 2 + (y - b) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return { index: best, distance: Math.sqrt(bestD) };
};

describe('abBins', () => {
  it('is a cached set of distinct step-10 grid points', () => {
    const bins = abBins();
    expect(new Set(bins.map((b) => b.join())).size).toBe(bins.length);
    for (const [a, b] of bins) {
      expect(Math.abs(a % 10)).toBe(0);
      expect(Math.abs(b % 10)).toBe(0);
    }
    expect(abBins()).toBe(bins);
  });

  it('the sRGB gamut, sampled through rgbToLab, reaches 262 bins, and every color is near one', () => {
    const srgb = abBins({ gamut: 'srgb' });
    expect(srgb).toHaveLength(262);
    // Every color lands within half a grid diagonal of an sRGB bin.
    const rng = createRng(3);
    const lab = rgbToLab(tf.tensor2d(rng.uniformArray(3000), [1000, 3]));
    const values = lab.arraySync();
    for (const [, a, b] of values) expect(nearest(srgb, a!, b!).distance).toBeLessThanOrEqual(5 * Math.SQRT2 + 1e-3);
    lab.dispose();
    expectInvalid(() => abBins({ gamut: 'adobe' as 'srgb' }), 'options.gamut');
  });
});

describe('quantizeAb / softEncodeAb / abHistogram', () => {
  it('quantizes to the nearest bin', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -110, max: 110, noNaN: true }), fc.double({ min: -110, max: 110, noNaN: true })), { minLength: 1, maxLength: 50 }), (pairs) => {
        const bins = abBins();
        const ab = tf.tensor2d(pairs.map((p) => [...p]), [pairs.length, 2]);
        const q = quantizeAb(ab);
        expect(q.dtype).toBe('int32');
        const got = Array.from(q.dataSync());
        pairs.forEach(([a, b], i) => {
          const ref = nearest(bins, a, b);
          const [ga, gb] = bins[got[i]!]!;
          // Ties aside, the same bin; in any case as near.
          expect(Math.sqrt((ga - a) ** 2 + (gb - b) ** 2)).toBeCloseTo(ref.distance, 3);
        });
        tf.dispose([ab, q]);
      }),
      { numRuns: 20 },
    );
    const image = tf.zeros([2, 3, 4, 2]);
    const q = quantizeAb(image);
    expect(q.shape).toEqual([2, 3, 4]);
    tf.dispose([image, q]);
  });

  it('soft-encodes onto the 5 nearest bins with Gaussian weights (sigma 5) summing to 1', () => {
    const bins = abBins();
    const rng = createRng(4);
    const pairs = Array.from({ length: 40 }, () => [rng.uniform(-90, 90), rng.uniform(-90, 90)]);
    const ab = tf.tensor3d(pairs.flat(), [4, 10, 2]);
    const encoded = softEncodeAb(ab);
    expect(encoded.shape).toEqual([4, 10, abBins().length]);
    const rows = tf.tidy(() => tf.reshape(encoded, [40, abBins().length]).arraySync() as number[][]);
    rows.forEach((row, i) => {
      const [a, b] = pairs[i]!;
      const order = bins.map((c, k) => ({ k, d2: (c[0] - a!) ** 2 + (c[1] - b!) ** 2 })).sort((p, q) => p.d2 - q.d2);
      const top = order.slice(0, 5);
      const raw = top.map((t) => Math.exp(-t.d2 / 50));
      const total = raw.reduce((s, v) => s + v, 0);
      const nonzero = row.map((v, k) => ({ v, k })).filter((e) => e.v > 0);
      expect(nonzero).toHaveLength(5);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      top.forEach((t, j) => expect(row[t.k]!).toBeCloseTo(raw[j]! / total, 4));
    });
    tf.dispose([ab, encoded]);
    const one = tf.tensor2d([[0, 0]]);
    expectNoLeak(() => softEncodeAb(one, { neighbours: 3, sigma: 2 }));
    expectInvalid(() => softEncodeAb(one, { neighbours: 0 }), 'options.neighbours');
    expectInvalid(() => softEncodeAb(tf.zeros([2, 3]), {}), 'last dimension is 2');
    one.dispose();
  });

  it('abHistogram is the share of values per nearest bin', () => {
    const ab = tf.tensor2d([[0, 0], [1, 1], [-2, 3], [50, 50]]);
    const h = abHistogram(ab);
    const values = Array.from(h.dataSync());
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    const bins = abBins();
    expect(values[nearest(bins, 0, 0).index]).toBeCloseTo(0.75, 6);
    expect(values[nearest(bins, 50, 50).index]).toBeCloseTo(0.25, 6);
    tf.dispose([ab, h]);
  });
});

describe('rebalancingWeights', () => {
  it('are ((1 - lambda) p + lambda / Q)^-1 normalised so that E_p[w] = 1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 2, maxLength: 40 }), fc.double({ min: 0.001, max: 1, noNaN: true }), (raw, lambda) => {
        fc.pre(raw.reduce((s, v) => s + v, 0) > 1e-6);
        const total = raw.reduce((s, v) => s + v, 0);
        const p = raw.map((v) => v / total);
        const w = Array.from(rebalancingWeights(raw, { lambda }).dataSync());
        expect(p.reduce((s, v, i) => s + v * w[i]!, 0)).toBeCloseTo(1, 4);
        // Proportional to the formula, and rarer bins weigh at least as much.
        const formula = p.map((v) => 1 / ((1 - lambda) * v + lambda / p.length));
        const scale = w[0]! / formula[0]!;
        w.forEach((v, i) => expect(Math.abs(v - formula[i]! * scale)).toBeLessThanOrEqual(1e-5 * Math.max(1, v)));
        for (let i = 0; i < p.length; i++)
          for (let j = 0; j < p.length; j++) if (p[i]! < p[j]!) expect(w[i]!).toBeGreaterThanOrEqual(w[j]! * (1 - 1e-6));
      }),
      { numRuns: 30 },
    );
  });

  it('lambda 1 gives uniform weights; smoothing uses the ab plane; bad priors are rejected', () => {
    const uniform = rebalancingWeights([0.7, 0.2, 0.1], { lambda: 1 });
    Array.from(uniform.dataSync()).forEach((v) => expect(v).toBeCloseTo(1, 6));
    const q = abBins().length;
    const prior = new Float32Array(q);
    prior[0] = 1;
    const smooth = rebalancingWeights(prior, { sigma: 5 });
    const sharp = rebalancingWeights(prior);
    // Smoothing spreads the mass to bin 0's neighbours, which then weigh less than without smoothing.
    const [a0, b0] = abBins()[0]!;
    const neighbour = abBins().findIndex((b) => Math.hypot(b[0] - a0, b[1] - b0) === 10);
    expect(neighbour).toBeGreaterThan(0);
    expect(smooth.dataSync()[neighbour]!).toBeLessThan(sharp.dataSync()[neighbour]!);
    const t = tf.tensor1d([1, 1]);
    const fromTensor = rebalancingWeights(t);
    expect(Array.from(fromTensor.dataSync())).toEqual([1, 1]);
    tf.dispose([uniform, smooth, sharp, t, fromTensor]);
    expectInvalid(() => rebalancingWeights([0, 0]), 'prior');
    expectInvalid(() => rebalancingWeights([1, -1]), 'prior');
    expectInvalid(() => rebalancingWeights([1, 1], { lambda: 2 }), 'options.lambda');
    expectInvalid(() => rebalancingWeights([1, 0], { lambda: 0 }), 'options.lambda');
    expectInvalid(() => rebalancingWeights([1, 1], { sigma: 5 }), 'options.bins');
  });
});

describe('annealedMean', () => {
  it('T = 1 is the mean, one-hot gives its bin, small T approaches the mode', () => {
    const bins = abBins();
    const q = bins.length;
    const probs = new Float32Array(2 * q);
    probs[7] = 1;
    probs[q + 3] = 0.6;
    probs[q + 200] = 0.4;
    const p = tf.tensor2d(probs, [2, q]);
    const mean = annealedMean(p, { temperature: 1 }).arraySync() as number[][];
    expect(mean[0]![0]).toBeCloseTo(bins[7]![0], 3);
    expect(mean[1]![0]).toBeCloseTo(0.6 * bins[3]![0] + 0.4 * bins[200]![0], 2);
    const mode = annealedMean(p, { temperature: 0.01 }).arraySync() as number[][];
    expect(mode[1]![0]).toBeCloseTo(bins[3]![0], 2);
    expect(mode[1]![1]).toBeCloseTo(bins[3]![1], 2);
    const defaultT = annealedMean(p);
    expect(maxAbsDiff(defaultT, annealedMean(p, { temperature: 0.38 }))).toBe(0);
    tf.dispose([p, defaultT]);
    expectInvalid(() => annealedMean(tf.zeros([2, 5])), 'probabilities');
  });
});
