import * as tf from '@tensorflow/tfjs-core';
import { type ImageDataset, type Rng, tensorDataset } from '@selfsup/tensors';

export const PATTERN_CLASSES = ['horizontal stripes', 'vertical stripes', 'checkerboard'] as const;

/**
 * A labelled toy dataset made in the page: `perClass` images of each pattern in PATTERN_CLASSES, `size` x `size` RGB,
 * with a random period, phase and hue per image, plus noise. Class i sits at indices i, i + 3, i + 6, ...
 */
export function patternDataset(perClass: number, size: number, rng: Rng, name: string): ImageDataset {
  const n = perClass * PATTERN_CLASSES.length;
  const pixels = new Float32Array(n * size * size * 3);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % PATTERN_CLASSES.length;
    labels.push(label);
    const period = rng.int(3, 7);
    const phase = rng.int(0, period);
    // One random hue per image, in a dark and a light shade: the pattern, not the color, tells the class.
    const hue = [rng.uniform(0.5, 1), rng.uniform(0.5, 1), rng.uniform(0.5, 1)];
    const colors = [hue.map((v) => 0.15 * v), hue.map((v) => 0.95 * v)] as [number[], number[]];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const band = (v: number) => Math.floor((v + phase) / period) % 2;
        const on = label === 0 ? band(y) : label === 1 ? band(x) : (band(x) + band(y)) % 2;
        const color = colors[on]!;
        for (let c = 0; c < 3; c++) {
          pixels[((i * size + y) * size + x) * 3 + c] = Math.min(1, Math.max(0, color[c]! + rng.normal(0, 0.05)));
        }
      }
    }
  }
  return tensorDataset(tf.tensor4d(pixels, [n, size, size, 3]), labels, { name, classNames: [...PATTERN_CLASSES] });
}
