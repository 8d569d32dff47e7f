import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '../validate.js';
import { invalidArgument } from '../errors.js';
import { l2Normalize } from './l2-normalize.js';

/** Pairwise cosine similarity of the rows of a [N, D] and b [M, D]: an [N, M] matrix with entries in [-1, 1]. */
export function cosineSimilarityMatrix(a: tf.Tensor2D, b: tf.Tensor2D = a): tf.Tensor2D {
  assertRank('a', a, 2);
  assertRank('b', b, 2);
  if (a.shape[1] !== b.shape[1]) invalidArgument('b', `a [M, ${a.shape[1]}] tensor (same D as a)`, b);
  return tf.tidy(() => tf.matMul(l2Normalize(a), l2Normalize(b), false, true));
}

/** Row-wise cosine similarity of two [N, D] tensors: [N]. */
export function cosineSimilarity(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  assertRank('a', a, 2);
  assertRank('b', b, 2);
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) invalidArgument('b', `a tensor of shape [${a.shape.join(', ')}] (as a)`, b);
  return tf.tidy(() => tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1));
}
