import { describe, expect, it } from 'vitest';
import { PAD_TOKEN, UNKNOWN_TOKEN, buildVocabulary, splitWords, tokenize, vocabularyFromTokens } from './tokenizer.js';

describe('tokenizer', () => {
  it('splits into lower-case words and builds a deterministic vocabulary, most frequent first', () => {
    expect(splitWords('A photo of the digit 7, Seven!')).toEqual(['a', 'photo', 'of', 'the', 'digit', '7', 'seven']);
    const vocab = buildVocabulary(['a cat', 'a dog', 'the dog']);
    expect(vocab.tokens).toEqual([PAD_TOKEN, UNKNOWN_TOKEN, 'a', 'dog', 'cat', 'the']);
    expect(vocab.id('dog')).toBe(3);
    expect(vocab.id('zebra')).toBe(1);
    expect(buildVocabulary(['a a b c'], { minCount: 2 }).tokens).toEqual([PAD_TOKEN, UNKNOWN_TOKEN, 'a']);
    expect(buildVocabulary(['a a b b c'], { maxSize: 3 }).tokens).toEqual([PAD_TOKEN, UNKNOWN_TOKEN, 'a']);
    expect(vocabularyFromTokens(vocab.tokens).id('the')).toBe(5);
  });

  it('tokenizes to padded, truncated int32 ids', () => {
    const vocab = buildVocabulary(['a photo of a seven']);
    const ids = tokenize(['a photo of a seven', 'seven', 'unknown words here and more'], vocab, { maxLength: 4 });
    expect(ids.dtype).toBe('int32');
    expect(ids.arraySync()).toEqual([
      [2, 4, 3, 2],
      [5, 0, 0, 0],
      [1, 1, 1, 1],
    ]);
    ids.dispose();
  });

  it('rejects bad arguments by name', () => {
    const vocab = buildVocabulary(['x']);
    expect(() => tokenize(['x'], vocab, { maxLength: 0 })).toThrow(/options.maxLength must be an integer >= 1; got 0/);
    expect(() => tokenize('x' as unknown as string[], vocab)).toThrow(/texts must be an array of strings/);
    expect(() => vocabularyFromTokens(['a', 'b'])).toThrow(/tokens must be an array of strings starting with/);
  });
});
