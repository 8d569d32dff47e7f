import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertPositive, assertRangePair, invalidArgument } from '@selfsup/tensors';
import { assertImages } from './images.js';
import { assertTransformInputs, type ImageTransform } from './pipeline.js';

/** A normalised 1-D Gaussian of `size` taps (odd) and standard deviation `sigma` pixels. */
export function gaussianKernel1d(size: number, sigma: number): Float32Array {
  assertInteger('size', size, 1);
  if (size % 2 !== 1) invalidArgument('size', 'an odd integer', size);
  assertPositive('sigma', sigma);
  const radius = (size - 1) / 2;
  const taps = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    taps[i] = Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma));
    sum += taps[i]!;
  }
  return Float32Array.from(taps, (t) => t / sum);
}

/** SimCLR's kernel size for an image side: 10% of the side, made odd (`radius = floor(side / 10) / 2`, `2 radius + 1`). */
export function simclrKernelSize(side: number): number {
  assertInteger('side', side, 1);
  return 2 * Math.floor(Math.floor(side / 10) / 2) + 1;
}

/**
 * Blurs each image with its own Gaussian (separable, reflect padding as torchvision's `gaussian_blur`).
 * `sigmas` is one sigma for all or one per sample. Batched: the batch is laid out as one image with N*C channels and
 * filtered by two depthwise convolutions, each channel with its sample's kernel. The kernel radius is capped below
 * the image side (reflect padding needs it).
 */
export function blurImages(images: tf.Tensor4D, sigmas: number | ArrayLike<number>, kernelSize: number): tf.Tensor4D {
  assertImages('images', images);
  assertInteger('kernelSize', kernelSize, 1);
  if (kernelSize % 2 !== 1) invalidArgument('kernelSize', 'an odd integer', kernelSize);
  const [n, h, w, c] = images.shape;
  const perImage = typeof sigmas === 'number' ? new Array<number>(n).fill(sigmas) : Array.from(sigmas as ArrayLike<number>);
  if (perImage.length !== n || perImage.some((s) => typeof s !== 'number' || !(s > 0) || !Number.isFinite(s))) {
    invalidArgument('sigmas', `a finite number > 0 or ${n} of them (one per sample)`, sigmas);
  }
  const radius = Math.min((kernelSize - 1) / 2, h - 1, w - 1);
  if (radius === 0 || n === 0) return tf.clone(images);
  const size = 2 * radius + 1;
  const taps = new Float32Array(size * n * c);
  perImage.forEach((sigma, i) => {
    const k = gaussianKernel1d(size, sigma);
    for (let j = 0; j < size; j++) for (let ch = 0; ch < c; ch++) taps[j * n * c + i * c + ch] = k[j]!;
  });
  return tf.tidy(() => {
    const padded = tf.mirrorPad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
    // [N, H', W', C] -> [1, H', W', N*C]: every (sample, channel) pair is one depthwise channel.
    const stacked = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [1, h + 2 * radius, w + 2 * radius, n * c]) as tf.Tensor4D;
    const rows = tf.depthwiseConv2d(stacked, tf.tensor4d(taps, [1, size, n * c, 1]), 1, 'valid');
    const both = tf.depthwiseConv2d(rows, tf.tensor4d(taps, [size, 1, n * c, 1]), 1, 'valid');
    return tf.transpose(tf.reshape(both, [h, w, n, c]), [2, 0, 1, 3]) as tf.Tensor4D;
  });
}

export interface GaussianBlurOptions {
  /** Taps (odd), or 'auto' (default): 10% of the image height made odd, as SimCLR ({@link simclrKernelSize}). */
  readonly kernelSize?: number | 'auto';
  /** Range of sigma in pixels, drawn uniformly per sample. Default [0.1, 2.0] (SimCLR, MoCo v2, BYOL). */
  readonly sigma?: readonly [number, number];
}

/**
 * Gaussian blur with a random sigma per sample (SimCLR, Chen et al. 2020, Appendix A: kernel 10% of the side,
 * sigma uniform in [0.1, 2.0]). Wrap in {@link randomApply} for a probability.
 */
export function gaussianBlur(options: GaussianBlurOptions = {}): ImageTransform {
  assertOptions('options', options);
  const sigma = options.sigma ?? [0.1, 2.0];
  assertRangePair('options.sigma', sigma, 0);
  if (!(sigma[0] > 0) || !Number.isFinite(sigma[1])) invalidArgument('options.sigma', 'a [low, high] range with 0 < low <= high', sigma);
  const kernelSize = options.kernelSize ?? 'auto';
  if (kernelSize !== 'auto') {
    assertInteger('options.kernelSize', kernelSize, 1, 1023);
    if (kernelSize % 2 !== 1) invalidArgument('options.kernelSize', 'an odd integer or "auto"', kernelSize);
  }
  return (images, rng) => {
    assertTransformInputs(images, rng);
    const n = images.shape[0];
    const sigmas = Array.from({ length: n }, () => rng.uniform(sigma[0], sigma[1]));
    const size = kernelSize === 'auto' ? simclrKernelSize(images.shape[1]) : kernelSize;
    return blurImages(images, sigmas, size);
  };
}
