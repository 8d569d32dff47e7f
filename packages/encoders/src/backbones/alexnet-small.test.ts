import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError, countParameters } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { onTrainingBackend, randomTensor, variablesWithoutGradient } from '../../test/helpers.js';
import { withoutInitialisation } from '../init.js';
import { alexNetSmall } from './alexnet-small.js';

describe('alexNetSmall', () => {
  it('has AlexNet conv widths and an fc6 over the final 3x3-pooled map', () => {
    // 64x64: conv1 stride 2 -> 32, pools -> 16 -> 8, convs keep 8, pool -> 4: fc6 sees 4 * 4 * 256.
    const e = withoutInitialisation(() => alexNetSmall({ inputShape: [64, 64, 3] }));
    const convs = 25 * 3 * 64 + 25 * 64 * 192 + 9 * 192 * 384 + 9 * 384 * 256 + 9 * 256 * 256;
    const norms = 2 * (64 + 192 + 384 + 256 + 256 + 512);
    expect(countParameters(e)).toBe(convs + norms + 4 * 4 * 256 * 512);
    expect(e.outputDim).toBe(512);
    // 28x28 (stride 1): 28 -> 14 -> 7 -> 4.
    const small = withoutInitialisation(() => alexNetSmall({ inputShape: [28, 28, 1], width: 0.25, outputDim: 64 }));
    expect(small.variables.find((v) => v.name === 'fc6/kernel')!.variable.shape).toEqual([4 * 4 * 64, 64]);
    e.dispose();
    small.dispose();
  });

  it('outputs [N, outputDim] for every allowed patch size and batch size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 8, max: 64 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), async (side, n, c) => {
        const e = alexNetSmall({ inputShape: [side, side, c], width: 0.0625, outputDim: 8, seed: side });
        const x = randomTensor([n, side, side, c], side);
        const y = e.apply(x, { training: n >= 2 });
        expect(y.shape).toEqual([n, 8]);
        tf.dispose([x, y]);
        e.dispose();
      }),
      { numRuns: 12 },
    );
  });

  it('rejects patch sides outside [8, 64] and inputs of another size', () => {
    expect(() => alexNetSmall({ inputShape: [96, 96, 3] })).toThrow(/options.inputShape\[0\] must be a patch side in \[8, 64\]/);
    expect(() => alexNetSmall({ inputShape: [7, 8, 3] })).toThrow(SelfsupError);
    expect(() => alexNetSmall({ inputShape: [-1, 32, 3] })).toThrow(/positive integers/);
    const e = alexNetSmall({ inputShape: [32, 32, 3], width: 0.0625, outputDim: 4 });
    const x = tf.zeros([1, 28, 28, 3]);
    expect(() => e.apply(x)).toThrow(/inputs must be a float32 batch for alexNetSmall of shape \[N, 32, 32, 3\]/);
    x.dispose();
    e.dispose();
  });

  it('every trainable variable gets a gradient; no tensors leak', async () => {
    await onTrainingBackend(async () => {
      const e = alexNetSmall({ inputShape: [16, 16, 3], width: 0.125, outputDim: 6, seed: 1 });
      const x = randomTensor([3, 16, 16, 3], 2);
      const w = randomTensor([3, 6], 3);
      expect(await variablesWithoutGradient(e.variables, () => tf.sum(tf.mul(e.apply(x, { training: true }), w)) as tf.Scalar)).toEqual([]);
      await expectNoLeak(() => e.apply(x));
      tf.dispose([x, w]);
      e.dispose();
    });
  });
});
