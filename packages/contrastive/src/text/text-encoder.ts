import { type InitOptions, resolveRng } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import {
  type ApplyOptions,
  type Encoder,
  type NamedVariable,
  assertInteger,
  assertOptions,
  assertShape,
  disposeVariables,
  invalidArgument,
  namedVariable,
} from '@selfsup/tensors';
import {
  type Dense,
  type LayerNorm,
  applyDense,
  applyLayerNorm,
  dense,
  denseVariables,
  layerNorm,
  layerNormVariables,
} from './layers.js';
import type { BpeTokenizer } from './bpe.js';
import { type Vocabulary, tokenize } from './tokenizer.js';

/** Initial weights from `seed` (default 0) or an `rng` shared with other parts. Give `tokenizer` or `vocabulary`. */
export interface TextEncoderOptions extends InitOptions {
  /** A BPE tokenizer (`trainBpeTokenizer`): CLIP's text input, every text wrapped in start- and end-of-text tokens. */
  readonly tokenizer?: BpeTokenizer;
  /** A word-level vocabulary (`buildVocabulary`): texts are split into words, unknown words are [unk]. */
  readonly vocabulary?: Vocabulary;
  /** Tokens per text (longer texts are cut). Default 16. */
  readonly maxLength?: number;
  /** Width of token embeddings and of the transformer. Default 64. */
  readonly width?: number;
  /** Output (joint embedding) size. Default 64. */
  readonly outputDim?: number;
  /** Transformer layers; 0 gives a bag of embeddings (mean of token embeddings, then a linear map). Default 1. */
  readonly layers?: number;
  /** Attention heads; must divide `width`. Default 4. */
  readonly heads?: number;
  /**
   * 'causal': a token attends to itself and the tokens before it (CLIP's masked self-attention); 'bidirectional': to
   * every real token. Default 'causal' with a tokenizer, 'bidirectional' with a vocabulary.
   */
  readonly attention?: TextAttention;
  /**
   * What represents the text: 'endOfText', the last layer's output at the end-of-text token (CLIP; needs a tokenizer),
   * or 'mean', the mean over the real (non-padding) tokens. Default 'endOfText' with a tokenizer, 'mean' with a vocabulary.
   */
  readonly readout?: TextReadout;
}

export type TextAttention = 'causal' | 'bidirectional';
export type TextReadout = 'endOfText' | 'mean';

/** An Encoder over token ids [N, maxLength] (int32, 0 = padding), with helpers that tokenize strings first. */
export interface TextEncoder extends Encoder {
  /** Its tokens: the word vocabulary, or the BPE tokenizer's tokens. */
  readonly vocabulary: Vocabulary;
  /** The BPE tokenizer, when built with one. */
  readonly tokenizer?: BpeTokenizer;
  readonly maxLength: number;
  readonly attention: TextAttention;
  readonly readout: TextReadout;
  /** Texts as the token ids `apply` takes: [N, maxLength] int32. */
  tokenize(texts: readonly string[]): tf.Tensor2D;
  /** Tokenizes and embeds `texts`: [N, outputDim]. */
  embedTexts(texts: readonly string[], options?: ApplyOptions): tf.Tensor2D;
  /** The last layer's output at every position, after the final layer norm and before the readout: [N, maxLength, width]. */
  tokenStates(inputs: tf.Tensor, options?: ApplyOptions): tf.Tensor3D;
}

interface Block {
  readonly norm1: LayerNorm;
  readonly qkv: Dense;
  readonly out: Dense;
  readonly norm2: LayerNorm;
  readonly fc1: Dense;
  readonly fc2: Dense;
}

const NEG = -1e9;

/**
 * A small text encoder for CLIP (Radford et al. 2021, section 2.4, scaled far down): token embeddings plus learned
 * positions, `layers` pre-norm transformer blocks (Vaswani et al. 2017), a final layer norm, a readout and a linear
 * projection to `outputDim`. As CLIP's: BPE tokens with start- and end-of-text, masked (causal) self-attention, and the
 * output at the end-of-text token as the text's representation. The earlier form stays available: words of a
 * vocabulary, attention over every real token and the mean over them (`vocabulary`, the defaults that go with it).
 * No real token attends to padding. Token lookup is a one-hot product, so its gradient needs no scatter kernel.
 */
