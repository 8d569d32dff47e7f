import * as tf from '@tensorflow/tfjs-core';
import { assertNonNegative, assertOptions, assertProbability, assertRng, invalidArgument, type Rng } from '@selfsup/tensors';
import { assertImages, replaceRows } from './images.js';

/**
 * Doersch et al.'s (2015) "color dropping" against chromatic aberration: each patch keeps one random color channel;
 * the other two are replaced by Gaussian noise whose standard deviation is `noise` (default 1/100, the paper's value)
 * times the kept channel's. The noise is centred on the kept channel's patch mean, so that per-patch standardisation
 * leaves it zero-mean, as the reference code's (which subtracts the kept channel's mean and fills the others with
 * zero-mean uniform noise of +-0.5 grey levels out of 255). Grey patches come back unchanged: there is no other channel
 * to drop, so this guard does nothing on grey images.
 */
export function colorDrop(patches: tf.Tensor4D, rng: Rng, options: { readonly noise?: number } = {}): tf.Tensor4D {
  assertImages('patches', patches);
  assertRng('rng', rng);
  assertOptions('options', options);
  const noise = options.noise ?? 0.01;
  assertNonNegative('options.noise', noise);
  const [m, h, w, c] = patches.shape;
  if (c === 1 || m === 0) return tf.clone(patches);
  const keep = new Float32Array(m * 3);
  for (let i = 0; i < m; i++) keep[3 * i + rng.int(0, 3)] = 1;
  const seed = rng.seed();
  return tf.tidy(() => {
    const keepMask = tf.tensor4d(keep, [m, 1, 1, 3]);
    const kept = tf.sum(tf.mul(patches, keepMask), 3, true);
    const { mean, variance } = tf.moments(kept, [1, 2, 3], true);
    const std = tf.sqrt(variance);
    const filler = tf.add(mean, tf.mul(tf.mul(std, noise), tf.randomNormal([m, h, w, 3], 0, 1, 'float32', seed)));
    return tf.add(tf.mul(keepMask, patches), tf.mul(tf.sub(1, keepMask), filler)) as tf.Tensor4D;
  });
}

/** The probability of {@link downUpSample} per patch: Doersch et al.'s reference code (cdoersch/deepcontext) uses 0.33. */
export const DOWN_UP_SAMPLE_PROBABILITY = 0.33;

export interface DownUpSampleOptions {
  /** Probability per patch. Default 0.33 ({@link DOWN_UP_SAMPLE_PROBABILITY}). */
  readonly p?: number;
  /**
   * Smallest side ratio of the downsampled patch. Default sqrt(100 / 96^2): Doersch et al. downsample 96-pixel
   * patches "to as little as 100 total pixels".
   */
  readonly minScale?: number;
}

/**
 * Doersch et al.'s (2015) random down-and-up sampling against pixelation cues: each patch, with probability `p`, is
 * resized (bilinear) to a side ratio drawn uniformly in [minScale, 1] and back. Patches sharing a target size are
 * resized together.
 */
export function downUpSample(patches: tf.Tensor4D, rng: Rng, options: DownUpSampleOptions = {}): tf.Tensor4D {
  assertImages('patches', patches);
  assertRng('rng', rng);
  assertOptions('options', options);
  const p = options.p ?? DOWN_UP_SAMPLE_PROBABILITY;
  const minScale = options.minScale ?? Math.sqrt(100) / 96;
  assertProbability('options.p', p);
  if (typeof minScale !== 'number' || !(minScale > 0 && minScale <= 1)) invalidArgument('options.minScale', 'a number in (0, 1]', minScale);
  const [m, h, w] = patches.shape;
  const groups = new Map<string, { size: [number, number]; rows: number[] }>();
  for (let i = 0; i < m; i++) {
    if (rng.float() >= p) continue;
    const scale = rng.uniform(minScale, 1);
    const size: [number, number] = [Math.max(1, Math.round(scale * h)), Math.max(1, Math.round(scale * w))];
    if (size[0] === h && size[1] === w) continue;
    const key = `${size[0]}x${size[1]}`;
    const group = groups.get(key) ?? { size, rows: [] };
    group.rows.push(i);
    groups.set(key, group);
  }
  if (groups.size === 0) return tf.clone(patches);
  return tf.tidy(() => {
    const rows: number[] = [];
    const parts: tf.Tensor4D[] = [];
    for (const group of groups.values()) {
      const picked = tf.gather(patches, tf.tensor1d(group.rows, 'int32'), 0) as tf.Tensor4D;
      parts.push(tf.image.resizeBilinear(tf.image.resizeBilinear(picked, group.size, false, true), [h, w], false, true));
      rows.push(...group.rows);
    }
    return replaceRows(patches, rows, tf.concat(parts, 0)) as tf.Tensor4D;
  });
}
