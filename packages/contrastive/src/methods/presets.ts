import { type JsonObject, type MethodPreset, type OptionSchema, type PresetDefaults, assertPositiveInteger, optionDefaults } from '@selfsup/tensors';
import { barlowTwins } from './barlow-twins.js';
import { byol } from './byol.js';
import { mocoV1, mocoV2 } from './moco.js';
import { simSiam } from './simsiam.js';
import { simclr } from './simclr.js';
import { vicreg } from './vicreg.js';

// Presets: the training defaults that suit 28x28 / 32x32 data and batch 64-256 on a CPU (Adam, lr 1e-3; heads sized
// down). The papers' ImageNet settings (LARS, lr 0.3 x batch/256, 2048-4096-wide heads) need far larger batches than a
// 2-core machine runs. Every method's seed derivation (head init from seed + 1) is part of the preset: a run is
// reproducible from its recorded seed.

const adam = (schema: OptionSchema, learningRate = 1e-3): PresetDefaults => ({
  optimizer: { type: 'adam' },
  learningRate,
  options: optionDefaults(schema),
});

/** MoCo's queue must be a multiple of the batch: the largest multiple <= 4096 (MoCo's CIFAR setting). */
export function mocoQueueSizeFor(batchSize: number): number {
  assertPositiveInteger('batchSize', batchSize);
  return Math.max(batchSize, Math.floor(4096 / batchSize) * batchSize);
}

