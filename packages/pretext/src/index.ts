// Methods (each an SSLMethod for `fit`)
export { rotNet } from './methods/rotnet.js';
export type { RotNet, RotNetOptions } from './methods/rotnet.js';
export { rotationRegression } from './methods/rotation-regression.js';
export type { RotationRegression, RotationRegressionOptions } from './methods/rotation-regression.js';
export { fitPatchesToEncoder, relativePatchLocation } from './methods/relative-patch-location.js';
export type { RelativePatchLocation, RelativePatchLocationOptions } from './methods/relative-patch-location.js';
export { jigsaw } from './methods/jigsaw.js';
export type { Jigsaw, JigsawOptions } from './methods/jigsaw.js';
export { CONTEXT_ENCODER_FIT, inpainting } from './methods/inpainting.js';
export type { Inpainted, Inpainting, InpaintingDiscriminatorOptions, InpaintingOptions } from './methods/inpainting.js';
export { colorization } from './methods/colorization.js';
export type { Colorization, ColorizationOptions } from './methods/colorization.js';
export { splitBrain } from './methods/split-brain.js';
export type { SplitBrain, SplitBrainOptions } from './methods/split-brain.js';

// Presets (training defaults + JSON option schema per method: what `selfsup pretrain --method` trains)
export {
  colorizationPreset,
  inpaintingPreset,
  jigsawPreset,
  pretextPresets,
  relativeLocationPreset,
  rotNetPreset,
  rotationRegressionPreset,
  splitBrainPreset,
} from './methods/presets.js';

// Networks
export { LAB_INPUTS, labConvNet } from './nets/lab-conv-net.js';
export type { LabConvNet, LabConvNetOptions, LabInput } from './nets/lab-conv-net.js';
export { assertEncoder, wholeImageEncoder } from './nets/whole-image-encoder.js';
export type { WholeImageOptions } from './nets/whole-image-encoder.js';
export { convTrunk } from './nets/conv-trunk.js';
export type { ConvTrunk, ConvTrunkOptions } from './nets/conv-trunk.js';
export { imageDecoder } from './nets/image-decoder.js';
export type { ImageDecoder, ImageDecoderOptions } from './nets/image-decoder.js';
export { denseHead } from './nets/dense-head.js';
export type { DenseHead, DenseHeadOptions } from './nets/dense-head.js';
export { pretextHead } from './nets/classifier-head.js';
export { LAB_CONV_NET_DEFAULT, labConvNetArchitecture, pretextArchitectures, registerPretextArchitectures, wholeImageArchitecture } from './nets/register.js';

// Samples (label generation)
export { relativeLocationSamples } from './samples/relative-location-samples.js';
export type { RelativeLocationSampleOptions } from './samples/relative-location-samples.js';
export { INPAINTING_MASKS, contextEncoderOverlap, inpaintingMasks, inpaintingRegion, inpaintingSamples, maskedInputs } from './samples/inpainting-samples.js';
export type { InpaintingMaskKind, InpaintingMaskOptions, InpaintingRegion, InpaintingSampleOptions, InpaintingSamples } from './samples/inpainting-samples.js';
export { splitBrainTargets } from './samples/split-brain-targets.js';
export type { SplitBrainTargetOptions, SplitBrainTargets } from './samples/split-brain-targets.js';

// Color
export { AB_SCALE, assertColorImages, assertColourImages, chromaMask, downsampleTo, normalizeAb, normalizeLightness, splitLab } from './color/lab-channels.js';
export type { LabChannels } from './color/lab-channels.js';
export { lightnessBins, quantizeLightness } from './color/lightness-bins.js';
export { abBinCounts, abRegressionTargets, colorizationTargets } from './color/colorization-targets.js';
export type { ColorizationTargetOptions, ColorizationTargets } from './color/colorization-targets.js';
export { classRebalancing, estimateAbPrior } from './color/ab-prior.js';
export type { AbPriorOptions, ClassRebalancing, ClassRebalancingOptions } from './color/ab-prior.js';

// Losses
export { weightedL2Loss } from './losses/weighted-l2.js';
export { discriminatorLoss, generatorAdversarialLoss } from './losses/adversarial.js';
export { angleRegressionLoss, meanAngularError, predictedAngles } from './losses/angle.js';
export { rebalancedCrossEntropy } from './losses/rebalanced-cross-entropy.js';
export type { RebalancedCrossEntropyOptions } from './losses/rebalanced-cross-entropy.js';

// Pictures (tensors; `@selfsup/pretext/node` writes them as PNG)
export { colorizationExamples, inpaintingExamples } from './pictures/example-grids.js';
export type { ExampleGridOptions } from './pictures/example-grids.js';
