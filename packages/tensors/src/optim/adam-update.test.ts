import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendsUnderTest, memoryProbe, randomValues } from '../../test/kernels.js';
import { initBackend } from '../backend.js';
import { ALL_FINITE_KERNEL, allFinite } from '../fit/finite.js';
import { loadNativeAddon } from '../kernels/native/addon.js';
import { nativeKernelStats } from '../kernels/native/kernels.js';
import { namedVariable } from '../variables.js';
import { adam } from './adam.js';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs, adamUpdate } from './adam-update.js';

const load = await loadNativeAddon(process.env);
const canRunNative = load.ok && typeof load.addon.adamUpdate === 'function' && typeof load.addon.allFinite === 'function';

const backends = backendsUnderTest(canRunNative);

afterAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const f = Math.fround;

/** A plain float32 reference of one update, rounding after every operation as float32 tensors do. */
function adamReference(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamUpdateAttrs) {
  const out = { param: new Float32Array(p.length), m: new Float32Array(p.length), v: new Float32Array(p.length) };
  const [b1, nb1, b2, nb2, step, c2, eps, l2, dec] = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.step, a.c2, a.epsilon, a.l2, a.decoupled].map(f) as number[];
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    const gi = l2! > 0 ? f(g[i]! + f(pi * l2!)) : g[i]!;
    const mi = f(f(m[i]! * b1!) + f(gi * nb1!));
    const vi = f(f(v[i]! * b2!) + f(f(gi * gi) * nb2!));
    let update = f(f(mi * step!) / f(f(Math.sqrt(f(vi * c2!))) + eps!));
    if (dec! > 0) update = f(update + f(pi * dec!));
    out.m[i] = mi;
    out.v[i] = vi;
    out.param[i] = f(pi - update);
  }
  return out;
}

const attrsArb: fc.Arbitrary<AdamUpdateAttrs> = fc
  .record({
    beta1: fc.constantFrom(0, 0.5, 0.9),
    beta2: fc.constantFrom(0.9, 0.99, 0.999),
    step: fc.double({ min: 1e-5, max: 0.1, noNaN: true }),
    c2: fc.double({ min: 1, max: 1000, noNaN: true }),
    epsilon: fc.constantFrom(1e-8, 1e-6),
    decay: fc.constantFrom('none', 'l2', 'decoupled'),
    weightDecay: fc.double({ min: 1e-6, max: 0.1, noNaN: true }),
  })
  .map(({ decay, weightDecay, ...rest }) => ({
    ...rest,
    l2: decay === 'l2' ? weightDecay : 0,
    decoupled: decay === 'decoupled' ? weightDecay * rest.step : 0,
  }));

async function runUpdate(shape: number[], seed: number, attrs: AdamUpdateAttrs) {
  const size = shape.reduce((a, b) => a * b, 1);
  const [p, g, m] = [0, 1, 2].map((k) => randomValues(seed + k, size)) as [Float32Array, Float32Array, Float32Array];
  const v = randomValues(seed + 3, size).map((x) => x * x);
  const tensors = [p, g, m, v].map((values) => tf.tensor(values, shape));
  const result = adamUpdate(tensors[0]!, tensors[1]!, tensors[2]!, tensors[3]!, attrs);
  const got = { param: await result.param.data(), m: await result.m.data(), v: await result.v.data() };
  for (const t of [result.param, result.m, result.v]) expect(t.shape).toEqual(shape);
  tf.dispose([...tensors, result.param, result.m, result.v]);
  return { got, want: adamReference(p, g, m, v, attrs) };
}

