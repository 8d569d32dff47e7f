import * as tf from '@tensorflow/tfjs-core';
import { assertOptions, assertPositiveInteger, assertProbability, assertRng, invalidArgument, type Rng } from '@selfsup/tensors';
import { assertImages, selectRows } from './images.js';

/**
 * A batched image transform: maps a float32 [N, H, W, C] batch in [0, 1] to a new batch, drawing every random choice
 * from `rng` (same generator state, same output). The caller keeps ownership of `images` and owns the result.
 * Transforms act on each sample independently (per-sample parameters), so they compose with {@link randomApply}.
 */
export type ImageTransform = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D;

/** Produces several views of one batch (see {@link multiView}). */
export type MultiViewTransform = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D[];

function assertTransform(name: string, value: unknown): asserts value is ImageTransform {
  if (typeof value !== 'function') invalidArgument(name, 'an ImageTransform function (images, rng) => images', value);
}

/** Checks the arguments every transform receives. */
export function assertTransformInputs(images: unknown, rng: unknown): asserts images is tf.Tensor4D {
  assertImages('images', images);
  assertRng('rng', rng);
}

/**
 * Applies `transforms` in order; intermediate batches are released. An empty list is the identity (it returns a copy).
 */
export function compose(transforms: readonly ImageTransform[]): ImageTransform {
  if (!Array.isArray(transforms)) invalidArgument('transforms', 'an array of ImageTransform functions', transforms);
  transforms.forEach((t, i) => assertTransform(`transforms[${i}]`, t));
  const list = [...transforms];
  return (images, rng) => {
    assertTransformInputs(images, rng);
    return tf.tidy(() => {
      let x: tf.Tensor4D = images;
      for (const t of list) x = t(x, rng);
      return x === images ? tf.clone(images) : x;
    });
  };
}

/**
 * Applies `transform` to each sample with probability `p`, independently per sample (torchvision's `RandomApply`,
 * but per sample rather than per batch). The mask is drawn from `rng` first; the transform then runs on the whole
 * batch and each row is taken from its output or from the input by the mask (skipped when no sample is selected;
 * no selection step when all are). `transform` must keep the image shape and treat samples independently.
 */
export function randomApply(transform: ImageTransform, p: number): ImageTransform {
  assertTransform('transform', transform);
  assertProbability('p', p);
  return (images, rng) => {
    assertTransformInputs(images, rng);
    const n = images.shape[0];
    const mask = Array.from({ length: n }, () => rng.float() < p);
    const selected = mask.filter(Boolean).length;
    if (selected === 0) return tf.clone(images);
    return tf.tidy(() => {
      const out = transform(images, rng);
      if (out.shape.some((d, i) => d !== images.shape[i])) {
        invalidArgument('transform', `a shape-preserving transform (input [${images.shape.join(', ')}])`, out);
      }
      if (selected === n) return out === images ? tf.clone(images) : out;
      return selectRows(mask, out, images);
    });
  };
}

/**
 * Views of one batch, one per transform, each drawn from its own fork of `rng` (so that a view's randomness does not
 * depend on how many draws the views before it made). `multiView([t, t])` gives SimCLR's two views;
 * `multiView(t, 2)` is the same; a list of crops of different sizes gives multi-crop. The caller owns the views.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { createRng, initBackend } from '@selfsup/tensors';
 * import { multiView, simclrTransform } from '@selfsup/augment';
 *
 * await initBackend();
 * const images = tf.randomUniform([8, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
 * const views = multiView(simclrTransform({ size: [32, 32], strength: 0.5, blur: false }), 2);
 * const [a, b] = views(images, createRng(0)); // SimCLR's two views; the same rng seed gives the same views
 * console.log(a!.shape, b!.shape); // [8, 32, 32, 3] twice
 * tf.dispose([images, a, b]);
 * ```
 */
export function multiView(transforms: readonly ImageTransform[]): MultiViewTransform;
export function multiView(transform: ImageTransform, count: number): MultiViewTransform;
export function multiView(transforms: readonly ImageTransform[] | ImageTransform, count?: number): MultiViewTransform {
  let list: ImageTransform[];
  if (typeof transforms === 'function') {
    assertPositiveInteger('count', count);
    list = Array.from({ length: count }, () => transforms);
  } else {
    if (!Array.isArray(transforms) || transforms.length === 0) {
      invalidArgument('transforms', 'a non-empty array of ImageTransform functions', transforms);
    }
    transforms.forEach((t, i) => assertTransform(`transforms[${i}]`, t));
    list = [...transforms];
  }
  return (images, rng) => {
    assertTransformInputs(images, rng);
    const views: tf.Tensor4D[] = [];
    try {
      for (const t of list) views.push(t(images, rng.fork()));
    } catch (error) {
      tf.dispose(views);
      throw error;
    }
    return views;
  };
}

/** Clamps pixel values to [min, max] (default [0, 1]): the last step of the SimCLR pipeline. */
export function clampPixels(options: { readonly min?: number; readonly max?: number } = {}): ImageTransform {
  assertOptions('options', options);
  const min = options.min ?? 0;
  const max = options.max ?? 1;
  if (typeof min !== 'number' || !Number.isFinite(min)) invalidArgument('options.min', 'a finite number', min);
  if (typeof max !== 'number' || !(max >= min)) invalidArgument('options.max', `a number >= options.min (${min})`, max);
  return (images, rng) => {
    assertTransformInputs(images, rng);
    return tf.clipByValue(images, min, max);
  };
}

/** @deprecated use `clampPixels` (`clip` is CLIP, the method, in @selfsup/contrastive). */
export const clip = clampPixels;
