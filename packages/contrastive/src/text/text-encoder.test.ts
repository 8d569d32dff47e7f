import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { assertUniqueNames, createRng } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { trainBpeTokenizer } from './bpe.js';
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

  it('rejects a word vocabulary with an end-of-text readout, and both a tokenizer and a vocabulary', () => {
    expect(() => textEncoder({ vocabulary, readout: 'endOfText' })).toThrow(/options.readout must be "mean" with a word vocabulary/);
    const tokenizer = trainBpeTokenizer(['a b']);
    expect(() => textEncoder({ vocabulary, tokenizer })).toThrow(/options.vocabulary must be left out when options.tokenizer is given/);
    expect(() => textEncoder({ tokenizer, attention: 'forward' as never })).toThrow(/options.attention must be "causal" or "bidirectional"; got "forward"/);
  });
});

// ---- CLIP's text tower: BPE tokens, masked self-attention, the output at the end-of-text token.

const captions = ['a small grey sneaker upper left', 'a large dark bag in the middle', 'an upside down shirt, bright', 'a dress'];
const bpe = trainBpeTokenizer(captions, { vocabularySize: 60 });
const L = 8;
/** Token-id rows over the tokenizer's ids (padding included), length L. */
const rowsArb = (n: number) => fc.array(fc.array(fc.integer({ min: 0, max: bpe.vocabulary.size - 1 }), { minLength: L, maxLength: L }), { minLength: n, maxLength: n });
const ids = (rows: number[][]) => tf.tensor2d(rows.flat(), [rows.length, L], 'int32');
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('textEncoder with a BPE tokenizer (CLIP)', () => {
  const causal = textEncoder({ tokenizer: bpe, seed: 5, maxLength: L, width: 16, outputDim: 8, layers: 2, heads: 2 });
  const open = textEncoder({ tokenizer: bpe, seed: 5, maxLength: L, width: 16, outputDim: 8, layers: 2, heads: 2, attention: 'bidirectional' });

  it('defaults to causal attention read at the end-of-text token, records both and the tokenizer in its config', () => {
    expect([causal.attention, causal.readout, causal.tokenizer]).toEqual(['causal', 'endOfText', bpe]);
    expect(causal.config).toMatchObject({ tokenizer: bpe.toJson(), maxLength: L, width: 16, outputDim: 8, layers: 2, heads: 2, attention: 'causal', readout: 'endOfText', seed: 5 });
    expect(causal.vocabulary.tokens).toEqual(bpe.vocabulary.tokens);
    const t = causal.tokenize(['a dress', 'a small grey sneaker upper left and more words']);
    expect(t.arraySync().map((row) => row.indexOf(bpe.endId))).toEqual([bpe.encode('a dress').length - 1, L - 1]);
    t.dispose();
  });

  it('is causal: a position\'s output does not depend on the tokens after it (property), unlike bidirectional attention', () => {
    fc.assert(
      fc.property(rowsArb(2), fc.integer({ min: 0, max: L - 2 }), rowsArb(2), (rows, p, other) => {
        // Same tokens up to p, anything after it.
        const changed = rows.map((row, r) => [...row.slice(0, p + 1), ...other[r]!.slice(p + 1)]);
        const [a, b] = [ids(rows), ids(changed)];
        const [sa, sb] = [causal.tokenStates(a), causal.tokenStates(b)];
        const upTo = (s: tf.Tensor3D) => tf.slice(s, [0, 0, 0], [2, p + 1, 16]);
        expect(tf.tidy(() => maxDiff(upTo(sa), upTo(sb)))).toBeLessThan(1e-5);
        tf.dispose([a, b, sa, sb]);
      }),
      { numRuns: 25 },
    );
    // The control: without the mask, the first position sees a change at the last one.
    const rows = [[bpe.startId, 5, 6, 7, bpe.endId, 0, 0, 9]];
    const [a, b] = [ids(rows), ids([[bpe.startId, 5, 6, 7, bpe.endId, 0, 0, 10]])];
    const first = (s: tf.Tensor3D) => tf.slice(s, [0, 0, 0], [1, 1, 16]);
    const [oa, ob] = [open.tokenStates(a), open.tokenStates(b)];
    expect(tf.tidy(() => maxDiff(first(oa), first(ob)))).toBeGreaterThan(1e-4);
    tf.dispose([a, b, oa, ob]);
  });

  it('reads the text at its end-of-text token: the projection of that position\'s state, whatever follows it', () => {
    const texts = ['a dress', 'a large dark bag', 'an upside down shirt'];
    const t = causal.tokenize(texts);
    const states = causal.tokenStates(t);
    const embedded = causal.apply(t);
    // Plain reference: state row at the end token, times the projection's kernel, plus its bias.
    const kernel = causal.variables.find((v) => v.name === 'projection/kernel')!.variable.arraySync() as number[][];
    const bias = causal.variables.find((v) => v.name === 'projection/bias')!.variable.arraySync() as number[];
    const s = states.arraySync();
    const rows = t.arraySync();
    const expected = rows.map((row, r) => {
      const at = s[r]![row.indexOf(bpe.endId)]!;
      return bias.map((b, k) => b + at.reduce((acc, x, j) => acc + x * kernel[j]![k]!, 0));
    });
    const got = embedded.arraySync();
    got.forEach((row, r) => row.forEach((x, k) => expect(x).toBeCloseTo(expected[r]![k]!, 4)));
    // Changing the tokens after the end token changes nothing (causal attention and the readout together).
    const garbled = tf.tensor2d(rows.flatMap((row) => row.map((id, j) => (j > row.indexOf(bpe.endId) ? 7 : id))), [3, L], 'int32');
    const again = causal.apply(garbled);
    expect(maxDiff(again, embedded)).toBeLessThan(1e-5);
    // ...but a token before it does.
    const edited = tf.tensor2d(rows.flatMap((row) => row.map((id, j) => (j === 1 ? 9 : id))), [3, L], 'int32');
    const differs = causal.apply(edited);
    expect(maxDiff(differs, embedded)).toBeGreaterThan(1e-4);
    expect(() => causal.apply(tf.zeros([1, L], 'int32'))).toThrow(/inputs must be token ids with the end-of-text id 3 in every row \(as tokenize\(\) makes them\); got "row 0 without it"/);
    tf.dispose([t, states, embedded, garbled, again, edited, differs]);
  });

  it('trains every variable, leaks nothing, and disposes its mask', () => {
    const before = tf.memory().numTensors;
    const enc = textEncoder({ tokenizer: bpe, seed: 1, maxLength: L, width: 8, outputDim: 4, layers: 1, heads: 2 });
    const t = enc.tokenize(captions);
    expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(enc.apply(t))) as tf.Scalar, enc.variables.map((v) => v.variable));
      for (const v of enc.variables) expect(grads[v.variable.name], v.name).toBeDefined();
      tf.dispose([value, ...Object.values(grads)]);
    });
    t.dispose();
    enc.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
