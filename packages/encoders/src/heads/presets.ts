import { assertOptions, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';
import type { InitOptions } from '../init.js';
import { type HeadBlock, type ProjectionHead, projectionHead } from './projection-head.js';

/** Sizes of a preset head; every default can be overridden (smaller heads suit small data). */
export interface HeadSizes extends InitOptions {
  readonly inputDim: number;
  readonly hiddenDim?: number;
  readonly outputDim?: number;
}

function checkSizes(options: HeadSizes | undefined): asserts options is HeadSizes {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    invalidArgument('options', 'an options object with inputDim', options);
  }
  assertPositiveInteger('options.inputDim', options.inputDim);
  if (options.hiddenDim !== undefined) assertPositiveInteger('options.hiddenDim', options.hiddenDim);
  if (options.outputDim !== undefined) assertPositiveInteger('options.outputDim', options.outputDim);
}

function init(options: InitOptions): InitOptions {
  return { ...(options.rng !== undefined ? { rng: options.rng } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
}

export interface SimclrHeadOptions extends HeadSizes {
  /** Dense layers: 2 (SimCLR, Chen et al. 2020a) or 3 (SimCLR v2, Chen et al. 2020b). Default 2. */
  readonly layers?: number;
  /** Batch norm on the hidden layers. Default: false for 2 layers, true for 3 or more (SimCLR v2). */
  readonly batchNorm?: boolean;
}

/**
 * SimCLR's projection g(h): `layers - 1` hidden blocks of dense(hiddenDim) -> (batch norm) -> ReLU, then
 * dense(outputDim). Defaults: hiddenDim = inputDim, outputDim = 128.
 * Chen, Kornblith, Norouzi & Hinton 2020, "A Simple Framework for Contrastive Learning of Visual Representations";
 * 3 layers: Chen, Kornblith, Swersky, Norouzi & Hinton 2020, "Big Self-Supervised Models are Strong Semi-Supervised
 * Learners".
 */
export function simclrProjectionHead(options: SimclrHeadOptions): ProjectionHead {
  checkSizes(options);
  const { inputDim, hiddenDim = options.inputDim, outputDim = 128, layers = 2 } = options;
  assertPositiveInteger('options.layers', layers);
  if (layers < 2) invalidArgument('options.layers', 'an integer >= 2 (a 1-layer head is just dense)', layers);
  const useBn = options.batchNorm ?? layers >= 3;
  if (typeof useBn !== 'boolean') invalidArgument('options.batchNorm', 'a boolean', useBn);
  const blocks: HeadBlock[] = [];
  for (let i = 0; i < layers - 1; i++) {
    blocks.push({ inputDim: i === 0 ? inputDim : hiddenDim, outputDim: hiddenDim, batchNorm: useBn, activation: 'relu' });
  }
  blocks.push({ inputDim: hiddenDim, outputDim });
  return projectionHead(blocks, { preset: layers >= 3 ? 'simclrV2Projection' : 'simclrProjection', ...init(options) });
}

/**
 * MoCo v2's projection: dense(2048) -> ReLU -> dense(128), no batch norm.
 * Chen, Fan, Girshick & He 2020, "Improved Baselines with Momentum Contrastive Learning".
 */
export function mocoV2ProjectionHead(options: HeadSizes): ProjectionHead {
  checkSizes(options);
  const { inputDim, hiddenDim = 2048, outputDim = 128 } = options;
  return projectionHead(
    [
      { inputDim, outputDim: hiddenDim, activation: 'relu' },
      { inputDim: hiddenDim, outputDim },
    ],
    { preset: 'mocoV2Projection', ...init(options) },
  );
}

function byolMlp(inputDim: number, hiddenDim: number, outputDim: number, preset: string, options: InitOptions): ProjectionHead {
  return projectionHead(
    [
      { inputDim, outputDim: hiddenDim, batchNorm: true, activation: 'relu', bias: true },
      { inputDim: hiddenDim, outputDim },
    ],
    { preset, ...init(options) },
  );
}

/**
 * BYOL's projector: dense(4096) -> batch norm -> ReLU -> dense(256).
 * Grill et al. 2020, "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning", section 3.3.
 */
export function byolProjectionHead(options: HeadSizes): ProjectionHead {
  checkSizes(options);
  return byolMlp(options.inputDim, options.hiddenDim ?? 4096, options.outputDim ?? 256, 'byolProjection', options);
}

/**
 * BYOL's predictor q: the same MLP as the projector, from and to the projection size: 256 -> 4096 -> 256 by default.
 * Grill et al. 2020, "Bootstrap Your Own Latent".
 */
export function byolPredictionHead(options: Partial<HeadSizes> = {}): ProjectionHead {
  assertOptions('options', options);
  const inputDim = options.inputDim ?? 256;
  checkSizes({ ...options, inputDim });
  return byolMlp(inputDim, options.hiddenDim ?? 4096, options.outputDim ?? inputDim, 'byolPrediction', options);
}

export interface SimSiamProjectionOptions extends HeadSizes {
  /** Dense layers (3 in the paper; 2 for CIFAR in the paper's appendix). Default 3. */
  readonly layers?: number;
}

/**
 * SimSiam's projector: (layers - 1) x [dense(2048) -> batch norm -> ReLU], then dense(2048) -> batch norm without
 * learnable affine. Dense layers before a batch norm have no bias.
 * Chen & He 2021, "Exploring Simple Siamese Representation Learning", section 4.
 */
export function simSiamProjectionHead(options: SimSiamProjectionOptions): ProjectionHead {
  checkSizes(options);
  const { inputDim, hiddenDim = 2048, outputDim = 2048, layers = 3 } = options;
  assertPositiveInteger('options.layers', layers);
  if (layers < 2) invalidArgument('options.layers', 'an integer >= 2', layers);
  const blocks: HeadBlock[] = [];
  for (let i = 0; i < layers - 1; i++) {
    blocks.push({ inputDim: i === 0 ? inputDim : hiddenDim, outputDim: hiddenDim, batchNorm: true, activation: 'relu' });
  }
  blocks.push({ inputDim: hiddenDim, outputDim, batchNorm: 'noAffine' });
  return projectionHead(blocks, { preset: 'simsiamProjection', ...init(options) });
}

/**
 * SimSiam's predictor h: a bottleneck, dense(512) -> batch norm -> ReLU -> dense(2048) (with bias, no norm).
 * Chen & He 2021, "Exploring Simple Siamese Representation Learning".
 */
export function simSiamPredictionHead(options: Partial<HeadSizes> = {}): ProjectionHead {
  assertOptions('options', options);
  const inputDim = options.inputDim ?? 2048;
  checkSizes({ ...options, inputDim });
  const hiddenDim = options.hiddenDim ?? 512;
  return projectionHead(
    [
      { inputDim, outputDim: hiddenDim, batchNorm: true, activation: 'relu' },
      { inputDim: hiddenDim, outputDim: options.outputDim ?? inputDim },
    ],
    { preset: 'simsiamPrediction', ...init(options) },
  );
}

/** @deprecated use `simSiamProjectionHead`. */
export const simsiamProjectionHead = simSiamProjectionHead;
/** @deprecated use `simSiamPredictionHead`. */
export const simsiamPredictionHead = simSiamPredictionHead;
/** @deprecated use `SimSiamProjectionOptions`. */
export type SimsiamProjectionOptions = SimSiamProjectionOptions;
