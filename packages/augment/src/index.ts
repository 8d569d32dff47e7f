// Pipeline
export { clampPixels, clip, compose, multiView, randomApply } from './pipeline.js';
export type { ImageTransform, MultiViewTransform } from './pipeline.js';

// Transforms
export { cropBoxes, randomResizedCrop, sampleCropBox } from './crop.js';
export type { CropBox, CropRanges, RandomResizedCropOptions } from './crop.js';
export { flipHorizontal, flipVertical, randomHorizontalFlip, randomVerticalFlip } from './flip.js';
export { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, colorJitter, yiqHueMatrix } from './color-jitter.js';
export type { ColorJitterOptions, HueSpace, JitterRange } from './color-jitter.js';
export { hsvToRgb, rgbToHsv } from './hsv.js';
export { randomGrayscale, toGrayscale } from './grayscale.js';
export { blurImages, gaussianBlur, gaussianKernel1d, simclrKernelSize } from './blur.js';
export type { GaussianBlurOptions } from './blur.js';
export { randomSolarize, solarize } from './solarize.js';
export { LUMA_WEIGHTS } from './images.js';

// Presets
export { byolTransforms, mocoV1Transform, mocoV2Transform, simclrCifarTransform, simclrTransform } from './presets.js';
export type { SimclrTransformOptions } from './presets.js';

// Rotations
export { rotate90, rotateImages, rotationRegressionBatch, rotNetBatch } from './rotation.js';
export { randomAffine } from './affine.js';
export type { RandomAffineOptions } from './affine.js';
export type { RotateOptions, RotationRegressionBatch, RotNetBatch } from './rotation.js';

// Patch grids and relative location
export { PATCH_LAYOUT_GUARDS, RELATIVE_LOCATION_CELLS, patchGrid, patchLayout, relativeLocationPairs } from './patches.js';
export type { PatchGrid, PatchGridOptions, PatchLayout, PatchLayoutOptions, RelativeLocationPairs } from './patches.js';
export { DOWN_UP_SAMPLE_PROBABILITY, colorDrop, downUpSample } from './shortcuts.js';
export type { DownUpSampleOptions } from './shortcuts.js';

// Jigsaw
export {
  JIGSAW_TILE_SLACK,
  applyPermutation,
  assertPermutation,
  hammingDistance,
  invertPermutation,
  jigsawPermutations,
  jigsawPuzzle,
} from './jigsaw.js';
export type { JigsawPermutationOptions, JigsawPuzzle, JigsawPuzzleOptions } from './jigsaw.js';

// Inpainting masks
export {
  CONTEXT_ENCODER_FILL,
  applyMask,
  centerMask,
  inpaintingLossWeights,
  overlapBand,
  randomBlobMasks,
  randomRectangleMasks,
} from './masks.js';
export type { ApplyMaskOptions, BlobMaskOptions, MaskBatch, RandomRectangleOptions } from './masks.js';

// Color spaces and ab quantisation
export { D65_WHITE, RGB_FROM_XYZ, XYZ_FROM_RGB, labToRgb, rgbToLab } from './lab.js';
export {
  AB_GRID_STEP,
  abBins,
  abHistogram,
  annealedMean,
  quantizeAb,
  rebalancingWeights,
  softEncodeAb,
} from './ab-bins.js';
export type { AbBins, RebalancingOptions, SoftEncodeOptions } from './ab-bins.js';

// Parametric two-view augmentation (the view options of the method presets)
export { VIEW_PARAMETER_KEYS, checkViewParameters, viewOptionSchema, viewTransforms } from './views.js';
export type { ViewParameters } from './views.js';
