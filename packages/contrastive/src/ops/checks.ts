import type * as tf from '@tensorflow/tfjs-core';
import { assertPositive, assertRank, invalidArgument } from '@selfsup/tensors';

/** Checks a float [N, D] batch of embeddings with N >= minRows and D >= 1. */
export function assertEmbeddings(name: string, value: unknown, minRows = 1): asserts value is tf.Tensor2D {
  assertRank(name, value, 2);
  const t = value as tf.Tensor2D;
  if (t.dtype !== 'float32') invalidArgument(name, 'a float32 tensor', t);
  if (t.shape[0] < minRows) invalidArgument(name, `a [N, D] tensor with N >= ${minRows}`, t);
  if (t.shape[1] < 1) invalidArgument(name, 'a [N, D] tensor with D >= 1', t);
}

/** Checks that `b` is an embedding batch of the same [N, D] as `a`. */
export function assertPairedEmbeddings(nameA: string, a: unknown, nameB: string, b: unknown, minRows = 1): void {
  assertEmbeddings(nameA, a, minRows);
  assertEmbeddings(nameB, b, minRows);
  const [n, d] = (a as tf.Tensor2D).shape;
  const [m, e] = (b as tf.Tensor2D).shape;
  if (n !== m || d !== e) invalidArgument(nameB, `a tensor of shape [${n}, ${d}] (the shape of ${nameA})`, b);
}

/** A temperature: finite and > 0. */
export function assertTemperature(name: string, value: unknown): asserts value is number {
  assertPositive(name, value);
}
