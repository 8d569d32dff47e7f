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
import { type Vocabulary, tokenize } from './tokenizer.js';

/** Initial weights from `seed` (default 0) or an `rng` shared with other parts. */
export interface TextEncoderOptions extends InitOptions {
  readonly vocabulary: Vocabulary;
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
}

/** An Encoder over token ids [N, maxLength] (int32, 0 = padding), with a helper that tokenizes strings first. */
export interface TextEncoder extends Encoder {
  readonly vocabulary: Vocabulary;
  readonly maxLength: number;
  /** Tokenizes and embeds `texts`: [N, outputDim]. */
  embedTexts(texts: readonly string[], options?: ApplyOptions): tf.Tensor2D;
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
 * positions, `layers` pre-norm transformer blocks (Vaswani et al. 2017) whose attention ignores padding, a final
 * layer norm, the mean over the real (non-padding) tokens, and a linear projection to `outputDim`.
 * Token lookup is a one-hot product, so its gradient needs no scatter kernel.
 */
export function textEncoder(options: TextEncoderOptions): TextEncoder {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with vocabulary', options);
  const { vocabulary } = options;
  if (typeof vocabulary !== 'object' || vocabulary === null || !Array.isArray(vocabulary.tokens)) {
    invalidArgument('options.vocabulary', 'a Vocabulary from buildVocabulary()', vocabulary);
  }
  const rng = resolveRng(options);
  const maxLength = options.maxLength ?? 16;
  const width = options.width ?? 64;
  const outputDim = options.outputDim ?? 64;
  const layers = options.layers ?? 1;
  const heads = options.heads ?? 4;
  assertInteger('options.maxLength', maxLength, 1);
  assertInteger('options.width', width, 1);
  assertInteger('options.outputDim', outputDim, 1);
  assertInteger('options.layers', layers, 0, 24);
  assertInteger('options.heads', heads, 1);
  if (width % heads !== 0) invalidArgument('options.heads', `a divisor of options.width (${width})`, heads);
  const v = vocabulary.size;
  const headDim = width / heads;

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

  /** Multi-head self-attention over x [N, L, W]; keyMask [N, L] is 1 for real tokens. */
  const attend = (block: Block, x: tf.Tensor3D, keyMask: tf.Tensor2D): tf.Tensor3D => {
    const [n, l] = x.shape;
    const qkv = applyDense(block.qkv, x); // [N, L, 3W]
    const split = (i: number) =>
      tf.reshape(tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, i * width], [n, l, width]), [n, l, heads, headDim]), [0, 2, 1, 3]), [n * heads, l, headDim]) as tf.Tensor3D;
    const [q, k, val] = [split(0), split(1), split(2)];
    const bias = tf.reshape(tf.tile(tf.expandDims(tf.mul(tf.sub(1, keyMask), NEG), 1), [1, heads, 1]), [n * heads, 1, l]);
    const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(headDim)), bias);
    const mixed = tf.matMul(tf.softmax(scores), val); // [N*h, L, hd]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [n, heads, l, headDim]), [0, 2, 1, 3]), [n, l, width]);
    return applyDense(block.out, merged) as tf.Tensor3D;
  };

  const apply = (inputs: tf.Tensor, _options?: ApplyOptions): tf.Tensor2D => {
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
      x = applyLayerNorm(finalNorm, x) as tf.Tensor3D;
      // Mean over real tokens; an empty text (all padding) gives the zero vector before projection.
      const summed = tf.sum(tf.mul(x, tf.expandDims(mask, 2)), 1);
      const pooled = tf.div(summed, tf.maximum(tf.sum(mask, 1, true), 1));
      return applyDense(projection, pooled) as tf.Tensor2D;
    });
  };

  return {
    architecture: 'textTransformer',
    config: { vocabulary: [...vocabulary.tokens], maxLength, width, outputDim, layers, heads, ...(options.seed !== undefined ? { seed: options.seed } : {}) },
    inputShape: [maxLength],
    outputDim,
    vocabulary,
    maxLength,
    variables,
    apply,
    embedTexts(texts, applyOptions) {
      const ids = tokenize(texts, vocabulary, { maxLength });
      try {
        return apply(ids, applyOptions);
      } finally {
        ids.dispose();
      }
    },
    dispose() {
      disposeVariables(variables);
    },
  };
}
