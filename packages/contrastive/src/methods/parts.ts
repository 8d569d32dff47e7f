import { type ImageTransform, multiView } from '@selfsup/augment';
import { type Head as EncodersHead, projectionHead, resolveRng } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, type Rng, assertEncoder, assertInteger, assertRank, invalidArgument } from '@selfsup/tensors';

export { assertEncoder };
/** @deprecated import `Head` from `@selfsup/encoders` (this is the same type). */
export type Head = EncodersHead;

/**
 * How a method seeds the heads it builds by default: `seed` (recorded in the method's `config`), or the deprecated
 * `rng` (give one of them).
 */
export interface SeedOptions {
  /** Seeds the initial weights of the parts the method builds by default (heads, queue). Default 0. */
  readonly seed?: number;
  /** @deprecated use `seed`. An `Rng` the default parts draw their initial weights from. */
  readonly rng?: Rng;
}

/** The generator for a method's default parts, and the `config` entry recording its seed (none for a given rng). */
export function methodRng(options: SeedOptions): { rng: Rng; config: { seed?: number } } {
  const rng = resolveRng({ ...(options.rng !== undefined ? { rng: options.rng } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  return { rng, config: options.rng === undefined ? { seed: options.seed ?? 0 } : {} };
}

/**
 * Makes one augmented view of a batch of images [N, H, W, C] in [0, 1], drawing every random choice from `rng`:
 * an `ImageTransform` of @selfsup/augment (its presets, or your own `compose([...])`).
 */
export type ViewFn = ImageTransform;

/** One view function for both views, or one per view (BYOL's and MoCo v2's asymmetric pipelines). */
export type Views = ViewFn | readonly [ViewFn, ViewFn];

export function assertViews(name: string, value: unknown): asserts value is Views {
  const ok = typeof value === 'function' || (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'function'));
  if (!ok) invalidArgument(name, 'a view function (images, rng) => images, or a pair of them', value);
}

/** Draws both views of a batch with @selfsup/augment's `multiView` (each view from its own fork of `rng`). */
export function drawViews(views: Views, images: tf.Tensor4D, rng: Rng): [tf.Tensor4D, tf.Tensor4D] {
  assertRank('batch.images', images, 4);
  const [first, second] = typeof views === 'function' ? [views, views] : views;
  const [v1, v2] = multiView([first, second])(images, rng) as [tf.Tensor4D, tf.Tensor4D];
  return [v1, v2];
}

/** [H, W] of an encoder's images, to size a default augmentation; fails when the encoder accepts any size. */
export function imageSize(encoder: Encoder, viewsName: string): [number, number] {
  const [h, w] = encoder.inputShape;
  if (encoder.inputShape.length !== 3 || h === undefined || w === undefined || h < 1 || w < 1) {
    invalidArgument(viewsName, `given explicitly (the encoder's inputShape [${encoder.inputShape.join(', ')}] fixes no image size)`, undefined);
  }
  return [h, w];
}

/** Applies encoder then heads, in training mode, to both views in one pass (so batch norm sees all 2N samples). */
export function embedBoth(v1: tf.Tensor4D, v2: tf.Tensor4D, encoder: Encoder, heads: readonly EncodersHead[]): [tf.Tensor2D, tf.Tensor2D] {
  const [a, b] = embedViews([v1, v2], encoder, heads);
  return [a as tf.Tensor2D, b as tf.Tensor2D];
}

/** Applies encoder then heads, in training mode, to views of one size in one pass (batch norm sees them all). */
export function embedViews(views: readonly tf.Tensor4D[], encoder: Encoder, heads: readonly EncodersHead[]): tf.Tensor2D[] {
  let x: tf.Tensor2D = encoder.apply(tf.concat(views as tf.Tensor4D[], 0), { training: true });
  for (const head of heads) x = head.apply(x, { training: true });
  return tf.split(x, views.length, 0) as tf.Tensor2D[];
}

/** Barlow Twins' projector and VICReg's expander: dense-BN-ReLU, dense-BN-ReLU, dense, all `width` wide. */
export function threeLayerHead(inputDim: number, width: number, rng: Rng, preset: string): EncodersHead {
  return projectionHead(
    [
      { inputDim, outputDim: width, batchNorm: true, activation: 'relu' },
      { inputDim: width, outputDim: width, batchNorm: true, activation: 'relu' },
      { inputDim: width, outputDim: width },
    ],
    { preset, rng },
  );
}

/**
 * Checks the options that size a method's default heads (`projectorHiddenDim`, `projectorOutputDim`,
 * `predictorHiddenDim`, ...): each absent, or an integer >= 1 (`...Layers`: >= 2, a hidden layer and the output); and
 * absent when the head they would size is given (`sizes` maps each size key to that head's key).
 */
export function checkHeadSizes(options: object, sizes: Readonly<Record<string, string>>): void {
  const o = options as Record<string, unknown>;
  for (const [key, head] of Object.entries(sizes)) {
    const value = o[key];
    if (value === undefined) continue;
    if (o[head] !== undefined) invalidArgument(`options.${key}`, `absent when options.${head} is given (it sizes the default ${head})`, value);
    assertInteger(`options.${key}`, value, key.endsWith('Layers') ? 2 : 1);
  }
}
