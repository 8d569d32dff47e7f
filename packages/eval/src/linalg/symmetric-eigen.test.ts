import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { symmetricEigen } from './symmetric-eigen.js';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

describe('symmetricEigen', () => {
  it('finds the eigenvalues of a hand-made matrix', () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 and 1, eigenvectors (1, 1)/sqrt2 and (1, -1)/sqrt2.
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2, { vectors: true });
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(vectors![0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors![0]! * vectors![2]!).toBeGreaterThan(0); // first column (1, 1) up to sign
    expect(Array.from(symmetricEigen([5, 0, 0, 0, -1, 0, 0, 0, 2], 3).values)).toEqual([5, 2, -1]);
    expect(Array.from(symmetricEigen([4], 1).values)).toEqual([4]);
  });

  it('satisfies A V = V diag(values), V orthonormal, trace preserved (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1_000_000 }), (n, seed) => {
        const a = randomSymmetric(n, seed);
        const { values, vectors } = symmetricEigen(a, n, { vectors: true });
        const v = vectors!;
        let trace = 0;
        for (let i = 0; i < n; i++) trace += a[i * n + i]!;
        expect(values.reduce((s, x) => s + x, 0)).toBeCloseTo(trace, 9);
        for (let j = 1; j < n; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]!);
        for (let c = 0; c < n; c++) {
          for (let r = 0; r < n; r++) {
            let av = 0;
            for (let k = 0; k < n; k++) av += a[r * n + k]! * v[k * n + c]!;
            expect(av).toBeCloseTo(values[c]! * v[r * n + c]!, 9);
          }
          for (let c2 = 0; c2 < n; c2++) {
            let dot = 0;
            for (let k = 0; k < n; k++) dot += v[k * n + c]! * v[k * n + c2]!;
            expect(dot).toBeCloseTo(c === c2 ? 1 : 0, 9);
          }
        }
        // Values alone agree with the full decomposition.
        const alone = symmetricEigen(a, n).values;
        alone.forEach((x, i) => {
    expect(x).toBeCloseTo(values[i]!, 9);
  });
      }),
      { numRuns: 30 },
    );
  });

  it('rejects a matrix of the wrong size or with NaN', () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/matrix must be 4 values/);
    expect(() => symmetricEigen([1, Number.NaN, Number.NaN, 1], 2)).toThrow(/finite values/);
  });
});
