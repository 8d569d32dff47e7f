import * as tf from '@tensorflow/tfjs-core';
import { type Batch, createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { DIGIT_WORDS, classNameCaptions, datasetCaptions } from './captions.js';

describe('classNameCaptions', () => {
  it('captions each sample with a random template and its class name, reproducibly', () => {
    const source = classNameCaptions({ classNames: DIGIT_WORDS, templates: ['a {}', 'the digit {}'] });
    const labels = tf.tensor1d([3, 0, 9], 'int32');
    const batch: Batch = { images: tf.zeros([3, 2, 2, 1]) as tf.Tensor4D, labels, indices: [0, 1, 2] };
    const captions = source.captions(batch, createRng(1));
    expect(captions).toHaveLength(3);
    captions.forEach((c, i) => expect(['a ', 'the digit '].map((p) => p + DIGIT_WORDS[[3, 0, 9][i]!]!)).toContain(c));
    expect(source.captions(batch, createRng(1))).toEqual(captions);
    expect(source.prompts(7)).toEqual(['a seven', 'the digit seven']);
    for (const w of ['a', 'the', 'digit', ...DIGIT_WORDS]) expect(source.vocabulary.tokens).toContain(w);
    tf.dispose([batch.images, labels]);
  });

  it('rejects bad options and unlabelled batches', () => {
    expect(() => classNameCaptions({ classNames: [] })).toThrow(/options.classNames must be a non-empty array/);
    expect(() => classNameCaptions({ classNames: ['a'], templates: ['no slot'] })).toThrow(/options.templates must be a non-empty array of strings containing "\{\}"/);
    const source = classNameCaptions({ classNames: ['x'] });
    const images = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => source.captions({ images, indices: [0] }, createRng(0))).toThrow(/batch.labels must be class ids/);
    expect(() => source.prompts(3)).toThrow(/classId must be a class id in \[0, 0\]; got 3/);
    images.dispose();
  });
});

describe('datasetCaptions', () => {
  it("gives each batch's own captions, and names what is missing", () => {
    const images = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    const source = datasetCaptions();
    expect(source.captions({ images, indices: [4, 1], captions: ['a grey bag', 'a dress'] }, createRng(0))).toEqual(['a grey bag', 'a dress']);
    expect(() => source.captions({ images, indices: [4, 1] }, createRng(0))).toThrow(/batch.captions must be one caption per image \(2\): image-caption data, e.g. selfsup pretrain --data captions:<dir>; got undefined/);
    expect(() => source.captions({ images, indices: [4, 1], captions: ['one'] }, createRng(0))).toThrow(/batch.captions must be one caption per image \(2\)/);
    images.dispose();
  });
});
