import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '../validate.js';
import { assertFloatTensor, assertInteger, assertPositive } from '../validate.js';

/**
 * Scales each vector along `axis` (default: last) to unit L2 norm. `epsilon` guards zero vectors, which stay zero
 * (as torch.nn.functional.normalize: x / max(||x||, eps)).
 */
export function l2Normalize<T extends tf.Tensor>(x: T, axis = -1, epsilon = 1e-12): T {
  assertRank('x', x, [1, 2, 3, 4, 5]);
  assertFloatTensor('x', x);
  assertInteger('axis', axis, -x.rank, x.rank - 1);
  assertPositive('epsilon', epsilon);
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), axis, true));
    return tf.div(x, tf.maximum(norm, epsilon)) as T;
  });
}
