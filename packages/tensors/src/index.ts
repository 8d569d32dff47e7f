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

// Errors and argument checks
export { SelfsupError, describeValue, invalidArgument } from './errors.js';
export type { SelfsupErrorCode } from './errors.js';
export {
  assertFiniteNumber,
  assertInRange,
  assertInteger,
  assertNonNegative,
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
} from './validate.js';

// Backend
export { BACKENDS, currentBackend, initBackend, withBackend } from './backend.js';
export type { BackendName, BackendReport, InitBackendOptions, ModuleLoader } from './backend.js';
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

// Tensor helpers
export { l2Normalize } from './ops/l2-normalize.js';
export { cosineSimilarity, cosineSimilarityMatrix } from './ops/cosine-similarity.js';
export { accuracy, softCrossEntropy, sparseCrossEntropy } from './ops/cross-entropy.js';
export type { CrossEntropyOptions } from './ops/cross-entropy.js';
