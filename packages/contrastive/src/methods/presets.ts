import { VIEW_PARAMETER_KEYS, type ViewParameters, checkViewParameters, viewOptionSchema, viewTransforms } from '@selfsup/augment';
import { buildEncoder } from '@selfsup/encoders';
import {
  type Encoder,
  type JsonObject,
  type MethodPreset,
  type MethodRecipe,
  type OptionSchema,
  type OptionSpec,
  type PresetBuildContext,
  type PresetDefaults,
  SelfsupError,
  assertPositiveInteger,
  optionDefaults,
  assertObject,
  invalidArgument,
} from '@selfsup/tensors';
import { cpcPieceMeanArchitecture } from '../architectures.js';
import { type CpcFrontEnd, cpcImage, cpcSequence } from '../cpc/front-ends.js';
import { barlowTwins } from './barlow-twins.js';
import { byol } from './byol.js';
import { clipPreset } from './clip-preset.js';
import { cpc } from './cpc.js';
import { mocoV1, mocoV2 } from './moco.js';
import { simSiam } from './simsiam.js';
import { type SmallViews, simclr } from './simclr.js';
import { vicreg } from './vicreg.js';

// Presets: the training defaults that suit 28x28 / 32x32 data and batch 64-256 on a CPU (Adam, lr 1e-3; Barlow Twins'
// and VICReg's heads sized down). The papers' ImageNet settings (LARS, lr 0.3 x batch/256, 2048-8192-wide heads) need
// far larger batches than a 2-core machine runs. Every method's seed derivation (head init from seed + 1) is part of the
// preset: a run is reproducible from its recorded seed.

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

// ---- Views: every method's augmentation is parametric (`viewTransforms` of @selfsup/augment), its parameters are
// option keys (cropScale, colorJitter, ...). The `paper` recipes restate each paper's pipeline; the `small` recipe (and
// the schema defaults) keep it except the crop: at 28-32 px a crop down to 8% (or 20%) of the area leaves a few
// pixels of a digit, so `small` crops 30-100%. SimCLR's `small` values were chosen on a validation split of MNIST
// (scripts/select-recipe.mjs; docs/results/recipe-selection): crop 30-100% beat 8%, 50% and 70%, flips and blur helped,
// T 0.2 edged out 0.1 and 0.5, lr 3e-3 did no better than 1e-3. The other methods' values are not selected yet.

const RATIO: [number, number] = [3 / 4, 4 / 3];
const SIGMA: [number, number] = [0.1, 2.0];
const SMALL_CROP: [number, number] = [0.3, 1];

/** SimCLR (Chen et al. 2020, App. A): crop 8-100%, flip, jitter 0.8 s / 0.2 s with p 0.8 (s = 1), grey p 0.2, blur p 0.5. */
export const SIMCLR_PAPER_VIEWS: ViewParameters = {
  cropScale: [0.08, 1],
  cropRatio: RATIO,
  flipProbability: 0.5,
  colorJitter: [0.8, 0.8, 0.8, 0.2],
  colorJitterProbability: 0.8,
  grayscaleProbability: 0.2,
  blurProbability: [0.5],
  blurSigma: SIGMA,
  solarizeProbability: [0],
};

/** MoCo v1 (He et al. 2020, 3.3; main_moco.py): crop 20-100%, grey p 0.2, jitter 0.4 always, flip; no blur. */
export const MOCO_V1_PAPER_VIEWS: ViewParameters = {
  ...SIMCLR_PAPER_VIEWS,
  cropScale: [0.2, 1],
  colorJitter: [0.4, 0.4, 0.4, 0.4],
  colorJitterProbability: 1,
  blurProbability: [0],
};

/** MoCo v2 (Chen et al. 2020, main_moco.py --aug-plus), also SimSiam's: crop 20-100%, jitter (0.4, 0.4, 0.4, 0.1) p 0.8, grey p 0.2, blur p 0.5, flip. */
export const MOCO_V2_PAPER_VIEWS: ViewParameters = { ...SIMCLR_PAPER_VIEWS, cropScale: [0.2, 1], colorJitter: [0.4, 0.4, 0.4, 0.1] };

