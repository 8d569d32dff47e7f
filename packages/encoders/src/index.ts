// Backbones
export { mlp } from './backbones/mlp.js';
export type { MlpOptions } from './backbones/mlp.js';
export { convNet } from './backbones/conv-net.js';
export type { ConvNetOptions } from './backbones/conv-net.js';
export { RESNET_DEPTHS, RESNET_STEMS, resnet } from './backbones/resnet.js';
export type { ResNetDepth, ResNetOptions, ResNetStem } from './backbones/resnet.js';
export { ALEXNET_SMALL_MAX_SIZE, ALEXNET_SMALL_MIN_SIZE, alexNetSmall } from './backbones/alexnet-small.js';
export type { AlexNetSmallOptions } from './backbones/alexnet-small.js';
export { encodePatches } from './patches.js';

// Heads
export { assertHead } from './heads/head.js';
export type { Head } from './heads/head.js';
export { projectionHead, projectionHeadFromConfig } from './heads/projection-head.js';
export type { HeadBlock, ProjectionHead, ProjectionHeadOptions } from './heads/projection-head.js';
export {
  byolPredictionHead,
  byolProjectionHead,
  mocoV2ProjectionHead,
  simclrProjectionHead,
  simSiamPredictionHead,
  simSiamProjectionHead,
  simsiamPredictionHead,
  simsiamProjectionHead,
} from './heads/presets.js';
export type { HeadSizes, SimclrHeadOptions, SimSiamProjectionOptions, SimsiamProjectionOptions } from './heads/presets.js';

// Momentum copies
export { byolMomentum, emaUpdate, momentumCopy } from './momentum.js';
export type { EmaUpdateOptions } from './momentum.js';

// Registry
export {
  buildEncoder,
  defaultArchitectureConfig,
  describeArchitectures,
  hasArchitecture,
  listArchitectures,
  registerArchitecture,
  unregisterArchitecture,
} from './registry.js';
export type { ArchitectureDescription, DefaultArchitectureConfig, EncoderFactory, RegisterArchitectureOptions } from './registry.js';

// Building blocks for third-party encoders
export { defineEncoder } from './define-encoder.js';
export type { EncoderSpec, LayerTap } from './define-encoder.js';
export { assertInputShape } from './input.js';
export { ACTIVATIONS, activate, assertActivation } from './activation.js';
export type { ActivationName } from './activation.js';
export { FAN_MODES, INITIALIZERS, initialWeights, resolveRng } from './init.js';
export type { FanMode, InitOptions, Initializer } from './init.js';
export { dense } from './layers/dense.js';
export type { Dense, DenseOptions } from './layers/dense.js';
export { conv2d } from './layers/conv2d.js';
export type { Conv2d, Conv2dOptions, Padding } from './layers/conv2d.js';
export { batchNorm } from './layers/batch-norm.js';
export type { BatchNorm, BatchNormOptions } from './layers/batch-norm.js';
export { groupNorm } from './layers/group-norm.js';
export type { GroupNorm, GroupNormOptions } from './layers/group-norm.js';
export { NORMS, normLayer } from './layers/norm.js';
export type { NormKind } from './layers/norm.js';
export { flatten, globalAvgPool, maxPool2d } from './layers/pooling.js';
export { collectVariables } from './layers/layer.js';
export type { Layer } from './layers/layer.js';
