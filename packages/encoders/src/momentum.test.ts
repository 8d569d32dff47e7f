import * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '@selfsup/tensors';
import { SelfsupError, createRng, namedVariable } from '@selfsup/tensors';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { randomTensor } from '../test/helpers.js';
import { convNet } from './backbones/conv-net.js';
import { mlp } from './backbones/mlp.js';
import { resnet } from './backbones/resnet.js';
import { defineEncoder } from './define-encoder.js';
import { byolProjectionHead } from './heads/presets.js';
import { byolMomentum, emaUpdate, momentumCopy } from './momentum.js';
import { registerArchitecture, unregisterArchitecture } from './registry.js';

async function values(module: { variables: readonly { name: string; variable: tf.Variable }[] }): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const v of module.variables) out.set(v.name, (await v.variable.data()) as Float32Array);
  return out;
}

/** Gives every variable of a module random values (so that online and target differ everywhere). */
function scramble(module: { variables: readonly { variable: tf.Variable }[] }, seed: number): void {
  const rng = createRng(seed);
  for (const v of module.variables) v.variable.assign(tf.tensor(rng.uniformArray(v.variable.size, 0.1, 2), v.variable.shape));
}

describe('momentumCopy', () => {
  it('copies every variable (statistics too), marks all non-trainable, and embeds identically', async () => {
    const online = resnet({ depth: 18, stem: 'cifar', width: 0.125, seed: 1 });
    const x = randomTensor([2, 8, 8, 3], 2);
    online.apply(x, { training: true }).dispose(); // move the running statistics off their initial values
    const target = momentumCopy(online);
    expect(target.architecture).toBe('resnet');
    expect(target.config).toEqual(online.config);
    expect(target.variables.map((v) => v.name)).toEqual(online.variables.map((v) => v.name));
    expect(target.variables.every((v) => !v.trainable && !v.variable.trainable)).toBe(true);
    expect(await values(target)).toEqual(await values(online));
    const [a, b] = [online.apply(x), target.apply(x)];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([a, b, x]);
    online.dispose();
    target.dispose();
  });

  it('is independent of the online encoder: training one leaves the other, and disposing one keeps the other', async () => {
    const online = mlp({ inputDim: 3, hiddenDims: [4], outputDim: 2, seed: 1 });
    const target = momentumCopy(online);
    const before = await values(target);
    scramble(online, 5);
    expect(await values(target)).toEqual(before);
    online.dispose();
    const x = tf.ones([1, 3]);
    const y = target.apply(x);
    expect(y.shape).toEqual([1, 2]);
    tf.dispose([x, y]);
    target.dispose();
  });

  it('copies heads and keeps their fields', async () => {
    const head = byolProjectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 4, seed: 2 });
    const copy = momentumCopy(head);
    expect(copy.inputDim).toBe(8);
    expect(copy.blocks).toEqual(head.blocks);
    expect(await values(copy)).toEqual(await values(head));
    head.dispose();
    copy.dispose();
  });

  describe('third-party architectures', () => {
    afterEach(() => {
      unregisterArchitecture('scaledLinear');
    });
    const scaledLinear = (config: { dim: number }): Encoder => {
      const w = namedVariable('w', tf.ones([config.dim, config.dim]));
      return defineEncoder({
        architecture: 'scaledLinear',
        config,
        inputShape: [config.dim],
        outputDim: config.dim,
        variables: [w],
        forward: (x) => tf.matMul(x as tf.Tensor2D, w.variable as tf.Tensor2D),
      });
    };

    it('works once the architecture is registered, and says how otherwise', async () => {
      const online = scaledLinear({ dim: 3 });
      expect(() => momentumCopy(online)).toThrow(/architecture "scaledLinear" is not registered .*registerArchitecture\("scaledLinear", factory\)/);
      registerArchitecture('scaledLinear', (c) => scaledLinear(c as { dim: number }));
      scramble(online, 1);
      const target = momentumCopy(online);
      expect(await values(target)).toEqual(await values(online));
      online.dispose();
      target.dispose();
    });
  });
});

