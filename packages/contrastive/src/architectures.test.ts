import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convNet, hasArchitecture, projectionHead, unregisterArchitecture } from '@selfsup/encoders';
import { loadEncoder, saveEncoder } from '@selfsup/encoders/node';
import { type Encoder, createRng } from '@selfsup/tensors';
import { expectInvalid, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipImageTowerArchitecture, contrastiveArchitectures, cpcPieceMeanArchitecture, registerContrastiveArchitectures, textTransformerArchitecture } from './architectures.js';
import { cpcImage, cpcSequence } from './cpc/front-ends.js';
import { clip } from './methods/clip.js';
import { cpc } from './methods/cpc.js';
import { trainBpeTokenizer } from './text/bpe.js';
import { type TextEncoder, textEncoder } from './text/text-encoder.js';
import { buildVocabulary } from './text/tokenizer.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-contrastive-arch-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  for (const a of contrastiveArchitectures) unregisterArchitecture(a.name);
});

/** Moves every weight away from its seeded start, so that a reload that only rebuilt from the seed would differ. */
function perturb(encoder: Encoder, seed: number): void {
  const rng = createRng(seed);
  for (const v of encoder.variables) {
    tf.tidy(() => v.variable.assign(tf.add(v.variable, tf.tensor(rng.uniformArray(v.variable.size, -0.5, 0.5), v.variable.shape))));
  }
}

/** Saves `encoder`, reloads it in the registry's way, and checks the reload embeds `images` as the original does. */
async function expectReloads(encoder: Encoder, images: tf.Tensor4D, name: string): Promise<Encoder> {
  const dir = path.join(tmp, name);
  await saveEncoder(dir, encoder);
  const loaded = await loadEncoder(dir);
  expect(loaded.architecture).toBe(encoder.architecture);
  expect(loaded.config).toEqual(encoder.config);
  const [a, b] = [encoder.apply(images), loaded.apply(images)];
  expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
  tf.dispose([a, b]);
  return loaded;
}