/** BYOL (Grill et al. 2020, Table 6), also Barlow Twins' and VICReg's: crop 8-100%, jitter (0.4, 0.4, 0.2, 0.1) p 0.8, grey p 0.2, blur p 1 / 0.1, solarize p 0 / 0.2. */
export const BYOL_PAPER_VIEWS: ViewParameters = {
  ...SIMCLR_PAPER_VIEWS,
  colorJitter: [0.4, 0.4, 0.2, 0.1],
  blurProbability: [1, 0.1],
  solarizeProbability: [0, 0.2],
};

const small = (views: ViewParameters): ViewParameters => ({ ...views, cropScale: SMALL_CROP });

const viewValues = (views: ViewParameters): JsonObject => JSON.parse(JSON.stringify(views)) as JsonObject;

/** The two views a preset builds from its resolved options (the view keys) for the data's image shape. */
export function presetViews(options: JsonObject, inputShape: PresetBuildContext['inputShape']): ReturnType<typeof viewTransforms> {
  assertObject('options', options as unknown, "an object of the method's options");
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    invalidArgument('inputShape', '[H, W, C] of positive integers', inputShape);
  }
  const values = Object.fromEntries(VIEW_PARAMETER_KEYS.map((k) => [k, options[k] ?? null])) as JsonObject;
  return viewTransforms(checkViewParameters('options', values), { size: [inputShape[0], inputShape[1]], channels: inputShape[2] });
}

const PROVISIONAL = 'Provisional: chosen for 28-32 px images on a CPU, to be revised by a selection on a validation split.';
const SELECTED_ON_MNIST =
  'Chosen on a validation split (20% of the MNIST training digits held out; fixed epochs; k-NN and linear probes): docs/results/recipe-selection/simclr-mnist.md, made by scripts/select-recipe.mjs. One seed per candidate, two for the finalists (T 0.2 and 0.5 tie within a point).';

