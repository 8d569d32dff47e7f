import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { expectClose } from '../test/helpers.js';
import { ACTIVATIONS, activate } from './activation.js';

/** erf by its Taylor series: exact to float precision for |x| <= 4, and +-1 beyond. */
function erf(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const REFERENCE: Record<(typeof ACTIVATIONS)[number], (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  leakyRelu: (x) => (x > 0 ? x : 0.01 * x),
  elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  linear: (x) => x,
};

describe('activate', () => {
  const values = [-3, -1.5, -0.2, 0, 0.3, 1, 2.5];
  for (const name of ACTIVATIONS) {
    it(`${name} matches its formula`, async () => {
      const x = tf.tensor1d(values);
      const y = activate(x, name);
      expectClose(await y.data(), values.map(REFERENCE[name]), 1e-5);
      tf.dispose([x, y]);
      await expectNoLeak(() => {
        const a = tf.tensor1d(values);
        const out = activate(a, name);
        a.dispose();
        return out;
      });
    });
  }

  it('rejects unknown names through assertActivation users', async () => {
    const { assertActivation } = await import('./activation.js');
    expect(() => assertActivation('activation', 'swish')).toThrow(/activation must be one of "relu", .*; got "swish"/);
  });
});
