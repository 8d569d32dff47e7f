import * as tf from '@tensorflow/tfjs-core';
import { type AbBins, abBins, quantizeAb } from '@selfsup/augment';
import { assertInteger, assertNonNegative, assertOptions, invalidArgument } from '@selfsup/tensors';
import { assertColorImages, chromaMask, downsampleTo, normalizeAb, normalizeLightness, splitLab } from '../color/lab-channels.js';
import { quantizeLightness } from '../color/lightness-bins.js';

export interface SplitBrainTargetOptions {
  /** [h, w] of the predictions. Default: the input size. */
  readonly outputSize?: readonly [number, number];
  /** ab bin centres (default `abBins()`). */
  readonly abBins?: AbBins;
  /** Equal-width L* bins over [0, 100]. Default 50. */
  readonly lightnessBins?: number;
  /** Grey images (chroma below this everywhere) are left out of the L -> ab loss. Default 5. */
  readonly chromaThreshold?: number;
}

/** The two cross-channel prediction problems of a split-brain autoencoder. */
export interface SplitBrainTargets {
  /** [N, H, W, 1]: L* / 50 - 1, input of the L -> ab half. */
  readonly lightnessInput: tf.Tensor4D;
  /** [N, H, W, 2]: a*b* / 110, input of the ab -> L half. */
  readonly abInput: tf.Tensor4D;
  /** [N, h, w] int32: the ab bin of each output position (target of the L -> ab half). */
  readonly abLabels: tf.Tensor3D;
  /** [N, h, w] int32: the L* bin of each output position (target of the ab -> L half). */
  readonly lightnessLabels: tf.Tensor3D;
  /** [N]: 1 for color images, 0 for grey ones (left out of the L -> ab loss). */
  readonly sampleMask: tf.Tensor1D;
}

/**
 * Split-brain autoencoder targets (Zhang, Isola & Efros 2017, "Split-Brain Autoencoders"): the Lab image split into
 * L and ab, each half's input the other half's target, both targets quantised for classification (ab into the gamut's
 * bins, L into equal-width bins), at the output resolution (averaged down first).
 */
export function splitBrainTargets(images: tf.Tensor4D, options: SplitBrainTargetOptions = {}): SplitBrainTargets {
  assertColorImages('images', images);
  assertOptions('options', options);
  const [n, h, w] = images.shape;
  if (n === 0) invalidArgument('images', 'a non-empty batch', images);
  const outputSize = options.outputSize ?? [h, w];
  if (!Array.isArray(outputSize) || outputSize.length !== 2) invalidArgument('options.outputSize', 'a [height, width] pair', outputSize);
  assertInteger('options.outputSize[0]', outputSize[0], 1, h);
  assertInteger('options.outputSize[1]', outputSize[1], 1, w);
  const bins = options.abBins ?? abBins();
  const lBins = options.lightnessBins ?? 50;
  assertInteger('options.lightnessBins', lBins, 2, 1000);
  const threshold = options.chromaThreshold ?? 5;
  assertNonNegative('options.chromaThreshold', threshold);
  return tf.tidy(() => {
    const { lightness, ab } = splitLab(images);
    const smallAb = downsampleTo(ab, outputSize);
    const smallL = downsampleTo(lightness, outputSize);
    return {
      lightnessInput: normalizeLightness(lightness) as tf.Tensor4D,
      abInput: normalizeAb(ab) as tf.Tensor4D,
      abLabels: quantizeAb(smallAb, { bins }) as tf.Tensor3D,
      lightnessLabels: tf.reshape(quantizeLightness(smallL, lBins), [smallL.shape[0], smallL.shape[1], smallL.shape[2]]) as tf.Tensor3D,
      sampleMask: chromaMask(ab, threshold),
    };
  });
}
