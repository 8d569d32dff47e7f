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
import { videoColorization } from './video-colorization.js';

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
    tf.dispose([a, b, frames]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
  });

  it('rejects a bad saved config, naming the field', () => {
    expectInvalid(() => videoColorizationEmbeddingArchitecture.factory({ width: 0 }), 'config.width');
    expectInvalid(() => videoColorizationEmbeddingArchitecture.factory({ stride: 5 }), 'config.stride');
  });
});
