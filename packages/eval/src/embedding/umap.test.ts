import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { blobs } from '../../test/helpers.js';
import { umap2d } from './umap.js';

describe('umap2d', () => {
  it('is deterministic for a seed and keeps well separated blobs apart', async () => {
    const data = blobs({ perClass: 20, numClasses: 3, dim: 8, spread: 0.05, seed: 3 });
    const x = tf.tensor2d(data.rows);
    const a = await umap2d(x, { seed: 1, nNeighbors: 8, nEpochs: 100 });
    const b = await umap2d(x, { seed: 1, nNeighbors: 8, nEpochs: 100 });
    expect(Array.from(a.points)).toEqual(Array.from(b.points));
    // Each point's nearest other point in 2-D has its class.
    let agree = 0;
    for (let i = 0; i < 60; i++) {
      let best = -1;
      let bestD = Number.POSITIVE_INFINITY;
      for (let j = 0; j < 60; j++) {
        if (j === i) continue;
        const dd = (a.points[2 * i]! - a.points[2 * j]!) ** 2 + (a.points[2 * i + 1]! - a.points[2 * j + 1]!) ** 2;
        if (dd < bestD) [best, bestD] = [j, dd];
      }
      if (data.labels[best] === data.labels[i]) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(57);
    await expect(umap2d(x, { nNeighbors: 100 })).rejects.toThrow(/more rows than options\.nNeighbors/);
    x.dispose();
  });
});
