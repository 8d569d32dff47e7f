import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertProbability, assertRangePair, assertRng, invalidArgument, type Rng } from '@selfsup/tensors';
import { assertImages, assertSize } from './images.js';
import { assertTransformInputs, type ImageTransform } from './pipeline.js';

/** A crop rectangle in continuous pixel coordinates: the image spans [0, H] x [0, W]. */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

export interface CropRanges {
  /** Range of the crop's area as a fraction of the image area. Default [0.08, 1] (Szegedy et al. 2015; SimCLR). */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height, sampled log-uniformly. Default [3/4, 4/3]. */
  readonly ratio?: readonly [number, number];
  /** Rejection-sampling attempts before the fallback (torchvision: 10). */
  readonly attempts?: number;
}

export interface RandomResizedCropOptions extends CropRanges {
  /** Output [height, width]. */
  readonly size: readonly [number, number];
  /** Resampling, default 'bilinear'. */
  readonly method?: 'bilinear' | 'nearest';
  /**
   * Probability of mirroring each crop left-right, fused into the crop (the sampling grid runs right to left): the
   * same result as a following `randomHorizontalFlip({ p: flip })`, at no cost. Default 0.
   */
  readonly flip?: number;
}

interface ResolvedRanges {
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  readonly attempts: number;
}

function resolveRanges(options: CropRanges, prefix: string): ResolvedRanges {
  const scale = options.scale ?? [0.08, 1];
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  const attempts = options.attempts ?? 10;
  assertRangePair(`${prefix}.scale`, scale, 0, 1);
  if (!(scale[0] > 0)) invalidArgument(`${prefix}.scale`, 'a [low, high] pair with 0 < low <= high <= 1', scale);
  assertRangePair(`${prefix}.ratio`, ratio, 0);
  if (!(ratio[0] > 0) || !Number.isFinite(ratio[1])) {
    invalidArgument(`${prefix}.ratio`, 'a [low, high] pair with 0 < low <= high < Infinity', ratio);
  }
  assertInteger(`${prefix}.attempts`, attempts, 1, 1000);
  return { scale, ratio, attempts };
}

/**
 * Samples one crop the way torchvision's `RandomResizedCrop` does (area fraction uniform in `scale`, aspect ratio
 * log-uniform in `ratio`, position uniform; up to `attempts` tries), with two differences: boxes are continuous
 * (`cropAndResize` needs no integer pixels, and the ranges then hold exactly), and the fallback after failed tries is
 * the largest centred box whose aspect ratio is the image's clamped into `ratio` and whose area is at most
 * `scale[1]` - inside both ranges whenever any box is.
 */
export function sampleCropBox(height: number, width: number, rng: Rng, options: CropRanges = {}): CropBox {
  assertInteger('height', height, 1);
  assertInteger('width', width, 1);
  assertRng('rng', rng);
  assertOptions('options', options);
  return sampleBox(height, width, rng, resolveRanges(options, 'options'));
}

function sampleBox(height: number, width: number, rng: Rng, { scale, ratio, attempts }: ResolvedRanges): CropBox {
  const area = height * width;
  const aspect = width / height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let k = 0; k < attempts; k++) {
    const s = rng.uniform(scale[0], scale[1]);
    const r = Math.exp(rng.uniform(logLo, logHi));
    // A box of area fraction s and ratio r fits when s <= min(aspect / r, r / aspect).
    if (s * r <= aspect && s * aspect <= r) {
      const w = Math.min(width, Math.sqrt(s * area * r));
      const h = Math.min(height, Math.sqrt((s * area) / r));
      return { top: rng.uniform(0, height - h), left: rng.uniform(0, width - w), height: h, width: w };
    }
  }
  const r = Math.min(Math.max(aspect, ratio[0]), ratio[1]);
  const s = Math.min(scale[1], aspect / r, r / aspect);
  const w = Math.min(width, Math.sqrt(s * area * r));
  const h = Math.min(height, Math.sqrt((s * area) / r));
  return { top: (height - h) / 2, left: (width - w) / 2, height: h, width: w };
}

