import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { expectNoLeak } from '@selfsup/test-utils';
import { describe, it } from 'vitest';
import { attentionWeights, neighbourhoodBias, topKAttention } from './attention.js';
import { colorError } from './colorize.js';
import { fitColorClusters, quantizeColors } from './color-clusters.js';
import { labPixelFeatures } from './features.js';
import { kMeans } from './kmeans.js';
import { evaluateSegmentation } from './metrics.js';
import { overlayMasks, videoStrip } from './overlay.js';
import { syntheticVideo } from './synthetic.js';
import { lightness } from './video-colorization.js';

describe('no tensor leaks', () => {
  it('in the attention, color, feature, metric and picture functions', () => {
    const video = syntheticVideo(createRng(3), { height: 16, width: 16, frames: 3, objects: 2 });
    const keys = tf.randomNormal([16, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    const values = tf.randomNormal([16, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const bias = neighbourhoodBias(4, 4, 1);
    expectNoLeak(() => attentionWeights(keys, keys, 0.1));
    expectNoLeak(() => topKAttention(keys, [{ keys, values, restricted: true }, { keys, values, restricted: false }], { topK: 3, temperature: 0.1, bias }));
    expectNoLeak(() => {
      const { centroids } = kMeans(keys, 3, { rng: createRng(0) });
      return centroids;
    });
    expectNoLeak(() => {
      const centres = fitColorClusters(video.frames, { rng: createRng(1), numClusters: 4 });
      const ids = tf.tidy(() => quantizeColors(tf.zeros([5, 2]), centres));
      return [centres, ids];
    });
    expectNoLeak(() => labPixelFeatures({ mode: 'patch' }).extract(video.frames));
    expectNoLeak(() => lightness(video.frames));
    const ab = tf.zeros([4, 2]);
    expectNoLeak(() => colorError(ab, ab));
    expectNoLeak(() => evaluateSegmentation(video.masks, video.masks));
    expectNoLeak(() => {
      const over = overlayMasks(video.frames, video.masks);
      return [over, videoStrip([over, over])];
    });
    expectNoLeak(() => {
      const v = syntheticVideo(createRng(4), { height: 8, width: 8, frames: 2, objects: 1 });
      return [v.frames, v.masks];
    });
    tf.dispose([video.frames, video.masks, keys, values, bias, ab]);
  });
});
