import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/tensors';
import { symmetricEigen } from './symmetric-eigen.js';
import { topEigen } from './top-eigen.js';

/** A random PSD matrix B B^T / m with a clear spectral gap (a few strong directions). */
function psd(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const m = n + 5;
  const b = Float64Array.from({ length: n * m }, (_, i) => rng.normal() * (i % m < 3 ? 10 - 3 * (i % m) : 1));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += b[i * m + k]! * b[j * m + k]!;
    a[i * n + j] = s / m;
  }
  return a;
}

describe('topEigen', () => {
  it('agrees with the full decomposition, by the direct and the iterative path', () => {
    for (const n of [30, 410]) {
      const a = psd(n, n);
      const top = topEigen(a, n, 2);
      const full = symmetricEigen(a, n, { vectors: true });
      for (let c = 0; c < 2; c++) {
        expect(top.values[c]!).toBeCloseTo(full.values[c]!, 6);
        // Same direction up to sign.
        let dot = 0;
        for (let r = 0; r < n; r++) dot += top.vectors[r * 2 + c]! * full.vectors![r * n + c]!;
        expect(Math.abs(dot)).toBeCloseTo(1, 6);
      }
    }
  });

  it('fixes the sign of each vector', () => {
    const { vectors } = topEigen(Float64Array.from([2, 1, 1, 2]), 2, 1);
    expect(vectors[0]!).toBeGreaterThan(0);
    expect(vectors[1]!).toBeGreaterThan(0);
  });
});
