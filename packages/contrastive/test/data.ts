// Small MNIST-sized data for training tests: a handful of the real embedded digits.
import type { ImageDataset } from '@selfsup/tensors';
import { loadMnist } from '@selfsup/tensors/node';

export function fewDigits(limit = 128): ImageDataset {
  return loadMnist('train', { limit });
}

/** Mean of the first and last `k` values: did the loss fall? */
export function headTail(values: readonly number[], k = 5): { head: number; tail: number } {
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return { head: mean(values.slice(0, k)), tail: mean(values.slice(-k)) };
}
