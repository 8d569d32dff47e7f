import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOneOf, assertOptions, assertShape, invalidArgument } from '@selfsup/tensors';
import { rgbToLab } from '@selfsup/augment';

/**
 * Maps frames to feature maps: the one thing label propagation and colorization need from a model, so that a
 * trained embedding and the raw-pixel baseline run through the same code.
 */
export interface FeatureExtractor {
  /** Pixels per feature cell along each axis (4: features at 1/4 resolution). */
  readonly stride: number;
  /** Channels of a frame it accepts: 3 (sRGB) or 1 (grey); 'any' for both. */
  readonly channels: 1 | 3 | 'any';
  /** [T, H, W, C] frames in [0, 1] (H and W multiples of `stride`) to [T, H / stride, W / stride, D] features. */
  extract(frames: tf.Tensor4D): tf.Tensor4D;
}

/** Largest cell side: as labPixelFeatures allows (a larger one would make s x s x C-long cell vectors). */
const MAX_STRIDE = 64;

/** Rearranges [T, H, W, C] into [T, H / s, W / s, s * s * C]: every s x s block becomes one cell's vector. */
export function spaceToDepth(x: tf.Tensor4D, stride: number): tf.Tensor4D {
  assertShape('x', x, [null, null, null, null]);
  assertInteger('stride', stride, 1, MAX_STRIDE);
  const [t, h, w, c] = x.shape;
  if (h % stride !== 0 || w % stride !== 0) invalidArgument('x', `a tensor whose height and width are multiples of ${stride}`, x);
  return tf.tidy(() =>
    tf.reshape(tf.transpose(tf.reshape(x, [t, h / stride, stride, w / stride, stride, c]), [0, 1, 3, 2, 4, 5]), [
      t,
      h / stride,
      w / stride,
      stride * stride * c,
    ]),
  );
}

/** The inverse of {@link spaceToDepth}: [T, h, w, s * s * C] to [T, h * s, w * s, C]. */
export function depthToSpace(x: tf.Tensor4D, stride: number): tf.Tensor4D {
  assertShape('x', x, [null, null, null, null]);
  assertInteger('stride', stride, 1, MAX_STRIDE);
  const [t, h, w, d] = x.shape;
  if (d % (stride * stride) !== 0) invalidArgument('x', `a tensor whose depth is a multiple of ${stride * stride}`, x);
  const c = d / (stride * stride);
  return tf.tidy(() =>
    tf.reshape(tf.transpose(tf.reshape(x, [t, h, w, stride, stride, c]), [0, 1, 3, 2, 4, 5]), [t, h * stride, w * stride, c]),
  );
}

/** Checks a {@link FeatureExtractor}: an `extract` function, a stride in [1, 64] and the channels it accepts. */
export function assertFeatureExtractor(name: string, value: unknown): asserts value is FeatureExtractor {
  const expected = 'a FeatureExtractor ({ stride, channels, extract })';
  if (typeof value !== 'object' || value === null || typeof (value as { extract?: unknown }).extract !== 'function') {
    invalidArgument(name, expected, value);
  }
  const extractor = value as { stride?: unknown; channels?: unknown };
  assertInteger(`${name}.stride`, extractor.stride, 1, MAX_STRIDE);
  if (extractor.channels !== 1 && extractor.channels !== 3 && extractor.channels !== 'any') {
    invalidArgument(`${name}.channels`, "1, 3 or 'any'", extractor.channels);
  }
}

/** Checks frames against an extractor: rank 4, accepted channels, sides divisible by the stride. */
export function assertFramesFor(name: string, frames: unknown, extractor: FeatureExtractor): asserts frames is tf.Tensor4D {
  assertShape(name, frames, [null, null, null, null], { nonEmpty: true });
  const [, h, w, c] = frames.shape as [number, number, number, number];
  if (extractor.channels !== 'any' ? c !== extractor.channels : c !== 1 && c !== 3) {
    invalidArgument(name, `frames with ${extractor.channels === 'any' ? '1 or 3' : extractor.channels} channel(s)`, frames);
  }
  if (h % extractor.stride !== 0 || w % extractor.stride !== 0) {
    invalidArgument(name, `frames whose height and width are multiples of the feature stride ${extractor.stride}`, frames);
  }
}

/** Lab scaled to comparable, roughly zero-centred ranges: (L - 50) / 50, a / 50, b / 50. */
export function scaledLab(rgb: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(rgbToLab(rgb), tf.tensor1d([50, 0, 0])), 50) as tf.Tensor4D);
}

export interface LabPixelFeatureOptions {
  /** Pixels per feature cell. Default 4. */
  readonly stride?: number;
  /** 'patch' (default): the cell's s x s Lab pixels as one vector; 'mean': the cell's mean Lab color. */
  readonly mode?: 'patch' | 'mean';
}

/**
 * Raw pixels as features: the baseline of the label-propagation benchmark (same propagation, no learning). Each cell
 * is described by its Lab pixels, scaled by {@link scaledLab}.
 */
export function labPixelFeatures(options: LabPixelFeatureOptions = {}): FeatureExtractor {
  assertOptions('options', options);
  const stride = options.stride ?? 4;
  if (!Number.isInteger(stride) || stride < 1 || stride > 64) invalidArgument('options.stride', 'an integer in [1, 64]', stride);
  const mode = options.mode ?? 'patch';
  assertOneOf('options.mode', mode, ['patch', 'mean'] as const);
  const extractor: FeatureExtractor = {
    stride,
    channels: 3,
    extract(frames: tf.Tensor4D): tf.Tensor4D {
      assertFramesFor('frames', frames, extractor);
      return tf.tidy(() => {
        const lab = scaledLab(frames);
        return mode === 'patch' ? spaceToDepth(lab, stride) : (tf.avgPool(lab, stride, stride, 'valid') as tf.Tensor4D);
      });
    },
  };
  return extractor;
}