describe.each(backends)('adamUpdate and allFinite on $name', (backend) => {
  beforeAll(async () => {
    await backend.init();
  });

  it(`runs ${backend.kernels ? 'one kernel each' : 'as tfjs ops'} (only initBackend with the native kernels registers them)`, () => {
    expect(tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined).toBe(backend.kernels);
    expect(tf.getKernel(ALL_FINITE_KERNEL, tf.getBackend()) !== undefined).toBe(backend.kernels);
    const before = nativeKernelStats.native;
    const x = tf.ones([3]);
    const out = adamUpdate(x, x, x, x, { beta1: 0.9, beta2: 0.999, step: 0.1, c2: 1, epsilon: 1e-8, l2: 0, decoupled: 0 });
    const finite = allFinite([x, x]);
    expect(nativeKernelStats.native - before).toBe(backend.kernels ? 2 : 0);
    tf.dispose([x, out.param, out.m, out.v, finite]);
  });

  it('adamUpdate equals a float32 reference bit for bit (no decay, L2, decoupled; small and parallel sizes)', async () => {
    const cases = fc.record({
      shape: fc.oneof(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), fc.constant<number[]>([300, 512])),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      attrs: attrsArb,
    });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const { got, want } = await runUpdate(c.shape, c.seed, c.attrs);
        expect(Array.from(got.m)).toEqual(Array.from(want.m));
        expect(Array.from(got.v)).toEqual(Array.from(want.v));
        expect(Array.from(got.param)).toEqual(Array.from(want.param));
      }),
      { numRuns: 25 },
    );
  });

  it('the adam optimizer gives the same weights over steps as the reference (and leaks nothing)', async () => {
    const p = namedVariable('p', tf.tensor2d([[1, -2, 0.5], [0.25, 3, -1]]));
    const opt = adam([p], { weightDecay: 0.01, decoupled: true });
    const before = memoryProbe();
    let w = Float32Array.from(p.variable.dataSync());
    let m = new Float32Array(6);
    let v = new Float32Array(6);
    for (let t = 1; t <= 4; t++) {
      const g = Float32Array.from([0.5, -1, 2, 0.1, -0.3, t]);
      const lr = 0.01 * t;
      const grad = tf.tensor2d(g, [2, 3]);
      opt.applyGradients([grad], lr);
      grad.dispose();
      const attrs = { beta1: 0.9, beta2: 0.999, step: lr / (1 - 0.9 ** t), c2: 1 / (1 - 0.999 ** t), epsilon: 1e-8, l2: 0, decoupled: lr * 0.01 };
      ({ param: w, m, v } = adamReference(w, g, m, v, attrs));
    }
    expect(Array.from(await p.variable.data())).toEqual(Array.from(w));
    expect(memoryProbe()).toEqual(before);
    opt.dispose();
    p.variable.dispose();
  });

  it('allFinite is 1 exactly when every value of every tensor is finite', async () => {
    const cases = fc.record({
      sizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(200_000)), { minLength: 1, maxLength: 4 }),
      bad: fc.option(fc.record({ tensor: fc.nat(), at: fc.nat(), value: fc.constantFrom(Number.NaN, Infinity, -Infinity) })),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const arrays = c.sizes.map((n, i) => randomValues(c.seed + i, n).map((x) => x * 1e30));
        if (c.bad !== null) {
          const a = arrays[c.bad.tensor % arrays.length]!;
          a[c.bad.at % a.length] = c.bad.value;
        }
        const tensors = arrays.map((a) => tf.tensor1d(a));
        const flag = allFinite(tensors);
        expect(flag.dtype).toBe('float32');
        expect(flag.shape).toEqual([]);
        expect((await flag.data())[0]).toBe(c.bad === null ? 1 : 0);
        tf.dispose([...tensors, flag]);
      }),
      { numRuns: 25 },
    );
  });

  it('leaks no tensors (nor wasm buffers)', () => {
    const x = tf.ones([5, 4]);
    const before = memoryProbe();
    const out = adamUpdate(x, x, x, x, { beta1: 0.9, beta2: 0.999, step: 0.1, c2: 1, epsilon: 1e-8, l2: 0.1, decoupled: 0 });
    tf.dispose([out.param, out.m, out.v]);
    tf.dispose(allFinite([x]));
    tf.dispose(allFinite([]));
    expect(memoryProbe()).toEqual(before);
    x.dispose();
  });
});
