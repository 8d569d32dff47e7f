import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, invalidArgument } from '@selfsup/tensors';

/** Id 0 pads, id 1 stands for any word outside the vocabulary. */
export const PAD_TOKEN = '[pad]';
export const UNKNOWN_TOKEN = '[unk]';

/** A word-level vocabulary: token i has id i. Serialise it as its `tokens`. */
export interface Vocabulary {
  readonly tokens: readonly string[];
  readonly size: number;
  /** The id of a (lower-case) word, or 1 ([unk]) when it is not in the vocabulary. */
  id(word: string): number;
}

/** Lower-cases and splits on anything that is not a letter or a digit ("A photo of a 7." -> a, photo, of, a, 7). */
export function splitWords(text: string): string[] {
  if (typeof text !== 'string') invalidArgument('text', 'a string', text);
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A vocabulary from its token list (as saved); tokens[0] must be [pad] and tokens[1] [unk]. */
export function vocabularyFromTokens(tokens: readonly string[]): Vocabulary {
  if (!Array.isArray(tokens) || tokens[0] !== PAD_TOKEN || tokens[1] !== UNKNOWN_TOKEN || tokens.some((t) => typeof t !== 'string')) {
    invalidArgument('tokens', `an array of strings starting with "${PAD_TOKEN}", "${UNKNOWN_TOKEN}"`, tokens);
  }
  const index = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (index.has(t)) invalidArgument('tokens', 'unique tokens', `"${t}" twice`);
    index.set(t, i);
  });
  const copy = Object.freeze([...tokens]);
  return { tokens: copy, size: copy.length, id: (word) => index.get(word) ?? 1 };
}

/**
 * Builds a vocabulary of the words in `texts`, most frequent first (ties alphabetical, so the same texts give the same
 * ids), after [pad] and [unk]. Words seen fewer than `minCount` times are left out; `maxSize` caps the size.
 */
export function buildVocabulary(texts: readonly string[], options: { readonly minCount?: number; readonly maxSize?: number } = {}): Vocabulary {
  if (!Array.isArray(texts)) invalidArgument('texts', 'an array of strings', texts);
  assertOptions('options', options);
  const minCount = options.minCount ?? 1;
  assertInteger('options.minCount', minCount, 1);
  if (options.maxSize !== undefined) assertInteger('options.maxSize', options.maxSize, 2);
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of splitWords(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts]
    .filter(([w, c]) => c >= minCount && w !== PAD_TOKEN && w !== UNKNOWN_TOKEN)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([w]) => w);
  const limit = (options.maxSize ?? Number.POSITIVE_INFINITY) - 2;
  return vocabularyFromTokens([PAD_TOKEN, UNKNOWN_TOKEN, ...words.slice(0, limit)]);
}

/**
 * Turns texts into a [N, maxLength] int32 tensor of token ids: words in order, cut at maxLength, padded with 0.
 */
export function tokenize(texts: readonly string[], vocabulary: Vocabulary, options: { readonly maxLength?: number } = {}): tf.Tensor2D {
  if (!Array.isArray(texts)) invalidArgument('texts', 'an array of strings', texts);
  if (typeof vocabulary !== 'object' || vocabulary === null || typeof vocabulary.id !== 'function') {
    invalidArgument('vocabulary', 'a Vocabulary from buildVocabulary()', vocabulary);
  }
  assertOptions('options', options);
  const maxLength = options.maxLength ?? 16;
  assertInteger('options.maxLength', maxLength, 1);
  const ids = new Int32Array(texts.length * maxLength);
  texts.forEach((text, i) => {
    splitWords(text)
      .slice(0, maxLength)
      .forEach((w, j) => {
        ids[i * maxLength + j] = vocabulary.id(w);
      });
  });
  return tf.tensor2d(ids, [texts.length, maxLength], 'int32');
}
