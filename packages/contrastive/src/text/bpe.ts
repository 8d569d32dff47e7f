import * as tf from '@tensorflow/tfjs-core';
import { type JsonObject, assertInteger, assertOptions, invalidArgument } from '@selfsup/tensors';
import { PAD_TOKEN, UNKNOWN_TOKEN, type Vocabulary, vocabularyFromTokens } from './tokenizer.js';

// A small byte-pair-encoding tokenizer (Sennrich et al. 2016) trained on a data set's captions, in the manner of CLIP's
// (Radford et al. 2021, 2.4): lower-cased text split into words, each word a sequence of symbols whose last carries an
// end-of-word mark, the most frequent adjacent pair merged into a new symbol until the vocabulary is full; every text
// is wrapped in start- and end-of-text tokens. CLIP's base symbols are the 256 bytes (49 152 tokens in all); here they
// are the characters the captions use, so a character never seen in training becomes [unk].

/** CLIP's special tokens: every tokenized text starts with the first and ends with the second. */
export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
/** Marks the last symbol of a word, so that "a" inside a word and the word "a" are different tokens (as CLIP's). */
export const END_OF_WORD = '</w>';

const SPECIAL_TOKENS = [PAD_TOKEN, UNKNOWN_TOKEN, START_OF_TEXT, END_OF_TEXT] as const;

/**
 * Splits a text into the words BPE works on, as CLIP's tokenizer does: lower-cased (Unicode NFC), then English
 * contractions ('s, 't, 're, 've, 'm, 'll, 'd), runs of letters, single digits, and runs of other non-space characters.
 * "A small, grey sneaker's 2 laces" -> a, small, ",", grey, sneaker, 's, 2, laces.
 */
export function captionWords(text: string): string[] {
  if (typeof text !== 'string') invalidArgument('text', 'a string', text);
  return text.normalize('NFC').toLowerCase().match(/'s|'t|'re|'ve|'m|'ll|'d|[\p{L}\p{M}]+|\p{N}|[^\s\p{L}\p{M}\p{N}]+/gu) ?? [];
}

/** Options of {@link trainBpeTokenizer}. */
export interface BpeTrainingOptions {
  /** Tokens in all (4 special tokens, the alphabet, one per new merge); training stops there. Default 1000 (CLIP: 49 152). */
  readonly vocabularySize?: number;
  /** A pair is merged only when it occurs at least this often in the texts. Default 2. */
  readonly minFrequency?: number;
}

/** A trained BPE tokenizer: ids 0-3 are [pad], [unk], start- and end-of-text, then the alphabet, then the merges' tokens. */
export interface BpeTokenizer {
  readonly kind: 'bpe';
  /** Every token (id i = token i), as a Vocabulary: `vocabulary.id(token)`. */
  readonly vocabulary: Vocabulary;
  readonly padId: number;
  readonly unknownId: number;
  readonly startId: number;
  readonly endId: number;
  /** The base symbols: each character of the training texts, alone and with the end-of-word mark. */
  readonly alphabet: readonly string[];
  /** The merges in the order they were learnt (earlier merges apply first). */
  readonly merges: readonly (readonly [string, string])[];
  /** One text's ids: start-of-text, its words' tokens, end-of-text (no padding, nothing cut). */
  encode(text: string): number[];
  /** The text back from ids: the words joined by single spaces; padding and the special tokens are dropped. */
  decode(ids: readonly number[]): string;
  /**
   * Texts as a [N, maxLength] int32 tensor: each text's ids, padded with 0; a longer text is cut and its last kept id is
   * replaced by end-of-text (as CLIP's `tokenize(truncate=True)`), so every row ends its text with it.
   */
  tokenize(texts: readonly string[], options?: { readonly maxLength?: number }): tf.Tensor2D;
  /** What to save: `bpeTokenizerFromJson(tokenizer.toJson())` rebuilds the same tokenizer. */
  toJson(): JsonObject;
}

type Pair = readonly [string, string];

const pairKey = (left: string, right: string) => `${left}\u0000${right}`;

/** A word's base symbols: its characters, the last with the end-of-word mark. */
function wordSymbols(word: string): string[] {
  const chars = Array.from(word);
  if (chars.length > 0) chars[chars.length - 1] = `${chars[chars.length - 1]}${END_OF_WORD}`;
  return chars;
}

/** Merges every occurrence of (left, right) in `symbols`, left to right. */
function mergePair(symbols: readonly string[], left: string, right: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(left + right);
      i += 1;
    } else out.push(symbols[i] as string);
  }
  return out;
}