/**
 * Converts a crop box to `tf.image.cropAndResize`'s normalised [y1, x1, y2, x2] so that the `outSize` samples fall on
 * the centres of an `outSize` grid over the box (half-pixel centres, as a resize of the cropped region), clamped to
 * the outermost pixel centres so that no sample is extrapolated.
 */
function normalisedBox(box: CropBox, height: number, width: number, outHeight: number, outWidth: number): number[] {
  const axis = (start: number, extent: number, size: number, out: number): [number, number] => {
    if (size === 1) return [0, 0];
    const first = start + (0.5 * extent) / out - 0.5;
    const last = start + extent - (0.5 * extent) / out - 0.5;
    const clampIndex = (v: number) => Math.min(Math.max(v, 0), size - 1) / (size - 1);
    return [clampIndex(first), clampIndex(last)];
  };
  const [y1, y2] = axis(box.top, box.height, height, outHeight);
  const [x1, x2] = axis(box.left, box.width, width, outWidth);
  return [y1, x1, y2, x2];
}

/**
 * Crops `boxes[i]` (pixel coordinates) from image `indices[i]` of `images` and resizes it to `size`:
 * one `tf.image.cropAndResize` for the whole batch. Returns [boxes.length, size[0], size[1], C].
 */
export function cropBoxes(
  images: tf.Tensor4D,
  boxes: readonly CropBox[],
  size: readonly [number, number],
  options: {
    readonly indices?: readonly number[];
    readonly method?: 'bilinear' | 'nearest';
    /** Mirror crop i left-right where `flips[i]` is true. */
    readonly flips?: readonly boolean[];
  } = {},
): tf.Tensor4D {
  assertImages('images', images);
  assertSize('size', size);
  assertOptions('options', options);
  const [n, h, w] = images.shape;
  if (!Array.isArray(boxes) || boxes.length === 0) invalidArgument('boxes', 'a non-empty array of crop boxes', boxes);
  const indices = options.indices ?? boxes.map((_, i) => i);
  if (!Array.isArray(indices) || indices.length !== boxes.length) {
    invalidArgument('options.indices', `an array of ${boxes.length} image indices (one per box)`, indices);
  }
  indices.forEach((v, i) => assertInteger(`options.indices[${i}]`, v, 0, n - 1));
  const method = options.method ?? 'bilinear';
  if (method !== 'bilinear' && method !== 'nearest') invalidArgument('options.method', '"bilinear" or "nearest"', method);
  const flips = options.flips;
  if (flips !== undefined && (!Array.isArray(flips) || flips.length !== boxes.length || !flips.every((f) => typeof f === 'boolean'))) {
    invalidArgument('options.flips', `an array of ${boxes.length} booleans (one per box)`, flips);
  }
  const flat = new Float64Array(boxes.length * 4);
  boxes.forEach((b, i) => {
    const valid =
      typeof b === 'object' &&
      b !== null &&
      [b.top, b.left, b.height, b.width].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
      b.height > 0 &&
      b.width > 0 &&
      b.top >= -1e-6 &&
      b.left >= -1e-6 &&
      b.top + b.height <= h + 1e-6 &&
      b.left + b.width <= w + 1e-6;
    if (!valid) invalidArgument(`boxes[${i}]`, `a crop box inside the ${h}x${w} image`, b);
    const [y1, x1, y2, x2] = normalisedBox(b, h, w, size[0], size[1]) as [number, number, number, number];
    // cropAndResize samples from x1 towards x2: swapping them mirrors the crop.
    flat.set(flips?.[i] === true ? [y1, x2, y2, x1] : [y1, x1, y2, x2], 4 * i);
  });
  if (method === 'nearest') return nearestCrops(images, flat, indices, size);
  return tf.tidy(() =>
    tf.image.cropAndResize(
      images,
      tf.tensor2d(Float32Array.from(flat), [boxes.length, 4]),
      tf.tensor1d(Int32Array.from(indices), 'int32'),
      [size[0], size[1]],
      'bilinear',
    ),
  );
}

