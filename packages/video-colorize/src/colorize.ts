import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertNonNegative, assertObject, assertOneOf, assertPositive, assertShape, assertTensor, invalidArgument } from '@selfsup/tensors';
import { type ContextBlock, neighbourhoodBias, topKAttention } from './attention.js';
import { type FeatureExtractor, assertFeatureExtractor, assertFramesFor, depthToSpace, spaceToDepth } from './features.js';
import { embedFrames } from './propagate.js';

export interface ColorizeOptions {
  /** The embedding (a trained model's `featureExtractor`). */
  readonly features: FeatureExtractor;
  /** Affinities kept per target cell. Default 10. */
  readonly topK?: number;
  /** Softmax temperature over the kept affinities. Default 0.07. */
  readonly temperature?: number;
  /** Restrict attention to reference cells within this many cells (square window). Default: no restriction. */
  readonly radius?: number;
  /**
   * Soft prior for small motion: affinities to reference cells at distance d (in cells) are lowered by locality x d
   * before the top-k. Default 0 (none).
   */
  readonly locality?: number;
  /** L2-normalise the features. Default true. */
  readonly normalize?: boolean;
  /**
   * 'pixel' (default): a cell copies the attended reference cells' s x s blocks of colors, so the output keeps the
   * reference's full resolution; 'cell': cells carry their mean color, upsampled bilinearly (the paper's read-out).
   */
  readonly colorResolution?: 'pixel' | 'cell';
  /** @deprecated use `colorResolution`. */
  readonly colourResolution?: 'pixel' | 'cell';
  /** Frames embedded at once. Default 8. */
  readonly batchFrames?: number;
  /** Target cells attended at once. Default 512. */
  readonly chunkSize?: number;
}

/**
 * Colorization by attention (Vondrick et al. 2018): each target location's color is the attention-weighted sum of
 * the reference colors, the attention coming from the embedding's affinities between target and reference frames.
 * `referenceFrames` [R, H, W, C] with their colors `referenceColors` [R, H, W, 2] (Lab ab), `targetFrames`
 * [T, H, W, C] (grey suffices for a grey model) -> predicted ab [T, H, W, 2]. Every target frame attends to all R
 * reference frames jointly.
 */
export function colorize(referenceFrames: tf.Tensor4D, referenceColors: tf.Tensor4D, targetFrames: tf.Tensor4D, options: ColorizeOptions): tf.Tensor4D {
  assertObject('options', options, 'an options object with features');
  assertFeatureExtractor('options.features', options.features);
  const features = options.features;
  assertFramesFor('referenceFrames', referenceFrames, features);
  const [r, h, w] = referenceFrames.shape;
  assertShape('referenceColors', referenceColors, [r, h, w, 2]);
  assertFramesFor('targetFrames', targetFrames, features);
  if (targetFrames.shape[1] !== h || targetFrames.shape[2] !== w) {
    invalidArgument('targetFrames', `frames of the references' size ${h}x${w}`, targetFrames);
  }
  const topK = options.topK ?? 10;
  assertInteger('options.topK', topK, 1);
  const temperature = options.temperature ?? 0.07;
  assertPositive('options.temperature', temperature);
  if (options.radius !== undefined) assertInteger('options.radius', options.radius, 0);
  const locality = options.locality ?? 0;
  assertNonNegative('options.locality', locality);
  if (options.colorResolution !== undefined && options.colourResolution !== undefined) {
    invalidArgument('options.colourResolution', 'absent when colorResolution is given (it is its deprecated spelling)', options.colourResolution);
  }
  const resolution = options.colorResolution ?? options.colourResolution ?? 'pixel';
  assertOneOf('options.colorResolution', resolution, ['pixel', 'cell'] as const);
  const s = features.stride;
  const [fh, fw] = [h / s, w / s];
  const cells = fh * fw;
  const t = targetFrames.shape[0];
  const embedOptions = {
    normalize: options.normalize ?? true,
    ...(options.batchFrames !== undefined ? { batchFrames: options.batchFrames } : {}),
  };
  return tf.tidy(() => {
    const refKeys = embedFrames(referenceFrames, features, embedOptions);
    const d = refKeys.shape[3];
    const colorCells =
      resolution === 'pixel' ? spaceToDepth(referenceColors, s) : (tf.avgPool(referenceColors, s, s, 'valid') as tf.Tensor4D);
    const v = colorCells.shape[3];
    const keys = tf.unstack(tf.reshape(refKeys, [r, cells, d])) as tf.Tensor2D[];
    const values = tf.unstack(tf.reshape(colorCells, [r, cells, v])) as tf.Tensor2D[];
    const restricted = options.radius !== undefined || locality > 0;
    const bias = restricted ? neighbourhoodBias(fh, fw, options.radius ?? Math.max(fh, fw), locality) : undefined;
    const context: ContextBlock[] = keys.map((k, i) => ({ keys: k, values: values[i] as tf.Tensor2D, restricted }));
    const targets = embedFrames(targetFrames, features, embedOptions);
    const predicted: tf.Tensor2D[] = [];
    for (let f = 0; f < t; f++) {
      predicted.push(
        tf.tidy(() =>
          topKAttention(tf.reshape(tf.slice(targets, [f, 0, 0, 0], [1, -1, -1, -1]), [cells, d]) as tf.Tensor2D, context, {
            topK,
            temperature,
            ...(bias !== undefined ? { bias } : {}),
            ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
          }),
        ),
      );
    }
    const out = tf.reshape(tf.stack(predicted), [t, fh, fw, v]) as tf.Tensor4D;
    return resolution === 'pixel' ? depthToSpace(out, s) : tf.image.resizeBilinear(out, [h, w], false, true);
  });
}

/** Mean absolute error between two ab images ([..., 2]), over pixels and both channels, in ab units. */
export function colorError(predicted: tf.Tensor, truth: tf.Tensor): number {
  assertTensor('predicted', predicted);
  if (predicted.rank < 1 || predicted.shape[predicted.rank - 1] !== 2) invalidArgument('predicted', 'a tensor whose last dimension is 2 (a, b)', predicted);
  assertShape('truth', truth, [...predicted.shape]);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(predicted, truth))).dataSync()[0] as number);
}

/** @deprecated use `colorError`. */
export const colourError = colorError;
