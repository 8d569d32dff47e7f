import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { kMeans, nearestCentroid } from './kmeans.js';

function blobs(seed: number, centres: number[][], perBlob: number, spread: number): number[][] {
  const rng = createRng(seed);
  return centres.flatMap((c) => Array.from({ length: perBlob }, () => c.map((x) => x + rng.normal(0, spread))));
}

describe('kMeans', () => {
  it('recovers well-separated clusters', () => {
    const centres = [
      [0, 0],
      [10, 0],
      [0, 10],
      [-10, -10],
    ];
    const points = tf.tensor2d(blobs(1, centres, 50, 0.5));
    const result = kMeans(points, 4, { rng: createRng(2) });
    const found = result.centroids.arraySync();
    for (const c of centres) {
      const nearest = Math.min(...found.map((f) => Math.hypot(f[0]! - c[0]!, f[1]! - c[1]!)));
      expect(nearest).toBeLessThan(0.3);
    }
    // Points of one blob share a cluster.
    for (let b = 0; b < 4; b++) expect(new Set(result.assignments.slice(b * 50, b * 50 + 50)).size).toBe(1);
    tf.dispose([points, result.centroids]);
  });

  it('reports the inertia of its assignment and is deterministic for a seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 5 }), (seed, k) => {
        const data = blobs(seed, [[0, 0, 0]], 30, 1);
        const points = tf.tensor2d(data);
        const a = kMeans(points, k, { rng: createRng(seed) });
        const b = kMeans(points, k, { rng: createRng(seed) });
        const centres = a.centroids.arraySync();
        expect(b.centroids.arraySync()).toEqual(centres);
        let inertia = 0;
        data.forEach((p, i) => {
          const c = centres[a.assignments[i]!]!;
          inertia += p.reduce((s, x, d) => s + (x - c[d]!) ** 2, 0);
          // Every point sits with its nearest centre.
          const best = Math.min(...centres.map((q) => p.reduce((s, x, d) => s + (x - q[d]!) ** 2, 0)));
          expect(p.reduce((s, x, d) => s + (x - c[d]!) ** 2, 0)).toBeCloseTo(best, 4);
        });
        expect(a.inertia).toBeCloseTo(inertia, 2);
        // No empty cluster.
        expect(new Set(a.assignments).size).toBe(k);
        tf.dispose([points, a.centroids, b.centroids]);
      }),
      { numRuns: 15 },
    );
  });

  it('copes with duplicate points', () => {
    const points = tf.tensor2d([[1, 1], [1, 1], [1, 1], [5, 5]]);
    const result = kMeans(points, 2, { rng: createRng(0) });
    expect(result.inertia).toBeCloseTo(0, 6);
    tf.dispose([points, result.centroids]);
  });

  it('validates its arguments', () => {
    const points = tf.tensor2d([[0, 0], [1, 1]]);
    expect(() => kMeans(points, 3, { rng: createRng(0) })).toThrow(/k must be at most the number of points \(2\); got 3/);
    expect(() => kMeans(points, 0, { rng: createRng(0) })).toThrow(/k must be an integer >= 1/);
    expect(() => kMeans(points, 1, {} as never)).toThrow(/options.rng must be an Rng/);
    const bad = tf.tensor2d([[0, Number.NaN]]);
    expect(() => kMeans(bad, 1, { rng: createRng(0) })).toThrow(/points must be finite values/);
    tf.dispose([points, bad]);
  });
});

describe('nearestCentroid', () => {
  it('equals a loop over the centres', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
        (points, centres) => {
          const got = tf.tidy(() => Array.from(nearestCentroid(tf.tensor2d(points), tf.tensor2d(centres)).dataSync()));
          points.forEach((p, i) => {
            const d = centres.map((c) => p.reduce((s, x, k) => s + (x - c[k]!) ** 2, 0));
            expect(d[got[i]!]!).toBeLessThanOrEqual(Math.min(...d) + 1e-3);
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});
