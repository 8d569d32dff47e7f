import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { END_OF_TEXT, END_OF_WORD, START_OF_TEXT, bpeTokenizerFromJson, captionWords, trainBpeTokenizer } from './bpe.js';
import { PAD_TOKEN, UNKNOWN_TOKEN } from './tokenizer.js';

/** Texts of words over a few letters (so that pairs repeat and merges happen), with some punctuation and digits. */
const textArb = fc
  .array(fc.oneof(fc.stringMatching(/^[abcde]{1,6}$/), fc.constantFrom(',', '.', '7', "'s")), { minLength: 1, maxLength: 8 })
  .map((words) => words.join(' '));

describe('captionWords', () => {
  it('lower-cases and splits as CLIP: letter runs, single digits, punctuation runs, contractions', () => {
    expect(captionWords("A small, grey Sneaker's 25 laces!!")).toEqual(['a', 'small', ',', 'grey', 'sneaker', "'s", '2', '5', 'laces', '!!']);
    expect(captionWords('  ')).toEqual([]);
    expect(() => captionWords(3 as unknown as string)).toThrow(/text must be a string; got 3/);
  });
});

describe('trainBpeTokenizer', () => {
  it('learns the most frequent pairs first, ties broken by order, with the special tokens first', () => {
    // "l o w</w>" x3, "l o w e r</w>" x1: (l, o) and (o, w</w>)... counts: l o 4, o w</w> 3, o w 1, w e 1, e r</w> 1.
    const bpe = trainBpeTokenizer(['low low low lower'], { vocabularySize: 100 });
    expect(bpe.vocabulary.tokens.slice(0, 4)).toEqual([PAD_TOKEN, UNKNOWN_TOKEN, START_OF_TEXT, END_OF_TEXT]);
    expect([bpe.padId, bpe.unknownId, bpe.startId, bpe.endId]).toEqual([0, 1, 2, 3]);
    expect(bpe.alphabet).toEqual(['e', 'l', 'o', 'r', 'w', `e${END_OF_WORD}`, `l${END_OF_WORD}`, `o${END_OF_WORD}`, `r${END_OF_WORD}`, `w${END_OF_WORD}`]);
    expect(bpe.merges).toEqual([
      ['l', 'o'],
      ['lo', `w${END_OF_WORD}`],
    ]); // minFrequency 2: the pairs of "lower" occur once
    const low = bpe.vocabulary.id(`low${END_OF_WORD}`);
    expect(bpe.encode('Low')).toEqual([2, low, 3]);
    expect(bpe.encode('lower').length).toBe(2 + 4); // lo, w, e, r</w>
    expect(bpe.encode('lower zoo')).toContain(bpe.unknownId);
    const small = trainBpeTokenizer(['low low low lower'], { vocabularySize: 4 + 10 + 1 });
    expect(small.merges).toEqual([['l', 'o']]);
    expect(small.vocabulary.size).toBe(15);
  });

  it('round-trips: decode(encode(text)) is the text\'s words joined by spaces, for texts over the trained characters', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 12 }), textArb, fc.integer({ min: 20, max: 80 }), (corpus, other, size) => {
        // The alphabet comes from the corpus: add the other text's characters so that none is unknown.
        const bpe = trainBpeTokenizer([...corpus, other.split('').join(' ')], { vocabularySize: size, minFrequency: 1 });
        for (const text of [...corpus, other]) {
          const ids = bpe.encode(text);
          expect(ids[0]).toBe(bpe.startId);
          expect(ids.at(-1)).toBe(bpe.endId);
          expect(ids).not.toContain(bpe.unknownId);
          expect(bpe.decode(ids)).toBe(captionWords(text).join(' '));
        }
        expect(bpe.vocabulary.size).toBeLessThanOrEqual(Math.max(size, 4 + bpe.alphabet.length));
      }),
      { numRuns: 40 },
    );
  });

  it('is deterministic: the same texts in any order give the same tokenizer, and toJson rebuilds it exactly', () => {
    fc.assert(
      fc.property(fc.array(textArb, { minLength: 1, maxLength: 10 }), fc.integer(), (corpus, seed) => {
        const a = trainBpeTokenizer(corpus, { vocabularySize: 60 });
        const shuffled = [...corpus].sort(() => 0).reverse();
        const rotated = [...shuffled.slice(Math.abs(seed) % shuffled.length), ...shuffled.slice(0, Math.abs(seed) % shuffled.length)];
        const b = trainBpeTokenizer(rotated, { vocabularySize: 60 });
        expect(b.toJson()).toEqual(a.toJson());
        const rebuilt = bpeTokenizerFromJson(JSON.parse(JSON.stringify(a.toJson())));
        expect(rebuilt.vocabulary.tokens).toEqual(a.vocabulary.tokens);
        for (const text of corpus) expect(rebuilt.encode(text)).toEqual(a.encode(text));
      }),
      { numRuns: 30 },
    );
  });

  it('tokenizes to padded int32 rows that always end the text with end-of-text, cutting long texts', () => {
    const bpe = trainBpeTokenizer(['a b c d e f'], { vocabularySize: 30 });
    const ids = bpe.tokenize(['a b', 'a b c d e f', ''], { maxLength: 5 });
    expect(ids.dtype).toBe('int32');
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((w) => bpe.vocabulary.id(`${w}${END_OF_WORD}`));
    expect(ids.arraySync()).toEqual([
      [2, a, b, 3, 0],
      [2, a, b, c, 3], // cut: d, e, f dropped, the end token kept last
      [2, 3, 0, 0, 0],
    ]);
    expect([d, e].every((id) => id! > 3)).toBe(true);
    ids.dispose();
  });

  it('rejects bad arguments by name', () => {
    expect(() => trainBpeTokenizer('a b' as unknown as string[])).toThrow(/texts must be an array of strings/);
    expect(() => trainBpeTokenizer(['  ', '!'.slice(1)])).toThrow(/texts must be texts with at least one word/);
    expect(() => trainBpeTokenizer(['a'], { vocabularySize: 3 })).toThrow(/options.vocabularySize must be an integer >= 5; got 3/);
    expect(() => trainBpeTokenizer(['a'], { minFrequency: 0 })).toThrow(/options.minFrequency must be an integer >= 1; got 0/);
    const bpe = trainBpeTokenizer(['ab ab']);
    expect(() => bpe.tokenize(['a'], { maxLength: 1 })).toThrow(/options.maxLength must be an integer >= 2; got 1/);
    expect(() => bpe.decode([0, 99])).toThrow(/ids must be an array of token ids in \[0, \d+\]/);
    expect(() => bpeTokenizerFromJson({ type: 'wordpiece' })).toThrow(/json.type must be "bpe"; got "wordpiece"/);
    expect(() => bpeTokenizerFromJson({ type: 'bpe', alphabet: ['a', 'a'], merges: [] })).toThrow(/json.alphabet must be distinct symbols/);
    expect(() => bpeTokenizerFromJson({ type: 'bpe', alphabet: ['a'], merges: [['a', 'b']] })).toThrow(/json.merges\[0\] must be a pair of symbols known before it/);
    expect(tf.memory().numTensors).toBe(0);
  });
});
