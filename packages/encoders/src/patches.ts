import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Encoder } from '@selfsup/tensors';
import { assertTensor, invalidArgument } from '@selfsup/tensors';

/**
 * Applies one encoder to every patch of every sample with shared weights: patches [N, P, ...inputShape] ->
 * embeddings [N, P, outputDim]. The P patches go through as one batch of N * P (so batch norm sees all of them).
 */
export function encodePatches(encoder: Encoder, patches: tf.Tensor, options?: ApplyOptions): tf.Tensor3D {
  if (typeof encoder !== 'object' || encoder === null || typeof encoder.apply !== 'function') {
    invalidArgument('encoder', 'an Encoder', encoder);
  }
  assertTensor('patches', patches);
  if (patches.rank !== encoder.inputShape.length + 2) {
    invalidArgument('patches', `a tensor of shape [N, P, ${encoder.inputShape.map((d) => (d === -1 ? '*' : d)).join(', ')}]`, patches);
  }
  const [n, p] = patches.shape as [number, number];
  return tf.tidy(() => {
    const flat = tf.reshape(patches, [n * p, ...patches.shape.slice(2)]);
    return tf.reshape(encoder.apply(flat, options), [n, p, encoder.outputDim]);
  });
}
