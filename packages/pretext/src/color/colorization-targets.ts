import * as tf from '@tensorflow/tfjs-core';
import { type AbBins, abBins, quantizeAb, softEncodeAb } from '@selfsup/augment';
import { assertInteger, assertNonNegative, assertOptions, assertPositive, assertShape, invalidArgument } from '@selfsup/tensors';
import { assertColorImages, chromaMask, downsampleTo, normalizeAb, normalizeLightness, splitLab } from './lab-channels.js';

export interface ColorizationTargetOptions {
  /** [h, w] of the prediction (Zhang et al. predict at 1/4 of the input side). Default: the input size. */
  readonly outputSize?: readonly [number, number];
  /** Bin centres (default `abBins()`, 262 bins of the sRGB gamut). */
  readonly bins?: AbBins;
  /** Soft-encoding Gaussian width in ab units. Default 5. */
  readonly sigma?: number;
  /** Nearest bins sharing each target's mass. Default 5. */
  readonly neighbours?: number;
  /** Images whose chroma stays below this everywhere are left out (sampleMask 0). Default 5 (half a bin). */
  readonly chromaThreshold?: number;
}

/** What the colorization losses consume. */
export interface ColorizationTargets {
  /** [N, H, W, 1]: L* / 50 - 1, the network input. */
  readonly input: tf.Tensor4D;
  /** [N, h, w, 2]: a*b* averaged down to the output size (ab units). */
  readonly ab: tf.Tensor4D;
  /** [N, h, w, Q]: Zhang et al.'s soft encoding of `ab`. */
  readonly soft: tf.Tensor4D;
  /** [N] int32-valued float: 1 for color images, 0 for those left out. */
  readonly sampleMask: tf.Tensor1D;
}

function checkSize(name: string, size: unknown): asserts size is readonly [number, number] {
  if (!Array.isArray(size) || size.length !== 2) invalidArgument(name, 'a [height, width] pair of positive integers', size);
  assertInteger(`${name}[0]`, size[0], 1);
  assertInteger(`${name}[1]`, size[1], 1);
}

/**
 * The colorization pipeline of Zhang, Isola & Efros (2016, "Colorful Image Colorization"): RGB -> Lab, the
 * normalised lightness as input, the chroma averaged to the output resolution and soft-encoded over the quantised
 * ab bins (5 nearest bins, Gaussian sigma 5), and a mask that leaves grey images out.
 */
export function colorizationTargets(images: tf.Tensor4D, options: ColorizationTargetOptions = {}): ColorizationTargets {
  assertColorImages('images', images);
  assertOptions('options', options);
  const [, h, w] = images.shape;
  const outputSize = options.outputSize ?? [h, w];
  checkSize('options.outputSize', outputSize);
  if (outputSize[0] > h || outputSize[1] > w) invalidArgument('options.outputSize', `at most the input size [${h}, ${w}]`, outputSize);
  const bins = options.bins ?? abBins();
  const sigma = options.sigma ?? 5;
  const neighbours = options.neighbours ?? 5;
  const threshold = options.chromaThreshold ?? 5;
  assertPositive('options.sigma', sigma);
  assertNonNegative('options.chromaThreshold', threshold);
  return tf.tidy(() => {
    const { lightness, ab } = splitLab(images);
    const small = downsampleTo(ab, outputSize);
    return {
      input: normalizeLightness(lightness) as tf.Tensor4D,
      ab: small,
      soft: softEncodeAb(small, { bins, sigma, neighbours }) as tf.Tensor4D,
      sampleMask: chromaMask(ab, threshold),
    };
  });
}

/** Regression targets for the L2 variant: a*b* / 110 at the output size. */
export function abRegressionTargets(ab: tf.Tensor4D): tf.Tensor4D {
  assertShape('ab', ab, [null, null, null, 2], { dtype: 'float32' });
  return normalizeAb(ab) as tf.Tensor4D;
}

/**
 * Bin counts of the ab values [..., 2] of the samples with `sampleMask` 1 ([N], default all): [Q] float32 counts,
 * the raw material of the color prior that `rebalancingWeights` turns into class weights.
 */
export function abBinCounts(ab: tf.Tensor4D, options: { readonly bins?: AbBins; readonly sampleMask?: tf.Tensor1D } = {}): tf.Tensor1D {
  assertShape('ab', ab, [null, null, null, 2], { dtype: 'float32' });
  assertOptions('options', options);
  const bins = options.bins ?? abBins();
  const [n, h, w] = ab.shape;
  if (options.sampleMask !== undefined) assertShape('options.sampleMask', options.sampleMask, [n], { dtype: 'float32' });
  return tf.tidy(() => {
    const indices = tf.reshape(quantizeAb(ab, { bins }), [-1]) as tf.Tensor1D;
    const weights =
      options.sampleMask !== undefined
        ? (tf.reshape(tf.tile(tf.reshape(options.sampleMask, [n, 1]), [1, h * w]), [-1]) as tf.Tensor1D)
        : tf.ones([n * h * w]);
    return tf.bincount(indices, weights as tf.Tensor1D, bins.length) as tf.Tensor1D;
  });
}
