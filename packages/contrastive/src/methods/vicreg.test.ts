import * as tf from '@tensorflow/tfjs-core';
import { fit } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder, tinyHead } from '../../test/tiny-encoder.js';
import { shiftAndNoise } from '../../test/views.js';
import { vicreg } from './vicreg.js';

describe('vicreg', () => {
  it('trains on MNIST digits without NaN and with falling loss, reporting its three terms', async () => {
    const data = fewDigits(128);
    const method = vicreg({ encoder: tinyEncoder([28, 28, 1], 16), expander: tinyHead(16, 16), views: shiftAndNoise() });
    const before = tf.memory().numTensors;
    const result = await fit(method, data, { batchSize: 32, epochs: 8, learningRate: 3e-3, seed: 1, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    const m = method.metrics?.() ?? {};
    expect(Object.keys(m).sort()).toEqual(['covariance', 'invariance', 'variance']);
    // The loss is the weighted sum of the reported terms (of the last step).
    expect(25 * m['invariance']! + 25 * m['variance']! + m['covariance']!).toBeCloseTo(result.losses.at(-1)!, 3);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
    data.dispose?.();
  });

  it('rejects bad weights at construction', () => {
    const encoder = tinyEncoder([28, 28, 1], 8);
    expect(() => vicreg({ encoder, expander: tinyHead(8, 8), views: (x) => x, varianceWeight: -1 })).toThrow(/options.varianceWeight must be a finite number >= 0; got -1/);
    encoder.dispose();
  });
});
