import * as tf from '@tensorflow/tfjs-core';
import { assertUniqueNames, createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { textEncoder } from './text-encoder.js';
import { buildVocabulary, tokenize } from './tokenizer.js';

const vocabulary = buildVocabulary(['a photo of the digit zero one two three', 'a handwritten four five six seven eight nine']);

describe('textEncoder', () => {
  it('embeds token ids to [N, outputDim], deterministic for a seed, with unique variable names', () => {
    for (const layers of [0, 1, 2]) {
      const enc = textEncoder({ vocabulary, rng: createRng(1), maxLength: 8, width: 16, outputDim: 12, layers, heads: 4 });
      assertUniqueNames(enc.variables);
      const again = textEncoder({ vocabulary, rng: createRng(1), maxLength: 8, width: 16, outputDim: 12, layers, heads: 4 });
      const a = enc.embedTexts(['a photo of the digit one', 'a handwritten nine']);
      const b = again.embedTexts(['a photo of the digit one', 'a handwritten nine']);
      expect(a.shape).toEqual([2, 12]);
      expect(a.arraySync()).toEqual(b.arraySync());
      expect(Number.isFinite(tf.tidy(() => tf.sum(a).dataSync()[0]!))).toBe(true);
      tf.dispose([a, b]);
      enc.dispose();
      again.dispose();
    }
  });

  it('ignores padding: the same words give the same embedding whatever maxLength pads them to', () => {
    const enc = textEncoder({ vocabulary, rng: createRng(2), maxLength: 10, width: 16, outputDim: 8, layers: 1, heads: 2 });
    const ids = tokenize(['the digit two'], vocabulary, { maxLength: 10 });
    // Batched with a longer text, the short one must embed exactly as alone: padding is never attended to or pooled.
    const alone = enc.apply(ids);
    const batch = enc.embedTexts(['the digit two', 'a photo of the digit zero one two three']);
    const first = tf.tidy(() => tf.slice(batch, [0, 0], [1, 8]));
    expect(Array.from(first.dataSync()).map((x) => x.toFixed(4))).toEqual(Array.from(alone.dataSync()).map((x) => x.toFixed(4)));
    tf.dispose([ids, alone, batch, first]);
    enc.dispose();
  });

  it('tells words apart, and orders them: with positions, "one two" and "two one" differ', () => {
    const bag = textEncoder({ vocabulary, rng: createRng(3), maxLength: 4, width: 8, outputDim: 4, layers: 0 });
    const words = bag.embedTexts(['one', 'two']);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(words, [0, 0], [1, 4]), tf.slice(words, [1, 0], [1, 4])))).dataSync()[0]!)).toBeGreaterThan(1e-3);
    words.dispose();
    bag.dispose();
    const enc = textEncoder({ vocabulary, rng: createRng(3), maxLength: 4, width: 8, outputDim: 4, layers: 1, heads: 2 });
    const e = enc.embedTexts(['one two', 'two one']);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(e, [0, 0], [1, 4]), tf.slice(e, [1, 0], [1, 4])))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(1e-4);
    e.dispose();
    enc.dispose();
  });

  it('every variable gets a gradient, nothing leaks, and bad input is rejected by name', () => {
    const enc = textEncoder({ vocabulary, rng: createRng(4), maxLength: 6, width: 8, outputDim: 4, layers: 1, heads: 2 });
    const ids = tokenize(['a photo of the digit one', 'a handwritten nine'], vocabulary, { maxLength: 6 });
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(enc.apply(ids))) as tf.Scalar, enc.variables.map((v) => v.variable));
      for (const v of enc.variables) expect(grads[v.variable.name], v.name).toBeDefined();
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(() => enc.apply(tf.zeros([2, 6]))).toThrow(/inputs must be a int32 tensor/);
    expect(() => enc.apply(tf.zeros([2, 5], 'int32'))).toThrow(/inputs must be a tensor of shape \[\*, 6\]/);
    expect(() => textEncoder({ vocabulary, rng: createRng(0), width: 10, heads: 4 })).toThrow(/options.heads must be a divisor of options.width \(10\); got 4/);
    ids.dispose();
    enc.dispose();
  });
});