function checkTexts(texts: unknown): asserts texts is readonly string[] {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) invalidArgument('texts', 'an array of strings', texts);
}

/**
 * Learns a BPE tokenizer from `texts` (a data set's captions): the alphabet is every character they use (alone and
 * word-final), then the most frequent adjacent pair of symbols, counted over all words, is merged repeatedly until the
 * vocabulary holds `vocabularySize` tokens or no pair occurs `minFrequency` times. Ties go to the pair that sorts first,
 * so the same texts always give the same tokenizer. Cost: merges x distinct words' symbols (fine for captions of a
 * small data set; CLIP's 49 152-token vocabulary was learnt once on a large corpus).
 */
export function trainBpeTokenizer(texts: readonly string[], options: BpeTrainingOptions = {}): BpeTokenizer {
  checkTexts(texts);
  assertOptions('options', options);
  const vocabularySize = options.vocabularySize ?? 1000;
  const minFrequency = options.minFrequency ?? 2;
  assertInteger('options.vocabularySize', vocabularySize, SPECIAL_TOKENS.length + 1);
  assertInteger('options.minFrequency', minFrequency, 1);
  const wordCounts = new Map<string, number>();
  for (const text of texts) for (const word of captionWords(text)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  if (wordCounts.size === 0) invalidArgument('texts', 'texts with at least one word', texts.length === 0 ? '[]' : 'texts without words');
  const chars = new Set<string>();
  for (const word of wordCounts.keys()) for (const c of word) chars.add(c);
  const sortedChars = [...chars].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const alphabet = [...sortedChars, ...sortedChars.map((c) => `${c}${END_OF_WORD}`)];
  const words = [...wordCounts].map(([word, count]) => ({ symbols: wordSymbols(word), count }));
  const known = new Set<string>([...SPECIAL_TOKENS, ...alphabet]);
  const merges: Pair[] = [];
  while (known.size < vocabularySize) {
    const counts = new Map<string, { pair: Pair; count: number }>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const left = symbols[i] as string;
        const right = symbols[i + 1] as string;
        const key = pairKey(left, right);
        const entry = counts.get(key);
        if (entry === undefined) counts.set(key, { pair: [left, right], count });
        else entry.count += count;
      }
    }
    let best: { key: string; pair: Pair; count: number } | undefined;
    for (const [key, { pair, count }] of counts) {
      if (best === undefined || count > best.count || (count === best.count && key < best.key)) best = { key, pair, count };
    }
    if (best === undefined || best.count < minFrequency) break;
    const [left, right] = best.pair;
    merges.push([left, right]);
    known.add(left + right);
    for (const word of words) word.symbols = mergePair(word.symbols, left, right);
  }
  return bpeTokenizer(alphabet, merges);
}

/** Rebuilds a tokenizer from `tokenizer.toJson()` (a saved text encoder's config), checking every field. */
export function bpeTokenizerFromJson(json: unknown): BpeTokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) invalidArgument('json', 'a BPE tokenizer as saved by toJson() ({ type: "bpe", alphabet, merges })', json);
  const j = json as Record<string, unknown>;
  if (j['type'] !== 'bpe') invalidArgument('json.type', '"bpe"', j['type']);
  const alphabet = j['alphabet'];
  if (!Array.isArray(alphabet) || alphabet.length === 0 || alphabet.some((s) => typeof s !== 'string' || s === '' || (SPECIAL_TOKENS as readonly string[]).includes(s))) {
    invalidArgument('json.alphabet', 'a non-empty array of symbols (non-empty strings, no special token)', alphabet);
  }
  if (new Set(alphabet).size !== alphabet.length) invalidArgument('json.alphabet', 'distinct symbols', alphabet);
  const merges = j['merges'];
  if (!Array.isArray(merges) || merges.some((m) => !Array.isArray(m) || m.length !== 2 || m.some((s) => typeof s !== 'string'))) {
    invalidArgument('json.merges', 'an array of [left, right] symbol pairs', merges);
  }
  const known = new Set<string>(alphabet as string[]);
  (merges as [string, string][]).forEach(([left, right], i) => {
    if (!known.has(left) || !known.has(right)) invalidArgument(`json.merges[${i}]`, 'a pair of symbols known before it (the alphabet or earlier merges)', [left, right]);
    known.add(left + right);
  });
  return bpeTokenizer(alphabet as string[], merges as [string, string][]);
}

