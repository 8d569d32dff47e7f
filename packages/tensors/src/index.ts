// Contracts
export type {
  ApplyOptions,
  Batch,
  Encoder,
  ImageDataset,
  Json,
  JsonObject,
  Module,
  NamedVariable,
  ProbeResult,
  RepresentationMetrics,
  SSLMethod,
  StepContext,
  StepMetrics,
} from './contracts.js';
export { EMBEDDING_LAYER } from './contracts.js';

// Errors and argument checks
export { SelfsupError, describeValue, invalidArgument } from './errors.js';
export type { SelfsupErrorCode } from './errors.js';
export {
  assertArray,
  assertBytes,
  assertDataset,
  assertFiniteNumber,
  assertEncoder,
  assertFloatTensor,
  assertFunction,
  assertInRange,
  assertInteger,
  assertMethod,
  assertModule,
  assertNamedVariables,
  assertNonNegative,
  assertObject,
  assertOneOf,
  assertOptions,
  assertPositive,
  assertPositiveInteger,
  assertProbability,
  assertRangePair,
  assertRank,
  assertSameShape,
  assertShape,
  assertTensor,
  encoderLayers,
  resolveLayers,
} from './validate.js';

// Backend
export { BACKENDS, NATIVE_MODES, currentBackend, initBackend, withBackend } from './backend.js';
export type { BackendName, BackendReport, InitBackendOptions, ModuleLoader, NativeKernelsReport, NativeMode, WebGpuAdapterReport, WebGpuOptions } from './backend.js';
export type { AddonSource } from './kernels/native/locate.js';
export { registerWasmKernels } from './kernels/register.js';

// Randomness
export { assertRng, createRng } from './rng.js';
export type { Rng, RngState } from './rng.js';

// Variables
export {
  assertUniqueNames,
  countParameters,
  disposeVariables,
  namedVariable,
  scopeVariables,
  trainableVariables,
} from './variables.js';

// Method toolkit: what every SSLMethod needs (variables, disposal, per-step kept tensors)
export { KeptTensors, accuracyTensor, copyWeights, disposeAll, frozen, methodVariables } from './method-toolkit.js';
export type { Disposable, MethodPart } from './method-toolkit.js';

// Tensor helpers
export { l2Normalize } from './ops/l2-normalize.js';
export { cosineSimilarity, cosineSimilarityMatrix } from './ops/cosine-similarity.js';
export { accuracy, softCrossEntropy, sparseCrossEntropy } from './ops/cross-entropy.js';
export type { CrossEntropyOptions } from './ops/cross-entropy.js';
export { imageGrid } from './ops/image-grid.js';
export { BATCH_NORM_TRAINING_KERNELS, batchNormTraining } from './ops/batch-norm-training.js';
export type { BatchNormTrainingActivation, BatchNormTrainingOptions, BatchNormTrainingResult } from './ops/batch-norm-training.js';

// Optimizers and schedules
export { adam } from './optim/adam.js';
export { ADAM_UPDATE_KERNEL } from './optim/adam-update.js';
export type { AdamUpdateAttrs } from './optim/adam-update.js';
export { lars } from './optim/lars.js';
export { sgd } from './optim/sgd.js';
export { createOptimizer } from './optim/create.js';
export type { AdamConfig, LarsConfig, Optimizer, OptimizerConfig, SgdConfig } from './optim/optimizer.js';
export { constantSchedule, cosineSchedule } from './optim/schedule.js';
export type { CosineScheduleOptions, LearningRateSchedule } from './optim/schedule.js';

// Training loop
export { fit } from './fit.js';
export { ALL_FINITE_KERNEL } from './fit/finite.js';
// Data-parallel training: the process group and its collectives (the Gloo engine is in ./node)
export { allGatherWithGradient, assertProcessGroup, createProcessGroup, singleProcessGroup } from './distributed/process-group.js';
export type { CollectiveEngine, ProcessGroup, ReduceOp } from './distributed/process-group.js';
export { allReduceWithGradient, syncBatchNormGroup, withSyncBatchNorm } from './distributed/sync-batch-norm.js';
export type { CheckpointStore, FitCallbacks, FitOptions, FitResult, ScheduleConfig, StepInfo } from './fit.js';

// Method presets (ready-to-train recipes: defaults, JSON option schema, build)
export {
  DATA_KINDS,
  DEFAULT_RECIPE,
  OPTIMIZER_SETTINGS,
  OPTION_TYPES,
  TRAINING_OPTIONS,
  assertMethodPreset,
  describeOptionSpec,
  isMethodPreset,
  optionDefaults,
  parseOptionValue,
  presetDataKinds,
  presetRecipe,
  resolveOptions,
  resolveTraining,
  trainingFitOptions,
} from './preset.js';
export type {
  DataKind,
  MethodPreset,
  MethodRecipe,
  OptionSchema,
  OptionSpec,
  OptionType,
  PaperCitation,
  PresetArchitecture,
  PresetBuildContext,
  PresetDefaults,
  PresetEncoderDefault,
  ResolveOptionsOptions,
  TrainingFitOptions,
  TrainingLayer,
} from './preset.js';
export { isInteractiveTerminal, terminalProgress } from './progress.js';
export type { ProgressReporter } from './progress.js';

// In-memory data
export { tensorDataset } from './data/tensor-dataset.js';
export type { TensorDatasetOptions } from './data/tensor-dataset.js';
export { subsetDataset, trainTestSplit } from './data/split.js';
export type { SplitOptions } from './data/split.js';