/** The `small` recipe: Adam at 1e-3, cosine, batch 128 and the schema's defaults (the milder crop). */
function smallRecipe(schema: OptionSchema, reference = PROVISIONAL): MethodRecipe {
  return {
    description: '28-32 px grey or color images on a CPU: Adam, lr 1e-3, cosine, batch 128, crops of 30-100% of the area',
    reference,
    training: { optimizer: 'adam', learningRate: 1e-3, learningRateScaling: 'none', schedule: 'cosine', warmupSteps: 0, batchSize: 128 },
    options: optionDefaults(schema),
  };
}
const given = (o: JsonObject, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

// ---- Heads: the sizes of each method's default projector (and predictor) are options with one name across methods.
// Their defaults are what each method builds without them (so the `small` recipe is unchanged); the `paper` recipes set
// the papers' sizes. Barlow Twins' `projectorDim` and VICReg's `expanderDim` size their 3-layer heads (all one width).

const HEAD_SIZE_KEYS = ['projectorHiddenDim', 'projectorOutputDim', 'projectorLayers', 'predictorHiddenDim'] as const;

const headSize = (description: string, fallback?: number, min = 1): OptionSpec => ({ type: 'integer', description, ...(fallback !== undefined ? { default: fallback } : {}), min });

const SIMCLR_OPTIONS: OptionSchema = {
  temperature: { type: 'number', description: 'NT-Xent temperature tau (0.2: chosen on a validation split of MNIST)', default: 0.2, min: 0, exclusiveMin: true },
  projectorHiddenDim: headSize("width of the projection head's hidden layers (default: the encoder's output width; the paper's is 2048)"),
  projectorOutputDim: headSize('width of the projection z the loss sees (the paper uses 128)', 128),
  projectorLayers: headSize("dense layers of the projection head (2 as the paper; 3 or more add batch norm, SimCLR v2's)", 2, 2),
  ...viewOptionSchema(small(SIMCLR_PAPER_VIEWS)),
  smallViews: { type: 'integer', description: 'multi-crop (SwAV): extra small views of each image, besides the two views (0: none)', default: 0, min: 0 },
  smallViewSize: {
    type: 'integer',
    description: "multi-crop: side in pixels of the small views (default: 3/7 of the image's side, SwAV's 96 of 224)",
    min: 1,
  },
  smallCropScale: { type: 'number[]', description: "multi-crop: the small views' crop area range [min, max]", default: [0.1, 0.3], min: 0, max: 1 },
};

/** SimCLR's multi-crop views from the preset's options: the second view's pipeline, cropped smaller, at `smallViewSize`. */
function simclrSmallViews(options: JsonObject, inputShape: PresetBuildContext['inputShape']): { smallViews?: SmallViews } {
  const count = num(options, 'smallViews');
  if (count === 0) return {};
  const side = options['smallViewSize'] ?? Math.max(1, Math.round((3 / 7) * Math.min(inputShape[0], inputShape[1])));
  const scale = options['smallCropScale'];
  if (!Array.isArray(scale) || scale.length !== 2 || !scale.every((v) => typeof v === 'number' && v > 0 && v <= 1) || (scale[0] as number) > (scale[1] as number)) {
    invalidArgument('options.smallCropScale', 'a range [min, max] of two numbers, 0 < min <= max <= 1', scale);
  }
  const views = presetViews({ ...options, cropScale: scale, viewSize: side }, inputShape)[1];
  return { smallViews: { views, count } };
}

/** SimCLR with NT-Xent at T = 0.2 (small recipe) and SimCLR's views. */
export const simclrPreset: MethodPreset = {
  name: 'simclr',
  description: 'SimCLR (Chen et al. 2020): two SimCLR views, NT-Xent, T = 0.2 (small; the paper: 0.1)',
  paper: { authors: 'Chen, Kornblith, Norouzi & Hinton', title: 'A Simple Framework for Contrastive Learning of Visual Representations', year: 2020, url: 'https://arxiv.org/abs/2002.05709' },
  defaults: adam(SIMCLR_OPTIONS),
  options: SIMCLR_OPTIONS,
  recipes: {
    small: smallRecipe(SIMCLR_OPTIONS, SELECTED_ON_MNIST),
    paper: {
      description: 'the paper: LARS, lr 0.3 x batch/256, weight decay 1e-6, batch 4096, 10 warm-up epochs, cosine, 100 epochs, T = 0.1, head 2048-128, ImageNet views',
      reference:
        "Chen et al. 2020, Sec. 4 and App. B.1 (optimization), App. A (augmentation); T = 0.1 as the ImageNet runs (B.9: 0.5 on CIFAR-10); Sec. 2.3 (default setting: a 2-layer MLP head to 128 dimensions), its hidden layer as wide as h, ResNet-50's 2048-d features (Fig. 8; the reference code sizes it so)",
      training: { optimizer: 'lars', learningRate: 0.3, learningRateScaling: 'linear', momentum: 0.9, weightDecay: 1e-6, eta: 0.001, schedule: 'cosine', warmupEpochs: 10, batchSize: 4096, epochs: 100 },
      options: { temperature: 0.1, projectorHiddenDim: 2048, projectorOutputDim: 128, projectorLayers: 2, ...viewValues(SIMCLR_PAPER_VIEWS) },
    },
  },
  build: ({ encoder, seed, options, inputShape }) =>
    simclr({
      encoder,
      temperature: num(options, 'temperature'),
      ...given(options, HEAD_SIZE_KEYS),
      views: presetViews(options, inputShape),
      ...simclrSmallViews(options, inputShape),
      seed: seed + 1,
    }),
};

const mocoOptions = (version: 'v1' | 'v2', momentum: number, temperature: number, views: ViewParameters): OptionSchema => ({
  queueSize: {
    type: 'integer',
    description: 'K, negatives kept; a multiple of the batch size (default: the largest multiple <= 4096)',
    min: 1,
  },
  momentum: { type: 'number', description: "m, the key encoder's momentum", default: momentum, min: 0, max: 1 },
  temperature: { type: 'number', description: 'InfoNCE temperature T', default: temperature, min: 0, exclusiveMin: true },
  shuffleGroups: { type: 'integer', description: 'shuffling-BN sub-batches (1 turns it off)', default: 2, min: 1 },
  // MoCo v1's head is linear: only its output width.
  ...(version === 'v2' ? { projectorHiddenDim: headSize("width of the MLP head's hidden layer (the paper uses 2048)", 2048) } : {}),
  projectorOutputDim: headSize(`width of the ${version === 'v1' ? 'linear ' : ''}head's output, the keys' dimension (the paper uses 128)`, 128),
  ...viewOptionSchema(small(views)),
});

const MOCO_V1_OPTIONS = mocoOptions('v1', 0.999, 0.07, MOCO_V1_PAPER_VIEWS);
const MOCO_V2_OPTIONS = mocoOptions('v2', 0.99, 0.2, MOCO_V2_PAPER_VIEWS);

/** MoCo's ImageNet optimization (both versions): SGD 0.03, momentum 0.9, weight decay 1e-4, batch 256, 200 epochs. */
const MOCO_PAPER_TRAINING: JsonObject = { optimizer: 'sgd', learningRate: 0.03, learningRateScaling: 'none', momentum: 0.9, nesterov: false, weightDecay: 1e-4, schedule: 'cosine', warmupSteps: 0, batchSize: 256, epochs: 200 };

/** MoCo v1: momentum key encoder m = 0.999, queue, linear head, T = 0.07. */
export const mocoV1Preset: MethodPreset = {
  name: 'moco-v1',
  description: 'MoCo v1 (He et al. 2020): momentum key encoder m = 0.999, queue, linear head, T = 0.07',
  paper: { authors: 'He, Fan, Wu, Xie & Girshick', title: 'Momentum Contrast for Unsupervised Visual Representation Learning', year: 2020, url: 'https://arxiv.org/abs/1911.05722' },
  defaults: adam(MOCO_V1_OPTIONS),
  options: MOCO_V1_OPTIONS,
  recipes: {
    small: smallRecipe(MOCO_V1_OPTIONS),
    paper: {
      description: 'the paper: SGD 0.03, momentum 0.9, weight decay 1e-4, batch 256, 200 epochs, K = 65536, m = 0.999, T = 0.07, 8 shuffling-BN groups, linear head to 128',
      reference:
        'He et al. 2020, Sec. 3.3 (a 128-D fc output) and 4.1 (ImageNet-1M); the paper divides the lr by 10 at epochs 120 and 160, this recipe anneals it with a cosine (no step schedule here); the grayscale comes after the jitter (the reference code draws it first)',
      training: MOCO_PAPER_TRAINING,
      options: { queueSize: 65536, momentum: 0.999, temperature: 0.07, shuffleGroups: 8, projectorOutputDim: 128, ...viewValues(MOCO_V1_PAPER_VIEWS) },
    },
  },
  build: ({ encoder, seed, batchSize, options, inputShape }) =>
    mocoV1({
      encoder,
      queueSize: (options['queueSize'] as number | undefined) ?? mocoQueueSizeFor(batchSize),
      ...given(options, ['momentum', 'temperature', 'shuffleGroups', ...HEAD_SIZE_KEYS]),
      views: presetViews(options, inputShape),
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
  recipes: {
    small: smallRecipe(MOCO_V2_OPTIONS),
    paper: {
      description: 'the paper: SGD 0.03, momentum 0.9, weight decay 1e-4, batch 256, cosine, 200 epochs, K = 65536, m = 0.999, T = 0.2, MLP head 2048-128, aug+ views',
      reference: "Chen, Fan, Girshick & He 2020, Sec. 3 and Table 1 (MLP head with a 2048-d hidden layer and ReLU, aug+, cosine); optimization and the 128-d output as MoCo v1",
      training: MOCO_PAPER_TRAINING,
      options: { queueSize: 65536, momentum: 0.999, temperature: 0.2, shuffleGroups: 8, projectorHiddenDim: 2048, projectorOutputDim: 128, ...viewValues(MOCO_V2_PAPER_VIEWS) },
    },
  },
  build: ({ encoder, seed, batchSize, options, inputShape }) =>
    mocoV2({
      encoder,
      queueSize: (options['queueSize'] as number | undefined) ?? mocoQueueSizeFor(batchSize),
      ...given(options, ['momentum', 'temperature', 'shuffleGroups', ...HEAD_SIZE_KEYS]),
      views: presetViews(options, inputShape),
      seed: seed + 1,
    }),
};

const BYOL_OPTIONS: OptionSchema = {
  baseMomentum: { type: 'number', description: "tau_base, the target's EMA decay at the start (rises to 1 along a cosine)", default: 0.99, min: 0, max: 1 },
  projectorHiddenDim: headSize("width of the projector's hidden layer (the paper uses 4096)", 4096),
  projectorOutputDim: headSize("width of the projection, the predictor's input and output (the paper uses 256)", 256),
  predictorHiddenDim: headSize("width of the predictor's hidden layer (the paper uses 4096)", 4096),
  ...viewOptionSchema(small(BYOL_PAPER_VIEWS)),
};

/** The LARS optimization of BYOL, Barlow Twins and VICReg (10 warm-up epochs, cosine, 1000 epochs). */
const larsTraining = (learningRate: number, weightDecay: number, batchSize: number): JsonObject => ({
  optimizer: 'lars',
  learningRate,
  learningRateScaling: 'linear',
  momentum: 0.9,
  weightDecay,
  eta: 0.001,
  schedule: 'cosine',
  warmupEpochs: 10,
  batchSize,
  epochs: 1000,
});

/** BYOL with base momentum 0.99. */
export const byolPreset: MethodPreset = {
  name: 'byol',
  description: 'BYOL (Grill et al. 2020): predictor, EMA target with the cosine momentum schedule',
  paper: { authors: 'Grill et al.', title: 'Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning', year: 2020, url: 'https://arxiv.org/abs/2006.07733' },
  defaults: adam(BYOL_OPTIONS),
  options: BYOL_OPTIONS,
  recipes: {
    small: smallRecipe(BYOL_OPTIONS),
    paper: {
      description: 'the paper: LARS, lr 0.2 x batch/256, weight decay 1.5e-6, batch 4096, 10 warm-up epochs, cosine, 1000 epochs, tau_base = 0.996, projector 4096-256, predictor 4096-256',
      reference: 'Grill et al. 2020, Sec. 3.3 (implementation details: projector and predictor MLPs 4096-256) and App. B, Table 6 (augmentation)',
      training: larsTraining(0.2, 1.5e-6, 4096),
      options: { baseMomentum: 0.996, projectorHiddenDim: 4096, projectorOutputDim: 256, predictorHiddenDim: 4096, ...viewValues(BYOL_PAPER_VIEWS) },
    },
  },
  build: ({ encoder, seed, options, inputShape }) =>
    byol({ encoder, baseMomentum: num(options, 'baseMomentum'), ...given(options, HEAD_SIZE_KEYS), views: presetViews(options, inputShape), seed: seed + 1 }),
};

const SIMSIAM_OPTIONS: OptionSchema = {
  projectorHiddenDim: headSize("width of the projector's hidden layers (the paper uses 2048)", 2048),
  projectorOutputDim: headSize("width of the projection, the predictor's input and output (the paper uses 2048)", 2048),
  projectorLayers: headSize('dense layers of the projector (3 in the paper; 2 in its CIFAR runs)', 3, 2),
  predictorHiddenDim: headSize("width of the predictor's bottleneck (the paper uses 512)", 512),
  ...viewOptionSchema(small(MOCO_V2_PAPER_VIEWS)),
};

/** SimSiam: its options are the heads' sizes and the views. */
export const simSiamPreset: MethodPreset = {
  name: 'simsiam',
  description: 'SimSiam (Chen & He 2021): predictor and stop-gradient, no negatives',
  paper: { authors: 'Chen & He', title: 'Exploring Simple Siamese Representation Learning', year: 2021, url: 'https://arxiv.org/abs/2011.10566' },
  defaults: adam(SIMSIAM_OPTIONS),
  options: SIMSIAM_OPTIONS,
  recipes: {
    small: smallRecipe(SIMSIAM_OPTIONS),
    paper: {
      description: 'the paper: SGD, lr 0.05 x batch/256, momentum 0.9, weight decay 1e-4, batch 512, cosine, 100 epochs, 3-layer projector 2048-2048-2048, predictor 2048-512-2048, MoCo v2 views',
      reference: 'Chen & He 2021, Sec. 3 (baseline settings: optimizer, projection and prediction MLPs; experimental setup: 100 epochs)',
      training: { optimizer: 'sgd', learningRate: 0.05, learningRateScaling: 'linear', momentum: 0.9, nesterov: false, weightDecay: 1e-4, schedule: 'cosine', warmupSteps: 0, batchSize: 512, epochs: 100 },
      options: { projectorHiddenDim: 2048, projectorOutputDim: 2048, projectorLayers: 3, predictorHiddenDim: 512, ...viewValues(MOCO_V2_PAPER_VIEWS) },
    },
  },
  build: ({ encoder, seed, options, inputShape }) => simSiam({ encoder, ...given(options, HEAD_SIZE_KEYS), views: presetViews(options, inputShape), seed: seed + 1 }),
};

const BARLOW_OPTIONS: OptionSchema = {
  projectorDim: { type: 'integer', description: 'width of the projector (the paper uses 8192)', default: 512, min: 1 },
  lambda: { type: 'number', description: 'weight of the off-diagonal (redundancy) term', default: 0.0051, min: 0 },
  ...viewOptionSchema(small(BYOL_PAPER_VIEWS)),
};

/** Barlow Twins with a 512-wide projector. */
export const barlowTwinsPreset: MethodPreset = {
  name: 'barlow-twins',
  description: 'Barlow Twins (Zbontar et al. 2021): cross-correlation to identity, lambda = 0.0051',
  paper: { authors: 'Zbontar, Jing, Misra, LeCun & Deny', title: 'Barlow Twins: Self-Supervised Learning via Redundancy Reduction', year: 2021, url: 'https://arxiv.org/abs/2103.03230' },
  defaults: adam(BARLOW_OPTIONS),
  options: BARLOW_OPTIONS,
  recipes: {
    small: smallRecipe(BARLOW_OPTIONS),
    paper: {
      description: 'the paper: LARS, lr 0.2 x batch/256, weight decay 1.5e-6, batch 2048, 10 warm-up epochs, cosine, 1000 epochs, 8192-wide projector, BYOL views',
      reference:
        "Zbontar et al. 2021, Sec. 3 (implementation details) and App. (augmentations as BYOL); the paper's biases and batch-norm parameters get lr 0.0048 and its cosine ends at lr / 1000, which one learning rate and a cosine to 0 do not reproduce",
      training: larsTraining(0.2, 1.5e-6, 2048),
      options: { projectorDim: 8192, lambda: 0.0051, ...viewValues(BYOL_PAPER_VIEWS) },
    },
  },
  build: ({ encoder, seed, options, inputShape }) =>
    barlowTwins({ encoder, projectorDim: num(options, 'projectorDim'), lambda: num(options, 'lambda'), views: presetViews(options, inputShape), seed: seed + 1 }),
};

const VICREG_OPTIONS: OptionSchema = {
  expanderDim: { type: 'integer', description: 'width of the expander (the paper uses 8192)', default: 512, min: 1 },
  invarianceWeight: { type: 'number', description: 'lambda, weight of the invariance term', default: 25, min: 0 },
  varianceWeight: { type: 'number', description: 'mu, weight of the variance term', default: 25, min: 0 },
  covarianceWeight: { type: 'number', description: 'nu, weight of the covariance term', default: 1, min: 0 },
  gamma: { type: 'number', description: 'target standard deviation of every dimension', default: 1, min: 0, exclusiveMin: true },
  epsilon: { type: 'number', description: 'added to the variance under the square root', default: 1e-4, min: 0, exclusiveMin: true },
  ...viewOptionSchema(small(BYOL_PAPER_VIEWS)),
};

/** VICReg with a 512-wide expander and the paper's 25 / 25 / 1 weights. */
export const vicregPreset: MethodPreset = {
  name: 'vicreg',
  description: 'VICReg (Bardes et al. 2022): variance-invariance-covariance, 25 / 25 / 1',
  paper: { authors: 'Bardes, Ponce & LeCun', title: 'VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning', year: 2022, url: 'https://arxiv.org/abs/2105.04906' },
  defaults: adam(VICREG_OPTIONS),
  options: VICREG_OPTIONS,
  recipes: {
    small: smallRecipe(VICREG_OPTIONS),
    paper: {
      description: 'the paper: LARS, lr 0.2 x batch/256, weight decay 1e-6, batch 2048, 10 warm-up epochs, cosine, 1000 epochs, 8192-wide expander, 25 / 25 / 1',
      reference: 'Bardes, Ponce & LeCun 2022, Sec. 4.1 and App. C (implementation details, augmentation as BYOL)',
      training: larsTraining(0.2, 1e-6, 2048),
      options: { expanderDim: 8192, invarianceWeight: 25, varianceWeight: 25, covarianceWeight: 1, gamma: 1, epsilon: 1e-4, ...viewValues(BYOL_PAPER_VIEWS) },
    },
  },
  build: ({ encoder, seed, options, inputShape }) =>
    vicreg({
      encoder,
      views: presetViews(options, inputShape),
      expanderDim: num(options, 'expanderDim'),
      invarianceWeight: num(options, 'invarianceWeight'),
      varianceWeight: num(options, 'varianceWeight'),
      covarianceWeight: num(options, 'covarianceWeight'),
      gamma: num(options, 'gamma'),
      epsilon: num(options, 'epsilon'),
      seed: seed + 1,
    }),
};

// ---- CPC: images as grids of patches (the paper's vision experiments) or sequences as runs of windows.

const CPC_OPTIONS: OptionSchema = {
  patchSize: { type: 'integer', description: 'images: side of the square patches (the paper: 64 of 256 px; 8 gives a 6x6 grid on 28 px, 7x7 on 32 px)', default: 8, min: 1 },
  patchStride: { type: 'integer', description: 'images: step between patches (default: half the patch, the paper\'s 50% overlap)', min: 1 },
  window: { type: 'integer', description: 'sequences: steps in one piece the encoder embeds', default: 16, min: 1 },
  hop: { type: 'integer', description: 'sequences: steps between the starts of pieces (default: the window, no overlap)', min: 1 },
  contextDim: { type: 'integer', description: 'width of the GRU context c_t', default: 64, min: 1 },
  predictionSteps: { type: 'integer', description: 'K: rows (steps) ahead predicted, one linear map W_k each (default: 3, at most rows - 1)', min: 1 },
  temperature: { type: 'number', description: "divides the scores z^T W_k c_t (1: the paper's log-bilinear model)", default: 1, min: 0, exclusiveMin: true },
};

/** The front end of a CPC run: patches of images, windows of sequences; checked against the samples' shape. */
function cpcFrontEnd({ inputShape, options, dataKind }: PresetBuildContext): CpcFrontEnd {
  const [h, w] = inputShape;
  if (dataKind === 'sequences') {
    const window = options['window'] as number;
    if (window > w) throw new SelfsupError('INVALID_ARGUMENT', `--window must be at most the sequences' length (${w} steps); got ${window}`, { argument: '--window' });
    return cpcSequence({ window, ...(options['hop'] !== undefined ? { hop: options['hop'] as number } : {}) });
  }
  const patchSize = options['patchSize'] as number;
  if (patchSize > Math.min(h, w)) throw new SelfsupError('INVALID_ARGUMENT', `--patch-size must be at most the images' side (${h} x ${w}); got ${patchSize}`, { argument: '--patch-size' });
  return cpcImage({ patchSize, ...(options['patchStride'] !== undefined ? { stride: options['patchStride'] as number } : {}) });
}

/**
 * The piece encoder for pieces of `pieceShape`: `encoder` itself when it takes them, else the same architecture and
 * config (seed included) rebuilt for that input shape (the command line builds its backbone for the whole sample).
 */
function cpcPieceEncoder(encoder: Encoder, pieceShape: readonly [number, number, number]): Encoder {
  if (encoder.architecture === cpcPieceMeanArchitecture.name) {
    invalidArgument('--arch', 'the architecture of the piece encoder (e.g. convNet): cpc builds its cpcPieceMean around it', encoder.architecture);
  }
  const shape = encoder.inputShape;
  if (shape.length === 3 && shape.every((d, i) => d === -1 || d === pieceShape[i])) return encoder;
  if (!Array.isArray(encoder.config['inputShape'])) {
    invalidArgument('encoder', `an encoder of pieces [${pieceShape.join(', ')}], or one whose config has an inputShape to rebuild it with`, `${encoder.architecture} of [${shape.join(', ')}]`);
  }
  return buildEncoder(encoder.architecture, { ...encoder.config, inputShape: [...pieceShape] });
}

/** CPC on patch grids or sequences; probes see the mean of the piece embeddings. */
export const cpcPreset: MethodPreset = {
  name: 'cpc',
  description: 'CPC (van den Oord, Li & Vinyals 2018): a GRU over the rows of a patch grid (or the windows of a sequence) predicts the embeddings of the next K, InfoNCE',
  paper: { authors: 'van den Oord, Li & Vinyals', title: 'Representation Learning with Contrastive Predictive Coding', year: 2018, url: 'https://arxiv.org/abs/1807.03748' },
  defaults: adam(CPC_OPTIONS),
  options: CPC_OPTIONS,
  dataKinds: ['images', 'sequences'],
  // No batch norm in the piece encoder: statistics shared by the patches of a batch leak which patches belong together
  // (the paper's ResNet has none; CPC v2 replaced it by layer norm). Group norm keeps the default convNet trainable.
  defaultArchitecture: { name: 'convNet', config: { norm: 'group' } },
  // The probed encoder is the mean of the piece embeddings: a saved run reloads through 'cpcPieceMean'.
  architectures: [cpcPieceMeanArchitecture],
  recipes: {
    small: {
      description: '28-32 px images on a CPU: Adam, lr 1e-3, cosine, batch 128; 8 px patches every 4 px (6x6 grid on 28 px), convNet with group norm, GRU context 64, K = 3; sequences: windows of 16 steps',
      reference: PROVISIONAL,
      training: { optimizer: 'adam', learningRate: 1e-3, learningRateScaling: 'none', schedule: 'cosine', warmupSteps: 0, batchSize: 128 },
      options: optionDefaults(CPC_OPTIONS),
    },
    paper: {
      description: "the paper's vision setting: Adam, lr 2e-4, constant, batch 512; patches overlapping by half, K = 5 rows",
      reference:
        "van den Oord, Li & Vinyals 2018, Sec. 3.2 (images): 256 px crops cut into a 7x7 grid of 64 px patches overlapping by 32 px, each embedded by a ResNet-v2-101 without batch norm and mean-pooled, a PixelCNN-style context over the rows above that predicts up to 5 rows below, InfoNCE over the patches of the batch; Adam at 2e-4, 32 GPUs with 16 images each (batch 512). Here 8 px patches every 4 px keep the grid at 32 px (7x7), a GRU running down each column of the grid stands in for the PixelCNN, and the piece encoder is --arch's (by default a convNet with group norm: the paper's has no batch norm). Epochs are not set. Sequences (Sec. 3.1, speech): a GRU of 256 predicting K = 12 steps of 10 ms: --context-dim 256 --prediction-steps 12, with --window and --hop for your data.",
      training: { optimizer: 'adam', learningRate: 2e-4, learningRateScaling: 'none', schedule: 'constant', warmupSteps: 0, batchSize: 512 },
      options: { patchSize: 8, patchStride: 4, predictionSteps: 5, temperature: 1 },
    },
  },
  build: (context) => {
    const { encoder, inputShape, seed, options } = context;
    const frontEnd = cpcFrontEnd(context);
    const { rows, pieceShape } = frontEnd.grid(inputShape);
    const sequences = context.dataKind === 'sequences';
    // What the grid's rows are and the flags that size them, for the messages.
    const unit = sequences ? 'windows' : 'rows of patches';
    const sizing = sequences ? `--window ${String(options['window'])}` : `--patch-size ${String(options['patchSize'])}`;
    if (rows < 2) {
      throw new SelfsupError('INVALID_ARGUMENT', `${sizing}: cpc needs at least 2 ${unit} to predict along; samples of [${inputShape.join(', ')}] give ${rows}`, {
        argument: sequences ? '--window' : '--patch-size',
      });
    }
    const steps = options['predictionSteps'] as number | undefined;
    if (steps !== undefined && steps > rows - 1) {
      throw new SelfsupError('INVALID_ARGUMENT', `--prediction-steps must be at most ${rows - 1} (samples of [${inputShape.join(', ')}] give ${rows} ${unit} with ${sizing}); got ${steps}`, {
        argument: '--prediction-steps',
      });
    }
    const pieceEncoder = cpcPieceEncoder(encoder, pieceShape);
    try {
      const method = cpc({
        encoder: pieceEncoder,
        frontEnd,
        inputShape,
        contextDim: options['contextDim'] as number,
        ...(steps !== undefined ? { predictionSteps: steps } : {}),
        temperature: num(options, 'temperature'),
        seed: seed + 1,
      });
      // Rebuilt for the pieces: the encoder built for whole samples is ours to release (the method owns the new one).
      if (pieceEncoder !== encoder) encoder.dispose();
      return method;
    } catch (error) {
      if (pieceEncoder !== encoder) pieceEncoder.dispose();
      throw error;
    }
  },
};

/** Every method of this package that the command line trains, as a preset, in the order it lists them. */
export const contrastivePresets: readonly MethodPreset[] = [simclrPreset, mocoV1Preset, mocoV2Preset, byolPreset, simSiamPreset, barlowTwinsPreset, vicregPreset, clipPreset, cpcPreset];