describe('contrastive architectures', () => {
  it('registers cpcPieceMean, clipImageTower and textTransformer once, however often it is called', () => {
    registerContrastiveArchitectures();
    registerContrastiveArchitectures();
    for (const a of contrastiveArchitectures) expect(hasArchitecture(a.name)).toBe(true);
    expect(contrastiveArchitectures.map((a) => a.name)).toEqual(['cpcPieceMean', 'clipImageTower', 'textTransformer']);
  });

  it("gives CPC's whole-sample encoder a default config (what a random baseline starts from), for images and for sequences", () => {
    registerContrastiveArchitectures();
    const image = cpcPieceMeanArchitecture.defaultConfig?.([28, 28, 1], 3);
    expect(image).toMatchObject({ pieceEncoder: 'convNet', pieceConfig: { inputShape: [8, 8, 1], seed: 3 }, frontEnd: { kind: 'image', patchSize: 8, stride: 4 }, inputShape: [28, 28, 1] });
    const sequence = cpcPieceMeanArchitecture.defaultConfig?.([1, 12, 2], 0);
    expect(sequence).toMatchObject({ pieceConfig: { inputShape: [1, 12, 2] }, frontEnd: { kind: 'sequence', window: 12 }, inputShape: [1, 12, 2] });
    for (const [config, shape] of [[image, [2, 28, 28, 1]], [sequence, [2, 1, 12, 2]]] as const) {
      const encoder = cpcPieceMeanArchitecture.factory(config!);
      const out = tf.tidy(() => encoder.apply(tf.zeros([...shape])));
      expect(out.shape[0]).toBe(2);
      out.dispose();
      encoder.dispose();
    }
  });

  it("reloads CPC's whole-sample encoder, with an image and a sequence front end", async () => {
    registerContrastiveArchitectures();
    const images = seededImages(1, 3, 16, 16, 1);
    for (const [i, frontEnd] of [cpcImage({ patchSize: 8, stride: 4 }), cpcSequence({ window: 4, hop: 2 })].entries()) {
      const pieceShape = frontEnd.grid([16, 16, 1]).pieceShape;
      const method = cpc({ encoder: convNet({ inputShape: pieceShape, channels: [4], seed: 2 }), frontEnd, inputShape: [16, 16, 1], seed: 0 });
      perturb(method.encoder, 7 + i);
      const before = tf.memory().numTensors;
      const loaded = await expectReloads(method.encoder, images, `cpc-${i}`);
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
      method.dispose();
    }
    images.dispose();
  });

  it("reloads CLIP's image tower, with the default projection and with a recorded one", async () => {
    registerContrastiveArchitectures();
    const images = seededImages(2, 3, 12, 12, 1);
    const imageEncoder = () => convNet({ inputShape: [12, 12, 1], channels: [4], seed: 1 });
    const projections = [undefined, projectionHead([{ inputDim: 4, outputDim: 6, batchNorm: true }, { inputDim: 6, outputDim: 5 }], { seed: 3 })];
    for (const [i, imageProjection] of projections.entries()) {
      const method = clip({
        imageEncoder: imageEncoder(),
        textEncoder: convNet({ inputShape: [12, 12, 1], channels: [5], seed: 4 }),
        pairedInputs: (batch) => tf.clone(batch.images),
        ...(imageProjection !== undefined ? { imageProjection } : {}),
        seed: 0,
      });
      perturb(method.imageTower, 11 + i);
      const loaded = await expectReloads(method.imageTower, images, `clip-${i}`);
      expect(loaded.variables.map((v) => v.name)).toEqual(method.imageTower.variables.map((v) => v.name));
      loaded.dispose();
      method.dispose();
    }
    images.dispose();
  });

  it("reloads CLIP's text tower with its tokenizer (BPE, causal, end-of-text) and the word-level one", async () => {
    registerContrastiveArchitectures();
    const captions = ['a small grey sneaker', 'a large dark bag, upside down', 'a bright dress in the middle'];
    const towers: TextEncoder[] = [
      textEncoder({ tokenizer: trainBpeTokenizer(captions, { vocabularySize: 50 }), maxLength: 12, width: 8, outputDim: 4, layers: 2, heads: 2, seed: 3 }),
      textEncoder({ vocabulary: buildVocabulary(captions), maxLength: 6, width: 8, outputDim: 4, layers: 1, heads: 2, seed: 3 }),
    ];
    for (const [i, tower] of towers.entries()) {
      perturb(tower, 21 + i);
      const dir = path.join(tmp, `text-${i}`);
      await saveEncoder(dir, tower);
      const loaded = (await loadEncoder(dir)) as TextEncoder;
      expect([loaded.architecture, loaded.config]).toEqual([tower.architecture, tower.config]);
      // The reloaded tower tokenizes as the saved one did, and embeds the same.
      const texts = [...captions, 'an unseen word: zebra'];
      const [a, b] = [tower.embedTexts(texts), loaded.embedTexts(texts)];
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      tf.dispose([a, b]);
      loaded.dispose();
      tower.dispose();
    }
  });

  it('rejects a bad saved config, naming the field, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const cpcConfig = { pieceEncoder: 'convNet', pieceConfig: { inputShape: [8, 8, 1], channels: [4], seed: 0 }, frontEnd: { kind: 'image', patchSize: 8, stride: 4 }, inputShape: [16, 16, 1] };
    expectInvalid(() => cpcPieceMeanArchitecture.factory({ ...cpcConfig, inputShape: [16, 16] }), 'config.inputShape');
    expectInvalid(() => cpcPieceMeanArchitecture.factory({ ...cpcConfig, frontEnd: { kind: 'audio' } }), 'config.frontEnd.kind');
    expectInvalid(() => cpcPieceMeanArchitecture.factory({ ...cpcConfig, pieceEncoder: 3 }), 'config.pieceEncoder');
    expectInvalid(() => cpcPieceMeanArchitecture.factory({ ...cpcConfig, inputShape: [4, 4, 1] }), 'images');
    const clipConfig = { encoder: 'convNet', encoderConfig: { inputShape: [12, 12, 1], channels: [4], seed: 0 }, outputDim: 5 };
    expectInvalid(() => clipImageTowerArchitecture.factory({ ...clipConfig, outputDim: 0 }), 'config.outputDim');
    expectInvalid(() => clipImageTowerArchitecture.factory({ ...clipConfig, encoderConfig: null }), 'config.encoderConfig');
    expectInvalid(
      () => clipImageTowerArchitecture.factory({ ...clipConfig, projection: { architecture: 'projectionHead', config: { blocks: [{ inputDim: 4, outputDim: 3 }] } } }),
      'config.projection',
    );
    const textConfig = { tokenizer: { type: 'bpe', alphabet: ['a', 'a</w>'], merges: [] }, maxLength: 4, width: 4, outputDim: 2, layers: 1, heads: 2 };
    const valid = textTransformerArchitecture.factory(textConfig);
    expect(valid.architecture).toBe('textTransformer');
    valid.dispose();
    expectInvalid(() => textTransformerArchitecture.factory({ ...textConfig, vocabulary: ['[pad]', '[unk]'] }), 'config');
    expectInvalid(() => textTransformerArchitecture.factory({ ...textConfig, tokenizer: { type: 'bpe', alphabet: [], merges: [] } }), 'json.alphabet');
    expectInvalid(() => textTransformerArchitecture.factory({ ...textConfig, attention: 'sideways' }), 'config.attention');
    expectInvalid(() => textTransformerArchitecture.factory({ ...textConfig, width: 'wide' }), 'config.width');
    expect(tf.memory().numTensors).toBe(before);
  });
});