function bpeTokenizer(alphabetIn: readonly string[], mergesIn: readonly Pair[]): BpeTokenizer {
  const alphabet = Object.freeze([...alphabetIn]);
  const merges = Object.freeze(mergesIn.map(([l, r]) => Object.freeze([l, r] as const)));
  // Two merges can spell the same token ("ab"+"c", "a"+"bc"): it gets one id.
  const tokens: string[] = [...SPECIAL_TOKENS];
  const seen = new Set(tokens);
  for (const t of [...alphabet, ...merges.map(([l, r]) => l + r)]) {
    if (!seen.has(t)) {
      seen.add(t);
      tokens.push(t);
    }
  }
  const vocabulary = vocabularyFromTokens(tokens);
  const ranks = new Map<string, number>();
  merges.forEach(([l, r], i) => {
    const key = pairKey(l, r);
    if (!ranks.has(key)) ranks.set(key, i);
  });
  const inAlphabet = new Set(alphabet);
  const [padId, unknownId, startId, endId] = [0, 1, 2, 3];
  const cache = new Map<string, number[]>();
  const wordIds = (word: string): number[] => {
    const hit = cache.get(word);
    if (hit !== undefined) return hit;
    // Unknown characters stay [unk] and take part in no merge.
    let symbols = wordSymbols(word).map((s) => (inAlphabet.has(s) ? s : UNKNOWN_TOKEN));
    for (;;) {
      let bestRank = Number.POSITIVE_INFINITY;
      let bestPair: Pair | undefined;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = ranks.get(pairKey(symbols[i] as string, symbols[i + 1] as string));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestPair = [symbols[i] as string, symbols[i + 1] as string];
        }
      }
      if (bestPair === undefined) break;
      symbols = mergePair(symbols, bestPair[0], bestPair[1]);
    }
    const ids = symbols.map((s) => (s === UNKNOWN_TOKEN ? unknownId : vocabulary.id(s)));
    if (cache.size < 50_000) cache.set(word, ids);
    return ids;
  };
  const encode = (text: string): number[] => {
    if (typeof text !== 'string') invalidArgument('text', 'a string', text);
    return [startId, ...captionWords(text).flatMap(wordIds), endId];
  };
  return {
    kind: 'bpe',
    vocabulary,
    padId,
    unknownId,
    startId,
    endId,
    alphabet,
    merges,
    encode,
    decode(ids) {
      if (!Array.isArray(ids) || ids.some((id) => !Number.isSafeInteger(id) || id < 0 || id >= tokens.length)) {
        invalidArgument('ids', `an array of token ids in [0, ${tokens.length - 1}]`, ids);
      }
      const text = ids
        .filter((id) => id === unknownId || id > endId)
        .map((id) => (id === unknownId ? `\uFFFD` : (tokens[id] as string)))
        .join('');
      return text.split(END_OF_WORD).join(' ').trim();
    },
    tokenize(texts, options = {}) {
      checkTexts(texts);
      assertOptions('options', options);
      const maxLength = options.maxLength ?? 16;
      assertInteger('options.maxLength', maxLength, 2);
      const ids = new Int32Array(texts.length * maxLength);
      texts.forEach((text, i) => {
        let row = encode(text);
        if (row.length > maxLength) row = [...row.slice(0, maxLength - 1), endId];
        ids.set(row, i * maxLength);
      });
      return tf.tensor2d(ids, [texts.length, maxLength], 'int32');
    },
    toJson: () => ({ type: 'bpe', alphabet: [...alphabet], merges: merges.map(([l, r]) => [l, r]) }),
  };
}