const num = (o: JsonObject, key: string) => o[key] as number;
const given = (o: JsonObject, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

const SIMCLR_OPTIONS: OptionSchema = {
  temperature: { type: 'number', description: 'NT-Xent temperature tau', default: 0.5, min: 0, exclusiveMin: true },
};

/** SimCLR with NT-Xent at T = 0.5 and SimCLR's views. */
export const simclrPreset: MethodPreset = {
  name: 'simclr',
  description: 'SimCLR (Chen et al. 2020): two SimCLR views, NT-Xent, T = 0.5',
  paper: { authors: 'Chen, Kornblith, Norouzi & Hinton', title: 'A Simple Framework for Contrastive Learning of Visual Representations', year: 2020, url: 'https://arxiv.org/abs/2002.05709' },
  defaults: adam(SIMCLR_OPTIONS),
  options: SIMCLR_OPTIONS,
  build: ({ encoder, seed, options }) => simclr({ encoder, temperature: num(options, 'temperature'), seed: seed + 1 }),
};

const mocoOptions = (momentum: number, temperature: number): OptionSchema => ({
  queueSize: {
    type: 'integer',
    description: 'K, negatives kept; a multiple of the batch size (default: the largest multiple <= 4096)',
    min: 1,
  },
  momentum: { type: 'number', description: "m, the key encoder's momentum", default: momentum, min: 0, max: 1 },
  temperature: { type: 'number', description: 'InfoNCE temperature T', default: temperature, min: 0, exclusiveMin: true },
  shuffleGroups: { type: 'integer', description: 'shuffling-BN sub-batches (1 turns it off)', default: 2, min: 1 },
});

const MOCO_V1_OPTIONS = mocoOptions(0.999, 0.07);
const MOCO_V2_OPTIONS = mocoOptions(0.99, 0.2);

/** MoCo v1: momentum key encoder m = 0.999, queue, linear head, T = 0.07. */
export const mocoV1Preset: MethodPreset = {
  name: 'moco-v1',
  description: 'MoCo v1 (He et al. 2020): momentum key encoder m = 0.999, queue, linear head, T = 0.07',
  paper: { authors: 'He, Fan, Wu, Xie & Girshick', title: 'Momentum Contrast for Unsupervised Visual Representation Learning', year: 2020, url: 'https://arxiv.org/abs/1911.05722' },
  defaults: adam(MOCO_V1_OPTIONS),
  options: MOCO_V1_OPTIONS,
  build: ({ encoder, seed, batchSize, options }) =>
    mocoV1({
      encoder,
      queueSize: (options['queueSize'] as number | undefined) ?? mocoQueueSizeFor(batchSize),
      ...given(options, ['momentum', 'temperature', 'shuffleGroups']),
      seed: seed + 1,
    }),
};

/** MoCo v2 with momentum 0.99 (shorter runs than the paper's 0.999). */
export const mocoV2Preset: MethodPreset = {
  name: 'moco-v2',
  description: 'MoCo v2 (Chen et al. 2020): MLP head, v2 views, T = 0.2, m = 0.99',
  paper: { authors: 'Chen, Fan, Girshick & He', title: 'Improved Baselines with Momentum Contrastive Learning', year: 2020, url: 'https://arxiv.org/abs/2003.04297' },
  defaults: adam(MOCO_V2_OPTIONS),
  options: MOCO_V2_OPTIONS,
  build: ({ encoder, seed, batchSize, options }) =>
    mocoV2({
      encoder,
      queueSize: (options['queueSize'] as number | undefined) ?? mocoQueueSizeFor(batchSize),
      ...given(options, ['momentum', 'temperature', 'shuffleGroups']),
      seed: seed + 1,
    }),
};

const BYOL_OPTIONS: OptionSchema = {
  baseMomentum: { type: 'number', description: "tau_base, the target's EMA decay at the start (rises to 1 along a cosine)", default: 0.99, min: 0, max: 1 },
};

/** BYOL with base momentum 0.99. */
export const byolPreset: MethodPreset = {
  name: 'byol',
  description: 'BYOL (Grill et al. 2020): predictor, EMA target with the cosine momentum schedule',
  paper: { authors: 'Grill et al.', title: 'Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning', year: 2020, url: 'https://arxiv.org/abs/2006.07733' },
  defaults: adam(BYOL_OPTIONS),
  options: BYOL_OPTIONS,
  build: ({ encoder, seed, options }) => byol({ encoder, baseMomentum: num(options, 'baseMomentum'), seed: seed + 1 }),
};

/** SimSiam (no JSON options: heads and views are objects). */
export const simSiamPreset: MethodPreset = {
  name: 'simsiam',
  description: 'SimSiam (Chen & He 2021): predictor and stop-gradient, no negatives',
  paper: { authors: 'Chen & He', title: 'Exploring Simple Siamese Representation Learning', year: 2021, url: 'https://arxiv.org/abs/2011.10566' },
  defaults: adam({}),
  options: {},
  build: ({ encoder, seed }) => simSiam({ encoder, seed: seed + 1 }),
};

const BARLOW_OPTIONS: OptionSchema = {
  projectorDim: { type: 'integer', description: 'width of the projector (the paper uses 8192)', default: 512, min: 1 },
  lambda: { type: 'number', description: 'weight of the off-diagonal (redundancy) term', default: 0.0051, min: 0 },
};

/** Barlow Twins with a 512-wide projector. */
export const barlowTwinsPreset: MethodPreset = {
  name: 'barlow-twins',
  description: 'Barlow Twins (Zbontar et al. 2021): cross-correlation to identity, lambda = 0.0051',
  paper: { authors: 'Zbontar, Jing, Misra, LeCun & Deny', title: 'Barlow Twins: Self-Supervised Learning via Redundancy Reduction', year: 2021, url: 'https://arxiv.org/abs/2103.03230' },
  defaults: adam(BARLOW_OPTIONS),
  options: BARLOW_OPTIONS,
  build: ({ encoder, seed, options }) => barlowTwins({ encoder, projectorDim: num(options, 'projectorDim'), lambda: num(options, 'lambda'), seed: seed + 1 }),
};

const VICREG_OPTIONS: OptionSchema = {
  expanderDim: { type: 'integer', description: 'width of the expander (the paper uses 8192)', default: 512, min: 1 },
  invarianceWeight: { type: 'number', description: 'lambda, weight of the invariance term', default: 25, min: 0 },
  varianceWeight: { type: 'number', description: 'mu, weight of the variance term', default: 25, min: 0 },
  covarianceWeight: { type: 'number', description: 'nu, weight of the covariance term', default: 1, min: 0 },
  gamma: { type: 'number', description: 'target standard deviation of every dimension', default: 1, min: 0, exclusiveMin: true },
  epsilon: { type: 'number', description: 'added to the variance under the square root', default: 1e-4, min: 0, exclusiveMin: true },
};

/** VICReg with a 512-wide expander and the paper's 25 / 25 / 1 weights. */
export const vicregPreset: MethodPreset = {
  name: 'vicreg',
  description: 'VICReg (Bardes et al. 2022): variance-invariance-covariance, 25 / 25 / 1',
  paper: { authors: 'Bardes, Ponce & LeCun', title: 'VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning', year: 2022, url: 'https://arxiv.org/abs/2105.04906' },
  defaults: adam(VICREG_OPTIONS),
  options: VICREG_OPTIONS,
  build: ({ encoder, seed, options }) =>
    vicreg({
      encoder,
      expanderDim: num(options, 'expanderDim'),
      invarianceWeight: num(options, 'invarianceWeight'),
      varianceWeight: num(options, 'varianceWeight'),
      covarianceWeight: num(options, 'covarianceWeight'),
      gamma: num(options, 'gamma'),
      epsilon: num(options, 'epsilon'),
      seed: seed + 1,
    }),
};

/** Every image method of this package as a preset, in the order the command line lists them. */
export const contrastivePresets: readonly MethodPreset[] = [simclrPreset, mocoV1Preset, mocoV2Preset, byolPreset, simSiamPreset, barlowTwinsPreset, vicregPreset];