export function textEncoder(options: TextEncoderOptions): TextEncoder {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with tokenizer or vocabulary', options);
  const { tokenizer } = options;
  if (tokenizer !== undefined && options.vocabulary !== undefined) invalidArgument('options.vocabulary', 'left out when options.tokenizer is given (its tokens are the vocabulary)', 'both');
  if (tokenizer !== undefined && (typeof tokenizer !== 'object' || tokenizer === null || tokenizer.kind !== 'bpe' || typeof tokenizer.tokenize !== 'function')) {
    invalidArgument('options.tokenizer', 'a BPE tokenizer from trainBpeTokenizer()', tokenizer);
  }
  const vocabulary = tokenizer?.vocabulary ?? options.vocabulary;
  if (typeof vocabulary !== 'object' || vocabulary === null || !Array.isArray(vocabulary.tokens)) {
    invalidArgument('options.vocabulary', 'a Vocabulary from buildVocabulary() (or give options.tokenizer)', vocabulary);
  }
  const attention = options.attention ?? (tokenizer !== undefined ? 'causal' : 'bidirectional');
  const readout = options.readout ?? (tokenizer !== undefined ? 'endOfText' : 'mean');
  if (attention !== 'causal' && attention !== 'bidirectional') invalidArgument('options.attention', '"causal" or "bidirectional"', attention);
  if (readout !== 'endOfText' && readout !== 'mean') invalidArgument('options.readout', '"endOfText" or "mean"', readout);
  if (readout === 'endOfText' && tokenizer === undefined) invalidArgument('options.readout', '"mean" with a word vocabulary (only a tokenizer has an end-of-text token)', readout);
  const rng = resolveRng(options);
  const maxLength = options.maxLength ?? 16;
  const width = options.width ?? 64;
  const outputDim = options.outputDim ?? 64;
  const layers = options.layers ?? 1;
  const heads = options.heads ?? 4;
  assertInteger('options.maxLength', maxLength, tokenizer !== undefined ? 2 : 1);
  assertInteger('options.width', width, 1);
  assertInteger('options.outputDim', outputDim, 1);
  assertInteger('options.layers', layers, 0, 24);
  assertInteger('options.heads', heads, 1);
  if (width % heads !== 0) invalidArgument('options.heads', `a divisor of options.width (${width})`, heads);
  const v = vocabulary.size;
  const headDim = width / heads;
  const endId = tokenizer?.endId;

  const tokenEmbedding = namedVariable('tokenEmbedding', tf.tensor2d(rng.normalArray(v * width, 0, 0.02), [v, width]));
  const positionEmbedding = namedVariable('positionEmbedding', tf.tensor2d(rng.normalArray(maxLength * width, 0, 0.01), [maxLength, width]));
  const blocks: Block[] = Array.from({ length: layers }, (_, i) => ({
    norm1: layerNorm(`block${i}/norm1`, width),
    qkv: dense(`block${i}/attention/qkv`, width, 3 * width, rng),
    out: dense(`block${i}/attention/out`, width, width, rng),
    norm2: layerNorm(`block${i}/norm2`, width),
    fc1: dense(`block${i}/mlp/fc1`, width, 4 * width, rng),
    fc2: dense(`block${i}/mlp/fc2`, 4 * width, width, rng),
  }));
  const finalNorm = layerNorm('finalNorm', width);
  const projection = dense('projection', width, outputDim, rng);
  const variables: NamedVariable[] = [
    tokenEmbedding,
    positionEmbedding,
    ...blocks.flatMap((b) => [
      ...layerNormVariables(b.norm1),
      ...denseVariables(b.qkv),
      ...denseVariables(b.out),
      ...layerNormVariables(b.norm2),
      ...denseVariables(b.fc1),
      ...denseVariables(b.fc2),
    ]),
    ...layerNormVariables(finalNorm),
    ...denseVariables(projection),
  ];

  // Added to the attention scores: -1e9 where a query may not look (a later token, when causal). [1, L, L].
  const causalBias = attention === 'causal' ? tf.tidy(() => tf.expandDims(tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([maxLength, maxLength]), -1, 0)), NEG), 0)) : undefined;

  /** Multi-head self-attention over x [N, L, W]; keyMask [N, L] is 1 for real tokens. */
  const attend = (block: Block, x: tf.Tensor3D, keyMask: tf.Tensor2D): tf.Tensor3D => {
    const [n, l] = x.shape;
    const qkv = applyDense(block.qkv, x); // [N, L, 3W]
    const split = (i: number) =>
      tf.reshape(tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, i * width], [n, l, width]), [n, l, heads, headDim]), [0, 2, 1, 3]), [n * heads, l, headDim]) as tf.Tensor3D;
    const [q, k, val] = [split(0), split(1), split(2)];
    // Causal attention needs no padding mask (as CLIP's): padding follows the text, so no real token sees it. Without
    // one, a position's output depends on nothing after it, whatever the ids.
    const bias = causalBias ?? tf.reshape(tf.tile(tf.expandDims(tf.mul(tf.sub(1, keyMask), NEG), 1), [1, heads, 1]), [n * heads, 1, l]);
    const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(headDim)), bias);
    const mixed = tf.matMul(tf.softmax(scores), val); // [N*h, L, hd]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [n, heads, l, headDim]), [0, 2, 1, 3]), [n, l, width]);
    return applyDense(block.out, merged) as tf.Tensor3D;
  };

  const states = (inputs: tf.Tensor): tf.Tensor3D => {
    assertShape('inputs', inputs, [null, maxLength], { dtype: 'int32' });
    const n = inputs.shape[0];
    return tf.tidy(() => {
      const ids = tf.reshape(inputs, [n * maxLength]) as tf.Tensor1D;
      // Cast an int32 one-hot: tfjs-backend-wasm 4.22 writes oneHot(..., 'float32') as int bits (1 -> 1.4e-45).
      const oneHot = tf.cast(tf.oneHot(ids, v), 'float32') as tf.Tensor2D;
      let x = tf.reshape(tf.matMul(oneHot, tokenEmbedding.variable as tf.Tensor2D), [n, maxLength, width]) as tf.Tensor3D;
      x = tf.add(x, positionEmbedding.variable) as tf.Tensor3D;
      const mask = tf.cast(tf.notEqual(inputs, 0), 'float32') as tf.Tensor2D;
      for (const block of blocks) {
        x = tf.add(x, attend(block, applyLayerNorm(block.norm1, x) as tf.Tensor3D, mask)) as tf.Tensor3D;
        const hidden = tf.relu(applyDense(block.fc1, applyLayerNorm(block.norm2, x)));
        x = tf.add(x, applyDense(block.fc2, hidden)) as tf.Tensor3D;
      }
      return applyLayerNorm(finalNorm, x) as tf.Tensor3D;
    });
  };

  /** Where each row's text ends: the first end-of-text token (tokenize() puts one in every row). */
  const endPositions = (inputs: tf.Tensor): Int32Array => {
    const ids = inputs.dataSync();
    const n = inputs.shape[0] as number;
    const positions = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let p = -1;
      for (let j = 0; j < maxLength && p < 0; j++) if (ids[r * maxLength + j] === endId) p = j;
      if (p < 0) invalidArgument('inputs', `token ids with the end-of-text id ${endId} in every row (as tokenize() makes them)`, `row ${r} without it`);
      positions[r] = p;
    }
    return positions;
  };

  const apply = (inputs: tf.Tensor, _options?: ApplyOptions): tf.Tensor2D => {
    assertShape('inputs', inputs, [null, maxLength], { dtype: 'int32' });
    const positions = readout === 'endOfText' ? endPositions(inputs) : undefined;
    return tf.tidy(() => {
      const x = states(inputs);
      let pooled: tf.Tensor2D;
      if (positions !== undefined) {
        // CLIP: "the activations of the highest layer of the transformer at the [EOS] token" (section 2.4).
        const at = tf.cast(tf.oneHot(tf.tensor1d(positions, 'int32'), maxLength), 'float32');
        pooled = tf.sum(tf.mul(x, tf.expandDims(at, 2)), 1) as tf.Tensor2D;
      } else {
        // Mean over real tokens; an empty text (all padding) gives the zero vector before projection.
        const mask = tf.cast(tf.notEqual(inputs, 0), 'float32') as tf.Tensor2D;
        const summed = tf.sum(tf.mul(x, tf.expandDims(mask, 2)), 1);
        pooled = tf.div(summed, tf.maximum(tf.sum(mask, 1, true), 1)) as tf.Tensor2D;
      }
      return applyDense(projection, pooled) as tf.Tensor2D;
    });
  };

  const tokenizeTexts = (texts: readonly string[]): tf.Tensor2D =>
    tokenizer !== undefined ? tokenizer.tokenize(texts, { maxLength }) : tokenize(texts, vocabulary, { maxLength });

  return {
    architecture: 'textTransformer',
    config: {
      ...(tokenizer !== undefined ? { tokenizer: tokenizer.toJson() } : { vocabulary: [...vocabulary.tokens] }),
      maxLength,
      width,
      outputDim,
      layers,
      heads,
      attention,
      readout,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    },
    inputShape: [maxLength],
    outputDim,
    vocabulary,
    ...(tokenizer !== undefined ? { tokenizer } : {}),
    maxLength,
    attention,
    readout,
    variables,
    apply,
    tokenize: tokenizeTexts,
    tokenStates: (inputs) => states(inputs),
    embedTexts(texts, applyOptions) {
      const ids = tokenizeTexts(texts);
      try {
        return apply(ids, applyOptions);
      } finally {
        ids.dispose();
      }
    },
    dispose() {
      disposeVariables(variables);
      causalBias?.dispose();
    },
  };
}
