import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { expectClose, randomTensor } from '../test/helpers.js';
import { alexNetSmall } from './backbones/alexnet-small.js';
import { encodePatches } from './patches.js';

describe('encodePatches', () => {
  it('embeds each patch with the shared encoder: [N, P, H, W, C] -> [N, P, D]', async () => {
    const encoder = alexNetSmall({ inputShape: [12, 12, 3], width: 0.0625, outputDim: 5, seed: 1 });
    const patches = randomTensor([2, 3, 12, 12, 3], 2);
    const out = encodePatches(encoder, patches);
    expect(out.shape).toEqual([2, 3, 5]);
    // In inference mode each patch's embedding is that of the patch alone.
    const one = tf.tidy(() => encoder.apply(tf.reshape(tf.slice(patches, [1, 2], [1, 1]), [1, 12, 12, 3])));
    expectClose(await tf.slice(out, [1, 2], [1, 1]).data(), await one.data(), 1e-5);
    await expectNoLeak(() => encodePatches(encoder, patches, { training: true }));
    tf.dispose([patches, out, one]);
    encoder.dispose();
  });

  it('rejects a batch without a patch axis', () => {
    const encoder = alexNetSmall({ inputShape: [8, 8, 1], width: 0.0625, outputDim: 2 });
    const x = tf.zeros([2, 8, 8, 1]);
    expect(() => encodePatches(encoder, x)).toThrow(/patches must be a tensor of shape \[N, P, 8, 8, 1\]/);
    x.dispose();
    encoder.dispose();
  });
});
