import { assertNonNegative, assertOptions, invalidArgument } from '@selfsup/tensors';
import { gaussianBlur, simclrKernelSize } from './blur.js';
import { colorJitter } from './color-jitter.js';
import { randomResizedCrop } from './crop.js';
import { randomGrayscale } from './grayscale.js';
import { assertSize } from './images.js';
import { clampPixels, compose, type ImageTransform, randomApply } from './pipeline.js';
import { randomSolarize } from './solarize.js';

export interface SimclrTransformOptions {
  /** Output [height, width]. */
  readonly size: readonly [number, number];
  /** Color distortion strength s (default 1; SimCLR's CIFAR-10 setting uses 0.5). */
  readonly strength?: number;
  /** Gaussian blur with p 0.5 (default true; SimCLR's CIFAR-10 setting has none). */
  readonly blur?: boolean;
}

function sizeOf(options: unknown, name: string): readonly [number, number] {
  if (typeof options !== 'object' || options === null) invalidArgument(name, 'an options object with a size', options);
  const size = (options as { size?: unknown }).size;
  assertSize(`${name}.size`, size);
  return size;
}

/**
 * SimCLR's augmentation (Chen, Kornblith, Norouzi, Hinton 2020, "A Simple Framework for Contrastive Learning of
 * Visual Representations", Appendix A and its reference code): random resized crop (area 0.08-1, aspect 3/4-4/3),
 * horizontal flip (p 0.5), color jitter with p 0.8 (brightness, contrast, saturation 0.8 s, hue 0.2 s, random order),
 * random grayscale (p 0.2), Gaussian blur with p 0.5 (kernel 10% of the side, sigma uniform in [0.1, 2.0]), clip to
 * [0, 1]. The paper's CIFAR-10 setting is `{ size: [32, 32], strength: 0.5, blur: false }`
 * ({@link simclrCifarTransform}).
 */
export function simclrTransform(options: SimclrTransformOptions): ImageTransform {
  const size = sizeOf(options, 'options');
  const s = options.strength ?? 1;
  assertNonNegative('options.strength', s);
  if (s > 1.25) invalidArgument('options.strength', 'a number in [0, 1.25] (0.8 s is a brightness range below 1)', s);
  const blur = options.blur ?? true;
  if (typeof blur !== 'boolean') invalidArgument('options.blur', 'a boolean', blur);
  const steps: ImageTransform[] = [
    // The flip (p 0.5) is fused into the crop: the same result as randomHorizontalFlip after it, for free.
    randomResizedCrop({ size, scale: [0.08, 1], ratio: [3 / 4, 4 / 3], flip: 0.5 }),
    randomApply(colorJitter({ brightness: 0.8 * s, contrast: 0.8 * s, saturation: 0.8 * s, hue: 0.2 * s }), 0.8),
    randomGrayscale({ p: 0.2 }),
  ];
  if (blur) steps.push(randomApply(gaussianBlur({ kernelSize: simclrKernelSize(size[0]), sigma: [0.1, 2.0] }), 0.5));
  steps.push(clampPixels());
  return compose(steps);
}

/** SimCLR's CIFAR-10 setting (Chen et al. 2020, B.9): strength 0.5, no blur, 32x32 by default. */
export function simclrCifarTransform(options: { readonly size?: readonly [number, number] } = {}): ImageTransform {
  assertOptions('options', options);
  return simclrTransform({ size: options.size ?? [32, 32], strength: 0.5, blur: false });
}

/**
 * MoCo v1's augmentation (He, Fan, Wu, Xie, Girshick 2020, "Momentum Contrast for Unsupervised Visual Representation
 * Learning", 3.3, as in its reference `main_moco.py`): random resized crop (area 0.2-1), random grayscale (p 0.2),
 * color jitter (0.4, 0.4, 0.4, 0.4) always, horizontal flip, in that order.
 */
export function mocoV1Transform(options: { readonly size: readonly [number, number] }): ImageTransform {
  const size = sizeOf(options, 'options');
  // The final flip is fused into the crop: color operations act per pixel, so flipping first or last is the same.
  return compose([
    randomResizedCrop({ size, scale: [0.2, 1], ratio: [3 / 4, 4 / 3], flip: 0.5 }),
    randomGrayscale({ p: 0.2 }),
    colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.4 }),
  ]);
}

/**
 * MoCo v2's augmentation (Chen, Fan, Girshick, He 2020, "Improved Baselines with Momentum Contrastive Learning",
 * `main_moco.py --aug-plus`): random resized crop (area 0.2-1), color jitter (0.4, 0.4, 0.4, 0.1) with p 0.8,
 * random grayscale (p 0.2), Gaussian blur with p 0.5 (sigma uniform in [0.1, 2.0], kernel 10% of the side),
 * horizontal flip.
 */
export function mocoV2Transform(options: { readonly size: readonly [number, number] }): ImageTransform {
  const size = sizeOf(options, 'options');
  // The final flip is fused into the crop: color operations act per pixel and the blur is symmetric, so flipping
  // first or last is the same.
  return compose([
    randomResizedCrop({ size, scale: [0.2, 1], ratio: [3 / 4, 4 / 3], flip: 0.5 }),
    randomApply(colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }), 0.8),
    randomGrayscale({ p: 0.2 }),
    randomApply(gaussianBlur({ kernelSize: simclrKernelSize(size[0]), sigma: [0.1, 2.0] }), 0.5),
  ]);
}

/**
 * BYOL's two asymmetric views (Grill et al. 2020, "Bootstrap Your Own Latent", Table 6): both use random resized
 * crop (area 0.08-1, aspect 3/4-4/3), horizontal flip (p 0.5), color jitter with p 0.8 (brightness 0.4,
 * contrast 0.4, saturation 0.2, hue 0.1, random order) and grayscale (p 0.2); the first view is always blurred and
 * never solarized, the second blurred with p 0.1 and solarized with p 0.2. Kernel 10% of the side (23 at 224),
 * sigma uniform in [0.1, 2.0]. Returns `[first, second]`, for `multiView(byolTransforms({ size }))`.
 */
export function byolTransforms(options: { readonly size: readonly [number, number] }): [ImageTransform, ImageTransform] {
  const size = sizeOf(options, 'options');
  const view = (blurP: number, solarizeP: number) => {
    const steps: ImageTransform[] = [
      randomResizedCrop({ size, scale: [0.08, 1], ratio: [3 / 4, 4 / 3], flip: 0.5 }),
      randomApply(colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 }), 0.8),
      randomGrayscale({ p: 0.2 }),
      randomApply(gaussianBlur({ kernelSize: simclrKernelSize(size[0]), sigma: [0.1, 2.0] }), blurP),
    ];
    if (solarizeP > 0) steps.push(randomSolarize({ p: solarizeP }));
    return compose(steps);
  };
  return [view(1.0, 0), view(0.1, 0.2)];
}
