import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasArchitecture, unregisterArchitecture } from '@selfsup/encoders';
import { loadEncoder, saveEncoder } from '@selfsup/encoders/node';
import { createRng } from '@selfsup/tensors';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVideoColorizeArchitectures, videoColorizationEmbeddingArchitecture, videoColorizeArchitectures } from './architectures.js';
import { FEATURE_MAP_LAYER, embeddingFeatureExtractor, videoColorization } from './video-colorization.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-video-arch-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  for (const a of videoColorizeArchitectures) unregisterArchitecture(a.name);
});

describe('video colorization architecture', () => {
  it("reloads the method's encoder from its checkpoint once registered (twice is harmless)", async () => {
    registerVideoColorizeArchitectures();
    registerVideoColorizeArchitectures();
    expect(hasArchitecture('video-colorization-embedding')).toBe(true);
    const method = videoColorization({ net: { width: 4, outputDim: 6, blocks: 1 }, seed: 2 });
    // Away from the seeded start: a reload that only rebuilt from the seed would differ.
    const rng = createRng(5);
    for (const v of method.encoder.variables) {
      tf.tidy(() => v.variable.assign(tf.add(v.variable, tf.tensor(rng.uniformArray(v.variable.size, -0.3, 0.3), v.variable.shape))));
    }
    const dir = path.join(tmp, 'video');
    await saveEncoder(dir, method.encoder);
    const before = tf.memory().numTensors;
    const loaded = await loadEncoder(dir);
    expect(loaded.architecture).toBe('video-colorization-embedding');
    expect(loaded.config).toEqual(method.encoder.config);
    const frames = seededImages(3, 2, 16, 16, 3);
    const [a, b] = [method.encoder.apply(frames), loaded.apply(frames)];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    // The reloaded encoder gives back the trained model's per-position features (what propagation attends with).
    const features = embeddingFeatureExtractor(loaded);
    expect(features.stride).toBe(4);
    const [mapTrained, mapLoaded] = [method.featureExtractor.extract(frames), features.extract(frames)];
    expect(mapLoaded.shape).toEqual([2, 4, 4, 6]);
    expect(maxAbsDiff(mapTrained, mapLoaded)).toBeLessThan(1e-5);
    tf.dispose([a, b, frames, mapTrained, mapLoaded]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
  });

  it('has a featureMap layer whose mean over positions is the embedding', () => {
    const method = videoColorization({ net: { width: 4, outputDim: 5, blocks: 0, stride: 8 }, seed: 1 });
    const frames = seededImages(4, 2, 16, 24, 3);
    expect(method.encoder.layers).toEqual([FEATURE_MAP_LAYER, 'embedding']);
    const out = method.encoder.applyLayers?.(frames, [FEATURE_MAP_LAYER, 'embedding']) ?? {};
    const map = out[FEATURE_MAP_LAYER] as tf.Tensor4D;
    expect(map.shape).toEqual([2, 2, 3, 5]);
    // Reference: the plain mean over the 2 x 3 positions.
    const values = map.arraySync();
    const mean = values.map((image) => Array.from({ length: 5 }, (_, d) => image.flat().reduce((s, cell) => s + (cell[d] as number), 0) / 6));
    expect(maxAbsDiff(out['embedding'] as tf.Tensor, tf.tensor2d(mean))).toBeLessThan(1e-5);
    tf.dispose([frames, ...Object.values(out)]);
    method.dispose();
  });

  it('embeddingFeatureExtractor refuses other encoders and frames of a wrong size', () => {
    expectInvalid(() => embeddingFeatureExtractor({ architecture: 'convNet', config: {} } as never), 'encoder');
    expectInvalid(() => embeddingFeatureExtractor(null as never), 'encoder');
    const method = videoColorization({ net: { width: 4, outputDim: 5, blocks: 0 }, seed: 1 });
    const odd = seededImages(5, 1, 10, 16, 3);
    expectInvalid(() => embeddingFeatureExtractor(method.encoder).extract(odd), 'inputs');
    const twoChannels = seededImages(5, 1, 16, 16, 2);
    expectInvalid(() => method.encoder.apply(twoChannels), 'inputs');
    tf.dispose([odd, twoChannels]);
    method.dispose();
  });

  it('rejects a bad saved config, naming the field', () => {
    expectInvalid(() => videoColorizationEmbeddingArchitecture.factory({ width: 0 }), 'config.width');
    expectInvalid(() => videoColorizationEmbeddingArchitecture.factory({ stride: 5 }), 'config.stride');
  });
});
