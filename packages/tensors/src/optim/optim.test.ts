import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { namedVariable } from '../variables.js';
import { adam } from './adam.js';
import { lars } from './lars.js';
import { cosineSchedule } from './schedule.js';
import { sgd } from './sgd.js';

/** Runs `steps` updates with a fixed gradient sequence on a 3-vector; returns the final parameters. */
function run(make: typeof sgd, config: object, grads: number[][], lr: number, init = [1, -2, 0.5]): number[] {
  const p = namedVariable('p', tf.tensor1d(init));
  const q = namedVariable('w', tf.tensor2d([init], [1, 3]));
  const opt = make([p, q], config);
  for (const g of grads) {
    const gs = [tf.tensor1d(g), tf.tensor2d([g], [1, 3])];
    opt.applyGradients(gs, lr);
    tf.dispose(gs);
  }
  const out = Array.from(q.variable.dataSync());
  opt.dispose();
  tf.dispose([p.variable, q.variable]);
  return out;
}

const gradsArb = fc.array(fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 });

describe('optimizers against hand-written references', () => {
  it('sgd with momentum and weight decay follows PyTorch rule', () => {
    fc.assert(
      fc.property(gradsArb, (grads) => {
        const mu = 0.9;
        const wd = 0.01;
        const lr = 0.1;
        const w = [1, -2, 0.5];
        const v = [0, 0, 0];
        for (const g of grads) for (let i = 0; i < 3; i++) {
          const gi = (g[i] ?? 0) + wd * (w[i] ?? 0);
          v[i] = mu * (v[i] ?? 0) + gi;
          w[i] = (w[i] ?? 0) - lr * (v[i] ?? 0);
        }
        const got = run(sgd, { momentum: mu, weightDecay: wd }, grads, lr);
        got.forEach((x, i) => expect(x).toBeCloseTo(w[i] ?? 0, 4));
      }),
      { numRuns: 20 },
    );
  });

  it('adam matches the bias-corrected update', () => {
    fc.assert(
      fc.property(gradsArb, (grads) => {
        const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 0.01];
        const w = [1, -2, 0.5];
        const m = [0, 0, 0];
        const v = [0, 0, 0];
        grads.forEach((g, t0) => {
          const t = t0 + 1;
          for (let i = 0; i < 3; i++) {
            const gi = g[i] ?? 0;
            m[i] = b1 * (m[i] ?? 0) + (1 - b1) * gi;
            v[i] = b2 * (v[i] ?? 0) + (1 - b2) * gi * gi;
            const mh = (m[i] ?? 0) / (1 - b1 ** t);
            const vh = (v[i] ?? 0) / (1 - b2 ** t);
            w[i] = (w[i] ?? 0) - (lr * mh) / (Math.sqrt(vh) + eps);
          }
        });
        const got = run(adam, {}, grads, lr);
        got.forEach((x, i) => expect(x).toBeCloseTo(w[i] ?? 0, 4));
      }),
      { numRuns: 20 },
    );
  });

  it('lars scales matrix updates by the trust ratio and leaves vectors unadapted', () => {
    const grads = [[0.5, -1, 2]];
    const [eta, wd, lr] = [0.001, 0, 1];
    const w = [1, -2, 0.5];
    const wNorm = Math.hypot(...w);
    const gNorm = Math.hypot(...(grads[0] as number[]));
    const expected = w.map((x, i) => x - lr * ((eta * wNorm) / gNorm) * (grads[0]![i] ?? 0));
    const got = run(lars, { eta, weightDecay: wd, momentum: 0 }, grads, lr);
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i] ?? 0, 5));
  });

  it('rejects bad hyper-parameters by name', () => {
    expect(() => sgd([], { momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\]; got 2/);
    expect(() => adam([], { epsilon: 0 })).toThrow(/epsilon must be a finite number > 0/);
  });
});

describe('cosineSchedule', () => {
  it('warms up linearly, peaks at baseLr, decays to finalLr', () => {
    const s = cosineSchedule({ baseLr: 1, totalSteps: 110, warmupSteps: 10, finalLr: 0.1 });
    expect(s(0)).toBeCloseTo(0.1);
    expect(s(9)).toBeCloseTo(1);
    expect(s(10)).toBeCloseTo(1);
    expect(s(60)).toBeCloseTo(0.55);
    expect(s(110)).toBeCloseTo(0.1);
    fc.assert(fc.property(fc.integer({ min: 10, max: 109 }), (t) => {
      expect(s(t + 1)).toBeLessThanOrEqual(s(t) + 1e-12);
    }), { numRuns: 30 });
  });
});
