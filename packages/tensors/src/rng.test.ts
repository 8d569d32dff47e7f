import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('createRng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = createRng(seed);
        const b = createRng(seed);
        const c = createRng(seed + 1);
        const xs = Array.from({ length: 8 }, () => a.nextUint32());
        expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xs);
        expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xs);
      }),
      { numRuns: 50 },
    );
    // Seeds that differ only in their high bits (negative ones included) are different generators.
    const first = (seed: number) => {
      const r = createRng(seed);
      return [r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()];
    };
    for (const [s, t] of [[-1, 0], [-1, 2 ** 32 - 1], [2 ** 32, 0], [-(2 ** 32), 0], [-2, 1]] as const) {
      expect(first(s), `${s} vs ${t}`).not.toEqual(first(t));
    }
  });

  it('restores a saved state exactly', () => {
    const rng = createRng(7);
    rng.float();
    const state = rng.getState();
    const next = [rng.float(), rng.normal(), rng.int(0, 10)];
    rng.setState(state);
    expect([rng.float(), rng.normal(), rng.int(0, 10)]).toEqual(next);
  });

  it('draws uniform floats in [0, 1) with the right mean and integers in range', () => {
    const rng = createRng(1);
    let sum = 0;
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 20000; i++) {
      const f = rng.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += f;
      const k = rng.int(0, 5);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    for (const c of counts) expect(Math.abs(c - 4000)).toBeLessThan(300);
  });

  it('draws normals with mean 0 and std 1', () => {
    const xs = createRng(3).normalArray(20000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('permutation is a permutation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer(), (n, seed) => {
        const p = createRng(seed).permutation(n);
        expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 50 },
    );
  });

  it('rejects bad arguments with the argument named', () => {
    expect(() => createRng(1.5)).toThrow(/seed must be an integer; got 1.5/);
    expect(() => createRng(1).int(3, 3)).toThrow(/high must be an integer >= 4/);
    expect(() => createRng(1).bernoulli(2)).toThrow(/p must be a probability/);
    expect(() => createRng(1).setState([0, 0, 0, 0])).toThrow(/state must be not all zero/);
  });
});
