import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { expectClose, randomTensor } from '../../test/helpers.js';
import { groupNorm } from './group-norm.js';

describe('groupNorm', () => {
  it('normalises each sample over groups of channels, as a loop does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.constantFrom([4, 2], [6, 3], [4, 4], [3, 1]), async (n, [c, g]) => {
        const gn = groupNorm({ channels: c as number, groups: g as number });
        gn.gamma!.variable.assign(randomTensor([c as number], 1));
        gn.beta!.variable.assign(randomTensor([c as number], 2));
        const [h, w] = [3, 2];
        const x = randomTensor([n, h, w, c as number], n + (c as number));
        const y = gn.apply(x);
        const [xv, gamma, beta] = await Promise.all([x.data(), gn.gamma!.variable.data(), gn.beta!.variable.data()]);
        const size = c as number;
        const per = size / (g as number);
        const expected = new Float32Array(xv.length);
        for (let b = 0; b < n; b++)
          for (let grp = 0; grp < (g as number); grp++) {
            const idx: number[] = [];
            for (let p = 0; p < h * w; p++) for (let k = 0; k < per; k++) idx.push((b * h * w + p) * size + grp * per + k);
            const mean = idx.reduce((a, i) => a + (xv[i] as number), 0) / idx.length;
            const variance = idx.reduce((a, i) => a + ((xv[i] as number) - mean) ** 2, 0) / idx.length;
            for (const i of idx) expected[i] = (((xv[i] as number) - mean) / Math.sqrt(variance + 1e-5)) * gamma[i % size]! + beta[i % size]!;
          }
        expectClose(await y.data(), expected, 1e-4);
        tf.dispose([x, y]);
        gn.dispose();
      }),
      { numRuns: 12 },
    );
  });

  it('works with a batch of one and is the same in training and inference', async () => {
    const gn = groupNorm({ channels: 4, groups: 2 });
    const x = randomTensor([1, 2, 2, 4], 3);
    const a = gn.apply(x, { training: true });
    const b = gn.apply(x);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([x, a, b]);
    gn.dispose();
  });

  it('rejects a group count that does not divide the channels', () => {
    expect(() => groupNorm({ channels: 6, groups: 4 })).toThrow(/options.groups must be a divisor of channels \(6\); got 4/);
  });

  it('leaks no tensors', async () => {
    const gn = groupNorm({ channels: 4 });
    const x = tf.ones([2, 2, 2, 4]);
    await expectNoLeak(() => gn.apply(x));
    x.dispose();
    gn.dispose();
  });
});