describe('emaUpdate', () => {
  it('m = 1 leaves the target unchanged, m = 0 copies the online weights (bit for bit)', async () => {
    const online = convNet({ inputShape: [8, 8, 1], channels: [2, 3], outputDim: 2, seed: 1 });
    const target = momentumCopy(online);
    scramble(online, 2);
    scramble(target, 3);
    const targetBefore = await values(target);
    emaUpdate(target, online, 1);
    expect(await values(target)).toEqual(targetBefore);
    emaUpdate(target, online, 0);
    const onlineNow = await values(online);
    const targetNow = await values(target);
    for (const v of online.variables) {
      // Parameters are copied; running statistics are left alone by default.
      expect(targetNow.get(v.name)).toEqual(v.trainable ? onlineNow.get(v.name) : targetBefore.get(v.name));
    }
    emaUpdate(target, online, 0, { includeState: true });
    expect(await values(target)).toEqual(onlineNow);
    online.dispose();
    target.dispose();
  });

  it('in between is the convex combination m * target + (1 - m) * online, weight by weight', async () => {
    const online = mlp({ inputDim: 3, hiddenDims: [4], outputDim: 2, batchNorm: true, seed: 1 });
    const target = momentumCopy(online);
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 1000 }), fc.boolean(), async (m, seed, includeState) => {
        scramble(online, seed);
        scramble(target, seed + 1);
        const [o, t] = [await values(online), await values(target)];
        emaUpdate(target, online, m, { includeState });
        const after = await values(target);
        for (const v of online.variables) {
          const expected = v.trainable || includeState ? t.get(v.name)!.map((tv, i) => m * tv + (1 - m) * o.get(v.name)![i]!) : t.get(v.name)!;
          const got = after.get(v.name)!;
          for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected[i]!)));
        }
      }),
      { numRuns: 30 },
    );
    online.dispose();
    target.dispose();
  });

  it('leaks no tensors', async () => {
    const online = mlp({ inputDim: 3, outputDim: 2 });
    const target = momentumCopy(online);
    await expectNoLeak(() => emaUpdate(target, online, 0.99));
    await expectNoLeak(() => emaUpdate(target, online, 0));
    online.dispose();
    target.dispose();
  });

  it('rejects mismatched modules and m outside [0, 1]', () => {
    const a = mlp({ inputDim: 3, outputDim: 2 });
    const b = mlp({ inputDim: 4, outputDim: 2 });
    const c = mlp({ inputDim: 3, hiddenDims: [2] });
    expect(() => emaUpdate(a, b, 0.5)).toThrow(/online variable "output\/kernel" must be of shape \[3, 2\]/);
    expect(() => emaUpdate(a, c, 0.5)).toThrow(/online must be a module with a variable "output\/kernel"/);
    expect(() => emaUpdate(a, a, 0.5)).toThrow(/target must be a module that does not share variables with online/);
    expect(() => emaUpdate(a, b, 1.5)).toThrow(SelfsupError);
    expect(() => emaUpdate(a, b, Number.NaN)).toThrow(/m must be a number in \[0, 1\]; got NaN/);
    for (const e of [a, b, c]) e.dispose();
  });
});

describe('byolMomentum', () => {
  it('follows 1 - (1 - base)(cos(pi k / K) + 1) / 2: base at 0, 1 at the end, increasing', () => {
    expect(byolMomentum(0, 100)).toBeCloseTo(0.996, 12);
    expect(byolMomentum(100, 100)).toBe(1);
    expect(byolMomentum(50, 100, 0.99)).toBeCloseTo(0.995, 12);
    let previous = 0;
    for (let k = 0; k <= 20; k++) {
      const m = byolMomentum(k, 20, 0.9);
      expect(m).toBeGreaterThanOrEqual(previous);
      previous = m;
    }
  });

  it('rejects steps outside [0, totalSteps]', () => {
    expect(() => byolMomentum(11, 10)).toThrow(/step must be an integer in \[0, 10\]; got 11/);
    expect(() => byolMomentum(0, 0)).toThrow(/totalSteps must be an integer >= 1; got 0/);
    expect(() => byolMomentum(0, 10, 2)).toThrow(/base must be a number in \[0, 1\]; got 2/);
  });
});