/**
 * Nearest-neighbour crops with `cropAndResize`'s sampling (index = round(y1 (H - 1) + k (y2 - y1) (H - 1) / (h - 1))),
 * computed here and read with one `gatherND`: exact pixel copies on every backend (the wasm backend's nearest
 * `cropAndResize` misplaces boxes in tfjs 4.22).
 */
function nearestCrops(images: tf.Tensor4D, flat: Float64Array, indices: readonly number[], size: readonly [number, number]): tf.Tensor4D {
  const [, h, w] = images.shape;
  const [outH, outW] = size;
  const m = indices.length;
  const positions = (start: number, end: number, extent: number, out: number): Int32Array => {
    const at = new Int32Array(out);
    for (let k = 0; k < out; k++) {
      const v = out > 1 ? start * (extent - 1) + (k * (end - start) * (extent - 1)) / (out - 1) : 0.5 * (start + end) * (extent - 1);
      at[k] = Math.min(extent - 1, Math.max(0, Math.round(v)));
    }
    return at;
  };
  const gatherIndices = new Int32Array(m * outH * outW * 3);
  let q = 0;
  for (let i = 0; i < m; i++) {
    const ys = positions(flat[4 * i]!, flat[4 * i + 2]!, h, outH);
    const xs = positions(flat[4 * i + 1]!, flat[4 * i + 3]!, w, outW);
    for (let a = 0; a < outH; a++) {
      for (let b = 0; b < outW; b++) {
        gatherIndices[q++] = indices[i]!;
        gatherIndices[q++] = ys[a]!;
        gatherIndices[q++] = xs[b]!;
      }
    }
  }
  return tf.tidy(() => tf.gatherND(images, tf.tensor4d(gatherIndices, [m, outH, outW, 3], 'int32')) as tf.Tensor4D);
}

/**
 * Random resized crop (Szegedy et al. 2015, "Going deeper with convolutions"; the crop of SimCLR, MoCo and BYOL):
 * a box per image with area in `scale` and aspect ratio in `ratio` (see {@link sampleCropBox}), resized to `size`.
 * Batched: one `cropAndResize` for the whole batch.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { createRng, initBackend } from '@selfsup/tensors';
 * import { randomResizedCrop } from '@selfsup/augment';
 *
 * await initBackend();
 * const crop = randomResizedCrop({ size: [24, 24], scale: [0.08, 1], ratio: [3 / 4, 4 / 3], flip: 0.5 });
 * const images = tf.randomUniform([4, 32, 32, 3]) as tf.Tensor4D;
 * const crops = crop(images, createRng(0));
 * console.log(crops.shape); // [4, 24, 24, 3]
 * tf.dispose([images, crops]);
 * ```
 */
export function randomResizedCrop(options: RandomResizedCropOptions): ImageTransform {
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object with a size', options);
  assertSize('options.size', options.size);
  const ranges = resolveRanges(options, 'options');
  const size: [number, number] = [options.size[0], options.size[1]];
  const method = options.method ?? 'bilinear';
  if (method !== 'bilinear' && method !== 'nearest') invalidArgument('options.method', '"bilinear" or "nearest"', method);
  const flip = options.flip ?? 0;
  assertProbability('options.flip', flip);
  return (images, rng) => {
    assertTransformInputs(images, rng);
    const [n, h, w, c] = images.shape;
    if (n === 0) return tf.zeros([0, size[0], size[1], c]);
    const boxes: CropBox[] = [];
    const flips: boolean[] = [];
    for (let i = 0; i < n; i++) {
      boxes.push(sampleBox(h, w, rng, ranges));
      flips.push(flip > 0 && rng.float() < flip);
    }
    return cropBoxes(images, boxes, size, { method, flips });
  };
}
