import * as tf from '@tensorflow/tfjs-core';
import { fit } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder, tinyHead } from '../../test/tiny-encoder.js';
import { shiftAndNoise } from '../../test/views.js';
import { barlowTwins } from './barlow-twins.js';

describe('barlowTwins', () => {
  it('trains on MNIST digits without NaN and with falling loss', async () => {
    const data = fewDigits(128);
    const method = barlowTwins({ encoder: tinyEncoder([28, 28, 1], 16), projector: tinyHead(16, 16), views: shiftAndNoise() });
    expect(method.config['lambda']).toBe(0.0051);
    const before = tf.memory().numTensors;
    const result = await fit(method, data, { batchSize: 32, epochs: 8, learningRate: 3e-3, seed: 1, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
    data.dispose?.();
  });
});
