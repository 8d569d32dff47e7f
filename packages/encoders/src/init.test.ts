import { createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { initialWeights, resolveRng, withoutInitialisation } from './init.js';

async function stats(init: Parameters<typeof initialWeights>[3], fanMode: 'fanIn' | 'fanOut' = 'fanIn') {
  const t = initialWeights([64, 128], { fanIn: 64, fanOut: 128 }, createRng(1), init, fanMode);
  const v = (await t.data()) as Float32Array;
  t.dispose();
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { std, max: Math.max(...Array.from(v).map(Math.abs)) };
}

describe('initialWeights', () => {
  it('draws each initialiser with its variance', async () => {
    expect((await stats('heNormal')).std).toBeCloseTo(Math.sqrt(2 / 64), 2);
    expect((await stats('heNormal', 'fanOut')).std).toBeCloseTo(Math.sqrt(2 / 128), 2);
    const heUniform = await stats('heUniform');
    expect(heUniform.std).toBeCloseTo(Math.sqrt(2 / 64), 2);
    expect(heUniform.max).toBeLessThanOrEqual(Math.sqrt(6 / 64));
    expect((await stats('glorotUniform')).max).toBeLessThanOrEqual(Math.sqrt(6 / 192));
    expect((await stats('torchDefault')).max).toBeLessThanOrEqual(1 / 8);
  });

  it('same generator state, same weights', async () => {
    const a = initialWeights([5, 5], { fanIn: 5, fanOut: 5 }, createRng(9));
    const b = initialWeights([5, 5], { fanIn: 5, fanOut: 5 }, createRng(9));
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    a.dispose();
    b.dispose();
  });

  it('withoutInitialisation gives zeros and does not draw from the generator', async () => {
    const rng = createRng(3);
    const before = rng.getState();
    const t = withoutInitialisation(() => initialWeights([4, 4], { fanIn: 4, fanOut: 4 }, rng));
    expect(Array.from(await t.data())).toEqual(new Array(16).fill(0));
    expect(rng.getState()).toEqual(before);
    t.dispose();
  });

  it('resolveRng takes one of rng and seed, and validates them', () => {
    expect(resolveRng({ seed: 4 }).nextUint32()).toBe(createRng(4).nextUint32());
    expect(resolveRng({}).nextUint32()).toBe(createRng(0).nextUint32());
    expect(() => resolveRng({ seed: 1.5 })).toThrow(/options.seed must be an integer; got 1.5/);
    expect(() => resolveRng({ rng: createRng(1), seed: 1 })).toThrow(/options.seed must be absent when rng is given/);
    expect(() => initialWeights([2], { fanIn: 2, fanOut: 2 }, createRng(1), 'xavier' as 'heNormal')).toThrow(/init must be one of/);
  });
});
