import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, createRng, tensorDataset } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { DIGIT_WORDS, classNameCaptions } from './captions.js';
import { textEncoder } from './text-encoder.js';
import { zeroShotClassifier } from './zero-shot.js';

/** An "image encoder" that maps a one-hot image [1, 1, C] of class c to row table[c]. */
const tables: tf.Tensor[] = [];
function lookupEncoder(table: tf.Tensor2D): Encoder {
  tables.push(table);
  const [c, d] = table.shape;
  return {
    architecture: 'lookup',
    config: {},
    inputShape: [1, 1, c],
    outputDim: d,
    variables: [],
    apply: (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], c]), table)),
    dispose: () => undefined,
  };
}

describe('zeroShotClassifier', () => {
  it('assigns each image the class whose prompt ensemble it matches, and evaluates a data set', async () => {
    const before = tf.memory().numTensors;
    const captions = classNameCaptions({ classNames: DIGIT_WORDS.slice(0, 4) });
    const text = textEncoder({ vocabulary: captions.vocabulary, rng: createRng(1), width: 16, outputDim: 8, layers: 1, heads: 2 });
    const prompts = [0, 1, 2, 3].map((c) => captions.prompts(c));
    const probe = zeroShotClassifier({ imageEncoder: lookupEncoder(tf.eye(4, 8) as tf.Tensor2D), textEncoder: text, classPrompts: prompts });
    // An image encoder that lands exactly on the class embeddings classifies perfectly...
    const exact = lookupEncoder(tf.mul(probe.classEmbeddings, 3) as tf.Tensor2D);
    const perfect = zeroShotClassifier({ imageEncoder: exact, textEncoder: text, classPrompts: prompts });
    const labels = [0, 1, 2, 3, 2, 1];
    const images = tf.tidy(() => tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 4), 'float32'), [6, 1, 1, 4]) as tf.Tensor4D);
    const predicted = perfect.predict(images);
    expect(Array.from(predicted.dataSync())).toEqual(labels);
    predicted.dispose();
    const data = tensorDataset(tf.clone(images), labels);
    expect((await perfect.evaluate(data, { batchSize: 4 })).top1).toBe(1);
    // ...and one that lands on the next class's embedding is always wrong.
    const shifted = lookupEncoder(
      tf.tidy(() => tf.concat([tf.slice(perfect.classEmbeddings, [1, 0], [3, 8]), tf.slice(perfect.classEmbeddings, [0, 0], [1, 8])]) as tf.Tensor2D),
    );
    const wrong = zeroShotClassifier({ imageEncoder: shifted, textEncoder: text, classPrompts: prompts });
    expect((await wrong.evaluate(data)).top1).toBe(0);
    const logits = wrong.logits(images);
    expect(logits.shape).toEqual([6, 4]);
    logits.dispose();
    tf.dispose([images]);
    data.dispose?.();
    for (const z of [probe, perfect, wrong]) z.dispose();
    expect(() => zeroShotClassifier({ imageEncoder: lookupEncoder(tf.eye(4, 5) as tf.Tensor2D), textEncoder: text, classPrompts: prompts })).toThrow(
      /options.imageEncoder must be an encoder with outputDim 8/,
    );
    text.dispose();
    tf.dispose(tables);
    expect(tf.memory().numTensors).toBe(before);
  });
});
