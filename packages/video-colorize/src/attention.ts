import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertNonNegative, assertObject, assertPositive, assertRank, assertShape, invalidArgument } from '@selfsup/tensors';

/**
 * Softmax attention of every target location over every reference location: softmax_j(t_i . r_j / temperature).
 * `target` [Nt, D] and `reference` [Nr, D] give [Nt, Nr]; batched [B, Nt, D] and [B, Nr, D] give [B, Nt, Nr].
 * Every row is a distribution over the reference locations.
 */
export function attentionWeights(target: tf.Tensor, reference: tf.Tensor, temperature: number): tf.Tensor {
  assertRank('target', target, [2, 3]);
  assertRank('reference', reference, target.rank);
  assertPositive('temperature', temperature);
  const d = target.shape[target.rank - 1];
  if (reference.shape[reference.rank - 1] !== d) invalidArgument('reference', `a tensor with feature size ${d} (as target)`, reference);
  if (target.rank === 3 && reference.shape[0] !== target.shape[0]) {
    invalidArgument('reference', `a batch of ${target.shape[0]} (as target)`, reference);
  }
  return tf.tidy(() => tf.softmax(tf.div(tf.matMul(target, reference, false, true), temperature)));
}

/** The attention-weighted sum of reference values: weights [..., Nt, Nr] times values [..., Nr, V] = [..., Nt, V]. */
export function attend(weights: tf.Tensor, values: tf.Tensor): tf.Tensor {
  assertRank('weights', weights, [2, 3]);
  assertRank('values', values, weights.rank);
  if (values.shape[values.rank - 2] !== weights.shape[weights.rank - 1]) {
    invalidArgument('values', `a tensor with ${weights.shape[weights.rank - 1]} reference rows (as weights' columns)`, values);
  }
  return tf.tidy(() => tf.matMul(weights, values));
}

/**
 * Additive attention bias that restricts a target cell to the reference cells within `radius` cells (a square
 * window: |dy| <= radius and |dx| <= radius) on an h x w grid: [h*w, h*w], 0 inside, -1e9 outside. With `locality`
 * > 0, a cell at Euclidean distance d (in cells) inside the window gets -locality x d: a soft prior for small motion.
 */
export function neighbourhoodBias(height: number, width: number, radius: number, locality = 0): tf.Tensor2D {
  assertInteger('height', height, 1);
  assertInteger('width', width, 1);
  assertInteger('radius', radius, 0);
  assertNonNegative('locality', locality);
  const n = height * width;
  const bias = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const yi = Math.floor(i / width);
    const xi = i % width;
    for (let j = 0; j < n; j++) {
      const yj = Math.floor(j / width);
      const xj = j % width;
      if (Math.abs(yi - yj) > radius || Math.abs(xi - xj) > radius) bias[i * n + j] = -1e9;
      else if (locality > 0) bias[i * n + j] = -locality * Math.hypot(yi - yj, xi - xj);
    }
  }
  return tf.tensor2d(bias, [n, n]);
}

/** One block of context: keys [n, D], values [n, V], and whether the neighbourhood restriction applies to it. */
export interface ContextBlock {
  readonly keys: tf.Tensor2D;
  readonly values: tf.Tensor2D;
  readonly restricted: boolean;
}

export interface TopKAttentionOptions {
  /** Keep the k largest affinities of each target row. */
  readonly topK: number;
  readonly temperature: number;
  /** [Nq, n] additive bias for the restricted blocks (from {@link neighbourhoodBias}); required if any block is restricted. */
  readonly bias?: tf.Tensor2D;
  /** Target rows processed at once (bounds memory: chunk x total context). Default 512. */
  readonly chunkSize?: number;
}

/**
 * Sparse attention read-out: for each query row, the affinities to every context location (restricted blocks
 * masked by `bias`), the top k of them, a softmax over those at `temperature`, and the weighted sum of their values.
 * `queries` [Nq, D] -> [Nq, V].
 */
export function topKAttention(queries: tf.Tensor2D, context: readonly ContextBlock[], options: TopKAttentionOptions): tf.Tensor2D {
  assertShape('queries', queries, [null, null], { nonEmpty: true });
  const [nq, d] = queries.shape;
  if (!Array.isArray(context) || context.length === 0) invalidArgument('context', 'a non-empty array of context blocks', context);
  assertObject('options', options, 'an options object with topK and temperature');
  context.forEach((block: unknown, i) => {
    if (typeof block !== 'object' || block === null) invalidArgument(`context[${i}]`, 'a context block ({ keys, values, restricted })', block);
  });
  assertShape('context[0].values', context[0]?.values, [null, null]);
  const v = (context[0] as ContextBlock).values.shape[1];
  let total = 0;
  context.forEach((block, i) => {
    assertShape(`context[${i}].keys`, block.keys, [null, d], { nonEmpty: true });
    assertShape(`context[${i}].values`, block.values, [block.keys.shape[0], v]);
    total += block.keys.shape[0];
    if (block.restricted) {
      if (options.bias === undefined) invalidArgument('options.bias', 'a bias tensor (context has restricted blocks)', undefined);
      assertShape('options.bias', options.bias, [nq, block.keys.shape[0]]);
    }
  });
  assertInteger('options.topK', options.topK, 1);
  assertPositive('options.temperature', options.temperature);
  const chunk = options.chunkSize ?? 512;
  assertInteger('options.chunkSize', chunk, 1);
  const k = Math.min(options.topK, total);
  return tf.tidy(() => {
    const values = tf.concat(context.map((b) => b.values), 0);
    const outputs: tf.Tensor[] = [];
    for (let start = 0; start < nq; start += chunk) {
      const size = Math.min(chunk, nq - start);
      outputs.push(
        tf.tidy(() => {
          const q = tf.slice(queries, [start, 0], [size, d]);
          const bias = options.bias !== undefined && context.some((b) => b.restricted) ? tf.slice(options.bias, [start, 0], [size, -1]) : undefined;
          const scores = tf.concat(
            context.map((b) => {
              const s = tf.matMul(q, b.keys, false, true);
              return b.restricted && bias !== undefined ? tf.add(s, bias) : s;
            }),
            1,
          );
          const { values: top, indices } = tf.topk(scores, k);
          const weights = tf.softmax(tf.div(top, options.temperature));
          const picked = tf.reshape(tf.gather(values, tf.reshape(indices, [-1])), [size, k, v]);
          return tf.sum(tf.mul(picked, tf.expandDims(weights, 2)), 1);
        }),
      );
    }
    return tf.concat(outputs, 0) as tf.Tensor2D;
  });
}
