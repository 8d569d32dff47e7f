import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, createRng, fit, withBackend } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { videoClipDataset } from './clip-dataset.js';
import { syntheticVideo } from './synthetic.js';
import { lightness, videoColorization } from './video-colorization.js';

/** Conv training needs a conv filter gradient: wasm has one once selfsup's kernels are registered; cpu always does. */
function trainingBackend(): BackendName {
  return tf.getBackend() === 'wasm' && tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined ? 'cpu' : (tf.getBackend() as BackendName);
}

describe('videoColorization', () => {
  it('trains on a synthetic video without NaN, with falling loss', async () => {
    await withBackend(trainingBackend(), async () => {
      const rng = createRng(0);
      const video = syntheticVideo(rng, { height: 32, width: 32, frames: 8, objects: 2 });
      const method = videoColorization({ net: { width: 4, outputDim: 16, blocks: 0 }, numClusters: 8, seed: 1 });
      method.fitColorClusters(video.frames, { rng, samples: 2000 });
      const data = videoClipDataset([video.frames], { clipLength: 4 });
      const before = tf.memory().numTensors;
      const result = await fit(method, data, { batchSize: 2, epochs: 20, maxSteps: 16, learningRate: 1e-2, seed: 2, progress: false });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.losses.every(Number.isFinite)).toBe(true);
      const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      expect(mean(result.losses.slice(-4))).toBeLessThan(0.9 * mean(result.losses.slice(0, 4)));
      const accuracy = result.history.at(-1)?.metrics['colorAccuracy'];
      expect(accuracy).toBeGreaterThan(0);
      expect(accuracy).toBeLessThanOrEqual(1);
      method.dispose();
      tf.dispose([video.frames, video.masks]);
    });
  });

  it('saves its color clusters with its variables and refuses to train before fitting them', () => {
    const method = videoColorization({ net: { width: 4, outputDim: 8, blocks: 0 } });
    const clusters = method.variables.find((v) => v.name === 'colour/clusters');
    expect(clusters?.trainable).toBe(false);
    expect(clusters?.variable.shape).toEqual([16, 2]);
    const images = tf.zeros([1, 16, 16, 12]) as tf.Tensor4D;
    expect(() => method.loss({ images, indices: [0] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) })).toThrow(/color clusters are not fitted/);
    expect(method.config['numClusters']).toBe(16);
    images.dispose();
    method.dispose();
  });

  it('exposes its embedding as an Encoder and as a FeatureExtractor, for color or grey frames', () => {
    const method = videoColorization({ net: { width: 4, outputDim: 8, blocks: 0, stride: 8 } });
    const rgb = tf.randomUniform([2, 16, 24, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const pooled = method.encoder.apply(rgb);
    expect(pooled.shape).toEqual([2, 8]);
    const features = method.featureExtractor.extract(rgb);
    expect(features.shape).toEqual([2, 2, 3, 8]);
    // Grey input is lightness / 100: the same features as from color.
    const grey = lightness(rgb);
    const fromGrey = method.featureExtractor.extract(grey);
    expect(Array.from(fromGrey.dataSync())).toEqual(Array.from(features.dataSync()));
    tf.dispose([pooled, features, grey, fromGrey]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => videoColorization({ temperature: 0 })).toThrow(/config.temperature must be a finite number > 0; got 0/);
    expect(() => lightness(tf.zeros([1, 4, 4, 2]) as tf.Tensor4D)).toThrow(/frames must be a \[N, H, W, 3\] sRGB or \[N, H, W, 1\] lightness tensor/);
    rgb.dispose();
    method.dispose();
  });

  it('takes one options object with seed (recorded in config); the deprecated (config, rng) form still builds the same net', async () => {
    const a = videoColorization({ net: { width: 4, outputDim: 8, blocks: 0 }, seed: 3 });
    const b = videoColorization({ net: { width: 4, outputDim: 8, blocks: 0 } }, createRng(3));
    expect(a.name).toBe('video-colorization');
    expect(a.config['seed']).toBe(3);
    expect(b.config['seed']).toBeUndefined();
    expect(Array.from(await a.variables[0]!.variable.data())).toEqual(Array.from(await b.variables[0]!.variable.data()));
    expect(a.colourClusters).toBe(a.colorClusters);
    expect(() => videoColorization({ seed: 1 } as never, createRng(1))).toThrow(/config.seed must be absent when rng is given/);
    a.dispose();
    b.dispose();
  });
});
