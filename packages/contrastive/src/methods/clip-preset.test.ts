import * as tf from '@tensorflow/tfjs-core';
import { convNet } from '@selfsup/encoders';
import { type JsonObject, assertMethodPreset, createRng, fit, presetRecipe, resolveOptions, tensorDataset } from '@selfsup/tensors';
import { expectInvalid, seededImages } from '@selfsup/test-utils';
import { describe, expect, it } from 'vitest';
import { END_OF_WORD } from '../text/bpe.js';
import type { TextEncoder } from '../text/text-encoder.js';
import type { ClipMethod } from './clip.js';
import { clipPreset } from './clip-preset.js';

const INPUT: [number, number, number] = [12, 12, 1];
const CAPTIONS = ['a small grey sneaker, upper left', 'a large dark bag in the middle', 'a bright dress, upside down', 'a small dark sneaker, lower right'];
const small: JsonObject = { embedDim: 8, contextLength: 12, vocabularySize: 200, textWidth: 8, textLayers: 1, textHeads: 2 };

function build(options: JsonObject, data: { captions?: readonly string[]; classNames?: readonly string[] }) {
  const encoder = convNet({ inputShape: INPUT, channels: [4], seed: 0 });
  try {
    return clipPreset.build({ encoder, inputShape: INPUT, seed: 3, batchSize: 4, options: resolveOptions(clipPreset.options, options), ...data }) as ClipMethod;
  } catch (error) {
    // A preset that fails to build leaves the encoder to its caller.
    encoder.dispose();
    throw error;
  }
}

describe('clipPreset', () => {
  it('is a valid preset with small and paper recipes, and declares the architectures its saved encoders need', () => {
    assertMethodPreset('clipPreset', clipPreset);
    expect(clipPreset.architectures?.map((a) => a.name)).toEqual(['clipImageTower', 'textTransformer']);
    expect(presetRecipe(clipPreset, 'paper').options).toMatchObject({ embedDim: 1024, contextLength: 77, vocabularySize: 49408, textWidth: 512, textLayers: 12, textHeads: 8 });
    expect(presetRecipe(clipPreset, 'paper').training).toMatchObject({ learningRate: 5e-4, weightDecay: 0.2, decoupledWeightDecay: true, warmupSteps: 2000, batchSize: 32768, epochs: 32 });
    expect(clipPreset.defaults.options).toMatchObject({ captionSource: 'data', textAttention: 'causal', textReadout: 'end-of-text' });
    expect(clipPreset.options['captionSource']?.description).toMatch(/label supervision/);
  });

  it("builds CLIP on the data's captions: a BPE tower learnt from them, causal and read at end-of-text; trains and saves the image tower", async () => {
    const before = tf.memory().numTensors;
    const method = build(small, { captions: CAPTIONS });
    expect(method.name).toBe('clip');
    expect(method.encoder.architecture).toBe('clipImageTower');
    expect(method.encoder.outputDim).toBe(8);
    const text = method.companions?.['text'] as TextEncoder;
    expect([text.architecture, text.attention, text.readout, text.maxLength, text.outputDim]).toEqual(['textTransformer', 'causal', 'endOfText', 12, 8]);
    // The tokenizer was learnt from the captions: a frequent word is one token.
    expect(text.vocabulary.tokens).toContain(`sneaker${END_OF_WORD}`);
    const data = tensorDataset(seededImages(1, 8, 12, 12, 1), undefined, { captions: [...CAPTIONS, ...CAPTIONS] });
    const result = await fit(method, data, { batchSize: 4, epochs: 2, learningRate: 1e-3, seed: 0, progress: false });
    expect(result.steps).toBe(4);
    expect(Number.isFinite(method.metrics!()['imageToTextTop1'])).toBe(true);
    data.dispose?.();
    method.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds the class-prompt variant (label supervision) from the class names, with the options it is given', () => {
    const method = build({ ...small, captionSource: 'class-prompts', textAttention: 'bidirectional', textReadout: 'mean' }, { classNames: ['bag', 'shoe'] });
    const text = method.companions?.['text'] as TextEncoder;
    expect([text.attention, text.readout]).toEqual(['bidirectional', 'mean']);
    const labels = tf.tensor1d([0, 1, 1], 'int32');
    const images = seededImages(2, 3, 12, 12, 1);
    const loss = method.loss({ images, labels, indices: [0, 1, 2] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) });
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    tf.dispose([loss, labels, images]);
    method.dispose();
  });

  it('refuses data without captions (naming --data and the class-prompt way), a class-prompt run without class names, and sizes that do not fit', () => {
    const before = tf.memory().numTensors;
    expectInvalid(() => build(small, {}), '--data must be image-caption data for clip (--data captions:<dir>), or --caption-source class-prompts');
    expectInvalid(() => build({ ...small, captionSource: 'class-prompts' }, { captions: CAPTIONS }), 'options.captionSource must be "data" for data without class names');
    expectInvalid(() => build({ ...small, textWidth: 10, textHeads: 4 }, { captions: CAPTIONS }), 'options.textHeads must be a divisor of textWidth (10); got 4');
    expectInvalid(() => build({ ...small, initialTemperature: 0.005 }, { captions: CAPTIONS }), 'options.initialTemperature must be at least 1 / maxLogitScale (0.01)');
    expect(tf.memory().numTensors).toBe(before);
  });
});
