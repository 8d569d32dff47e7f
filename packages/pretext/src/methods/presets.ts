import { DOWN_UP_SAMPLE_PROBABILITY, JIGSAW_TILE_SLACK, PATCH_LAYOUT_GUARDS } from '@selfsup/augment';
import { type JsonObject, type MethodPreset, type MethodRecipe, type OptionSchema, type PresetBuildContext, type PresetDefaults, SelfsupError, optionDefaults } from '@selfsup/tensors';
import type { LabConvNet, LabInput } from '../nets/lab-conv-net.js';
import { LAB_CONV_NET_DEFAULT, labConvNetArchitecture, wholeImageArchitecture } from '../nets/register.js';
import { colorization } from './colorization.js';
import { inpainting } from './inpainting.js';
import { splitBrain } from './split-brain.js';
import { jigsaw } from './jigsaw.js';
import { relativePatchLocation } from './relative-patch-location.js';
import { rotationRegression } from './rotation-regression.js';
import { rotNet } from './rotnet.js';

// Presets of the pretext tasks. Colorization and split-brain train a Lab encoder (their `defaultArchitecture`) on color
// images; the others train any image encoder. Defaults suit 28x28 / 32x32 images on a CPU; heads are seeded from seed + 1. Each preset carries two
// recipes (`selfsup pretrain --recipe`): `small`, its defaults written out, and `paper`, the paper's setting as far as
// the training settings and the method's options can state it (what they cannot is said in the recipe's reference).

const adam = (schema: OptionSchema, learningRate = 1e-3, beta1?: number): PresetDefaults => ({
  optimizer: beta1 === undefined ? { type: 'adam' } : { type: 'adam', beta1 },
  learningRate,
  options: optionDefaults(schema),
});

/** The training settings of the `small` recipes: the presets' defaults (Adam, cosine to 0, no warm-up, batch 128). */
const smallTraining = (learningRate = 1e-3, beta1?: number): JsonObject => ({
  optimizer: 'adam',
  learningRate,
  learningRateScaling: 'none',
  ...(beta1 === undefined ? {} : { beta1 }),
  schedule: 'cosine',
  warmupSteps: 0,
  batchSize: 128,
});

const SMALL_REFERENCE =
  'The CPU defaults for 28-32 px images: the values this preset trained with before it had recipes, so results do not change. Provisional: to be chosen on a validation split.';

/** The `small` recipe: the preset's defaults, written out. */
function smallRecipe(schema: OptionSchema, description: string, training: JsonObject = smallTraining(), reference = SMALL_REFERENCE): MethodRecipe {
  return { description, reference, training, options: optionDefaults(schema) };
}

/** The small recipe's reference for the patch tasks, whose shortcut guards changed their defaults after the recipes came. */
const SMALL_GUARDED_REFERENCE = (guards: string) =>
  `The CPU defaults for 28-32 px images: the values this preset trained with before it had recipes, except the shortcut guards, which now scale with the image (${guards}); runs from before them differ. Provisional: to be chosen on a validation split.`;

/**
 * RotNet's CIFAR-10 optimization (Gidaris et al. 2018, Sec. 3.1, implementation details): SGD, lr 0.1, momentum 0.9,
 * weight decay 5e-4, batch 128, 100 epochs, the rate divided by 5 after epochs 30, 60 and 80 (0.1 -> 8e-4). No step
 * schedule here: a cosine from 0.1 to 8e-4 stands in for it. Nesterov momentum as the authors' config
 * (config/CIFAR10_RotNet_NIN4blocks.py of gidariss/FeatureLearningRotNet).
 */
const ROTNET_PAPER_TRAINING: JsonObject = {
  optimizer: 'sgd',
  learningRate: 0.1,
  learningRateScaling: 'none',
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  schedule: 'cosine',
  warmupSteps: 0,
  finalLearningRate: 8e-4,
  batchSize: 128,
  epochs: 100,
};

/** The options that were given (resolved options leave out those without a default). */
const given = (o: JsonObject, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

const hiddenDims = (fallback: number[]): OptionSchema[string] => ({
  type: 'number[]',
  description: 'hidden layer widths of the head on the encoder',
  default: fallback,
  min: 1,
});

const ROTNET_OPTIONS: OptionSchema = { hiddenDims: hiddenDims([256]) };

/** RotNet: 4-way rotation classification. */
export const rotNetPreset: MethodPreset = {
  name: 'rotnet',
  description: 'RotNet (Gidaris et al. 2018): 4-way rotation classification, all four rotations of every image',
  paper: { authors: 'Gidaris, Singh & Komodakis', title: 'Unsupervised Representation Learning by Predicting Image Rotations', year: 2018, url: 'https://arxiv.org/abs/1803.07728' },
  // Batches of 32 (x 4 rotations): chosen on a validation split, see the small recipe's reference.
  defaults: { ...adam(ROTNET_OPTIONS), batchSize: 32 },
  options: ROTNET_OPTIONS,
  recipes: {
    small: smallRecipe(
      ROTNET_OPTIONS,
      '28-32 px images on a CPU: Adam, lr 1e-3, cosine, batch 32 (x 4 rotations: 128 images a step), head [256]',
      { ...smallTraining(), batchSize: 32 },
      'The CPU defaults for 28-32 px images, the batch chosen on a validation split of Fashion-MNIST (20 % of the training images held out; docs/results/recipe-selection/rotnet-fashion-mnist.md), 600 CPU-seconds each: batches of 32, 64 and 128 images (each x 4 rotations) gave linear 88.4, 87.6 and 87.1 % and k-NN 83.9, 83.7 and 82.4 %; a second hidden layer in the head did not help (87.6 / 83.5 % at batch 64). More, smaller steps win on a CPU budget. Adam, lr 1e-3 and cosine are the former defaults, not tuned.',
    ),
    paper: {
      description: 'the paper (CIFAR-10): SGD, lr 0.1, Nesterov momentum 0.9, weight decay 5e-4, batch 128 (x 4 rotations), 100 epochs, cosine to 8e-4, linear head',
      reference:
        "Gidaris, Singh & Komodakis 2018, Sec. 3.1 (CIFAR experiments, implementation details): SGD, batch 128, momentum 0.9, weight decay 5e-4, lr 0.1 divided by 5 after epochs 30, 60 and 80, 100 epochs; all four rotated copies of an image in the same batch (ibid.), as this method always does. The step schedule is approximated by a cosine from 0.1 to its last rate 8e-4 (no step schedule here). Nesterov as the authors' config (config/CIFAR10_RotNet_NIN4blocks.py, which runs 200 epochs with the steps at 60, 120 and 160). The paper's network is a 4-block NIN ending in global average pooling and a linear rotation classifier (architectures/NetworkInNetwork.py): the trunk is --arch's, and the head on it is linear as there (hiddenDims []). The paper's CIFAR-10 classifiers read the 2nd block's features, not the last (run_cifar10_based_unsupervised_experiments.sh): probe inner layers with selfsup eval --layer.",
      training: ROTNET_PAPER_TRAINING,
      options: { hiddenDims: [] },
    },
  },
  build: ({ encoder, seed, options }) => rotNet({ encoder, ...given(options, ['hiddenDims']), seed: seed + 1 }),
};

const ROTATION_REGRESSION_OPTIONS: OptionSchema = {
  hiddenDims: hiddenDims([256]),
  zoomToFit: { type: 'boolean', description: 'zoom in so that no fill shows in the corners', default: true },
  range: { type: 'number[]', description: 'range [low, high] of the angles in radians (default [-pi, pi])' },
};

/** Continuous rotation regression. */
export const rotationRegressionPreset: MethodPreset = {
  name: 'rotation-regression',
  description: 'continuous rotation: regress the angle (cos, sin) of a randomly rotated image',
  defaults: adam(ROTATION_REGRESSION_OPTIONS),
  options: ROTATION_REGRESSION_OPTIONS,
  recipes: {
    small: smallRecipe(ROTATION_REGRESSION_OPTIONS, '28-32 px images on a CPU: Adam, lr 1e-3, cosine, batch 128, angles in [-pi, pi], zoom to fit, head [256]'),
    paper: {
      description:
        "no paper of its own: RotNet's CIFAR-10 optimization (SGD, lr 0.1, Nesterov momentum 0.9, weight decay 5e-4, batch 128, 100 epochs, cosine to 8e-4), gradients clipped to norm 1",
      reference:
        "This continuous variant of RotNet has no paper of its own (the package README lists it as continuous RotNet, after Gidaris, Singh & Komodakis 2018): the recipe applies RotNet's CIFAR-10 optimization (Sec. 3.1; the step schedule approximated by a cosine to 8e-4, see the rotnet recipe) and keeps this package's task settings (angles uniform in [-pi, pi], zoom to fit, head [256]). It is not a published setting. One rotated copy per image: a batch of 128 is 128 rotated images, where RotNet's is 512. The gradient clip (global norm 1) is this package's addition, not RotNet's: RotNet's rate suits its bounded cross-entropy, and the squared error on (cos, sin) diverged without a clip (non-finite weights within 8 steps on MNIST, convNet and resnet alike).",
      training: { ...ROTNET_PAPER_TRAINING, gradientClip: 1 },
      options: { hiddenDims: [256], zoomToFit: true, range: [-Math.PI, Math.PI] },
    },
  },
  build: ({ encoder, seed, options }) => rotationRegression({ encoder, ...given(options, ['hiddenDims', 'zoomToFit', 'range']), seed: seed + 1 }),
};

const RELATIVE_LOCATION_OPTIONS: OptionSchema = {
  hiddenDims: hiddenDims([256]),
  patchSize: { type: 'integer', description: "patch side in pixels (default: Doersch et al.'s 96 scaled to the image, within what the gap and jitter leave)", min: 1 },
  gap: { type: 'integer', description: 'gap between neighbouring cells (default: 48 scaled, at least --min-gap)', min: 0 },
  jitter: { type: 'integer', description: 'largest shift of each patch in each direction (default: 7 scaled, at least --min-jitter)', min: 0 },
  minGap: { type: 'integer', description: 'least scaled gap in pixels, against edge continuity on small images', default: PATCH_LAYOUT_GUARDS.minGap, min: 0 },
  minJitter: { type: 'integer', description: 'least scaled jitter in pixels (7 scaled to 28 px floors to 0)', default: PATCH_LAYOUT_GUARDS.minJitter, min: 0 },
  colorDrop: { type: 'boolean', description: 'color dropping against chromatic aberration (no effect on grey images)', default: true },
  downUpSample: { type: 'boolean', description: 'random down- and up-sampling against pixelation cues', default: true },
  downUpSampleProbability: { type: 'number', description: 'probability a patch is down- and up-sampled', default: DOWN_UP_SAMPLE_PROBABILITY, min: 0, max: 1 },
  normalize: { type: 'boolean', description: 'standardize every patch (jigsaw: tile) on its own', default: true },
};

/** The preset's down-sampling options as the builder takes them. */
const downUpSampleOption = (o: JsonObject) => (o['downUpSample'] === false ? false : { p: (o['downUpSampleProbability'] as number | undefined) ?? DOWN_UP_SAMPLE_PROBABILITY });

/** Relative patch location with shortcut removal on. */
export const relativeLocationPreset: MethodPreset = {
  name: 'relative-location',
  description: 'relative patch location (Doersch et al. 2015): 8-way position of a neighbour patch, shortcut removal on',
  paper: { authors: 'Doersch, Gupta & Efros', title: 'Unsupervised Visual Representation Learning by Context Prediction', year: 2015, url: 'https://arxiv.org/abs/1505.05192' },
  defaults: adam(RELATIVE_LOCATION_OPTIONS),
  options: RELATIVE_LOCATION_OPTIONS,
  recipes: {
    small: smallRecipe(
      RELATIVE_LOCATION_OPTIONS,
      "28-32 px images on a CPU: Adam, lr 1e-3, cosine, batch 128 pairs, Doersch et al.'s patch / gap / jitter proportions scaled to the image (gap >= 3, jitter >= 1 px), shortcut removal on (down-sampling p 0.33, color dropping, per-patch standardization), head [256]",
      smallTraining(),
      SMALL_GUARDED_REFERENCE('gap >= 3 and jitter >= 1 px, down-sampling p 0.33 instead of 0.5, every patch standardized'),
    ),
    paper: {
      description:
        'the authors\' code: plain SGD (no momentum, no weight decay), constant lr 1e-5 per pair (2.56e-3 x batch/256 on the mean loss), batch 256 pairs (512 patches), head [4096, 4096], color dropping, down-sampling with p 0.33, every patch standardized',
      reference:
        "Doersch, Gupta & Efros 2015 (96 px patches, gap 48, jitter up to 7 px, color dropping, random down-sampling to as little as 100 pixels, a late-fusion pair of AlexNet towers with batch normalization). The paper does not state its optimizer settings; they come from the authors' released code (cdoersch/deepcontext train.py and solver_mko.prototxt), which its README says is refactored from the paper's: SGD without momentum or weight decay, a fixed lr of 1e-5 on the loss summed over the pairs, batches of at most 512 patches, fc7 and fc8 of 4096 over the concatenated pair (hiddenDims [4096, 4096]); its prep_image down-samples a patch with probability 0.33, keeps one color channel (mean subtracted) and fills the others with small zero-mean noise, then divides the patch by its root mean square (here: every patch standardized, normalize). A summed loss at 1e-5 is the mean loss at 1e-5 x pairs: learningRate 2.56e-3 with linear scaling (x batch/256) gives exactly that; batch 256 pairs puts 512 patches through the encoder per step. Patch size, gap and jitter are left to their defaults, the paper's 96 : 48 : 7 proportions scaled to the image (on paper-sized images give --patch-size 96 --gap 48 --jitter 7). Epochs are not set: the README reports about 1M iterations for the paper's model (1.7M for the released code); set --epochs. The towers' architecture is --arch's.",
      training: { optimizer: 'sgd', learningRate: 2.56e-3, learningRateScaling: 'linear', momentum: 0, nesterov: false, weightDecay: 0, schedule: 'constant', warmupSteps: 0, batchSize: 256 },
      options: { hiddenDims: [4096, 4096], colorDrop: true, downUpSample: true, downUpSampleProbability: DOWN_UP_SAMPLE_PROBABILITY, normalize: true },
    },
  },
  // The probed encoder is the patch encoder on whole images: a saved run reloads through 'wholeImage'.
  architectures: [wholeImageArchitecture],
  build: ({ encoder, seed, options }) =>
    relativePatchLocation({
      encoder,
      ...given(options, ['hiddenDims', 'patchSize', 'gap', 'jitter', 'minGap', 'minJitter', 'colorDrop', 'normalize']),
      downUpSample: downUpSampleOption(options),
      seed: seed + 1,
    }),
};

const JIGSAW_OPTIONS: OptionSchema = {
  permutations: { type: 'integer', description: 'size of the permutation set (maximal Hamming distance)', default: 100, min: 2, max: 1000 },
  permutationSeed: { type: 'integer', description: 'seeds the drawing of the permutation set', default: 0 },
  tiles: { type: 'integer', description: 'tiles per puzzle: 9 (3x3) or 4 (2x2)', default: 9, choices: [4, 9] },
  tileSize: { type: 'integer', description: 'tile side in pixels (default: the cell side less its slack)', min: 1 },
  tileSlack: { type: 'number', description: "share of the cell side a tile leaves free for its random crop (Noroozi & Favaro's 64 px tiles in 75 px cells)", default: JIGSAW_TILE_SLACK.tileSlack, min: 0, max: 1 },
  minTileSlack: { type: 'integer', description: 'least free pixels a tile leaves in its cell, against edge continuity on small images', default: JIGSAW_TILE_SLACK.minTileSlack, min: 0 },
  normalize: { type: 'boolean', description: 'standardize every tile on its own', default: true },
  hiddenDims: hiddenDims([512]),
};

/** Jigsaw puzzles: 9 tiles, 100 permutations. */
export const jigsawPreset: MethodPreset = {
  name: 'jigsaw',
  description: 'jigsaw puzzles (Noroozi & Favaro 2016): 9 tiles, 100 maximal-Hamming permutations',
  paper: { authors: 'Noroozi & Favaro', title: 'Unsupervised Learning of Visual Representations by Solving Jigsaw Puzzles', year: 2016, url: 'https://arxiv.org/abs/1603.09246' },
  defaults: adam(JIGSAW_OPTIONS),
  options: JIGSAW_OPTIONS,
  recipes: {
    small: smallRecipe(
      JIGSAW_OPTIONS,
      '28-32 px images on a CPU: Adam, lr 1e-3, cosine, batch 128, 9 tiles (7 px in 9 px cells at 28 px), 100 permutations, head [512]',
      smallTraining(),
      SMALL_GUARDED_REFERENCE('tiles leave max(2 px, 11/75) of their cell free: 7 px tiles in 9 px cells at 28 px, where they were 8'),
    ),
    paper: {
      description: 'the paper: SGD, lr 0.01, momentum 0.9, weight decay 5e-4, batch 256, 350k iterations (~70 ImageNet epochs), cosine to 1e-5, 9 tiles, 1000 permutations, fc7 4096',
      reference:
        "Noroozi & Favaro 2016 (training: SGD on 1.3M ImageNet images, batch 256, base lr 0.01, 350K iterations; 9 tiles of 64 px in 75 px cells, each tile normalized on its own; 1000 permutations of maximal Hamming distance for the main results); momentum 0.9, weight decay 5e-4 and the lr divided by 10 every 100k iterations come from the authors' solver_cfn_jps.prototxt (MehdiNoroozi/JigsawPuzzleSolver), whose network has fc7 4096 over the concatenated tiles and a 1000-way fc8. The step schedule is approximated by a cosine from 0.01 to its last rate 1e-5 (no step schedule here); 350k iterations of 256 images are ~70 epochs of ImageNet's 1.28M. This permutation set is drawn by this package (permutationSeed), not the authors' file; the per-tile fc6 (1024) is the encoder's output, --arch's.",
      training: {
        optimizer: 'sgd',
        learningRate: 0.01,
        learningRateScaling: 'none',
        momentum: 0.9,
        nesterov: false,
        weightDecay: 5e-4,
        schedule: 'cosine',
        warmupSteps: 0,
        finalLearningRate: 1e-5,
        batchSize: 256,
        epochs: 70,
      },
      options: { permutations: 1000, permutationSeed: 0, tiles: 9, tileSlack: JIGSAW_TILE_SLACK.tileSlack, normalize: true, hiddenDims: [4096] },
    },
  },
  // The probed encoder is the tile encoder on whole images: a saved run reloads through 'wholeImage'.
  architectures: [wholeImageArchitecture],
  build: ({ encoder, seed, options }) =>
    jigsaw({ encoder, ...given(options, ['permutations', 'permutationSeed', 'tiles', 'tileSize', 'tileSlack', 'minTileSlack', 'normalize', 'hiddenDims']), seed: seed + 1 }),
};

const INPAINTING_OPTIONS: OptionSchema = {
  decoderChannels: { type: 'number[]', description: 'channels of the decoder stages, coarsest first', default: [128, 64, 32], min: 1 },
  overlap: {
    type: 'integer',
    description: "visible border of the centre region the generator also predicts, in pixels (default round(side / 32): the reference's 4 px at 128 px, 1 px at 28-32 px)",
    min: 0,
  },
  overlapWeight: { type: 'number', description: 'weight of the overlap border in the L2 loss', default: 10, min: 0 },
  reconstructionWeight: { type: 'number', description: 'weight of the masked L2 reconstruction loss', default: 0.999, min: 0 },
  adversarialWeight: { type: 'number', description: 'weight of the adversarial loss (0: no discriminator)', default: 0.001, min: 0 },
  discriminatorLearningRateScale: {
    type: 'number',
    description: "the discriminator's learning rate as a fraction of the generator's (default 0.1 when 0 < reconstruction weight < 1, as the reference code; else 1)",
    min: 0,
  },
};

/** Context Encoders: Adam, the generator at 2e-3 and the discriminator at a tenth of it, beta1 0.5 (after DCGAN). */
export const inpaintingPreset: MethodPreset = {
  name: 'inpainting',
  description: 'Context Encoders (Pathak et al. 2016): predict the central region from its context, 0.999 L2 + 0.001 adversarial',
  paper: { authors: 'Pathak, Krähenbühl, Donahue, Darrell & Efros', title: 'Context Encoders: Feature Learning by Inpainting', year: 2016, url: 'https://arxiv.org/abs/1604.07379' },
  defaults: adam(INPAINTING_OPTIONS, 2e-3, 0.5),
  options: INPAINTING_OPTIONS,
  recipes: {
    small: {
      description:
        '28-32 px images on a CPU: Adam, lr 2e-3 (the discriminator at 2e-4), beta1 0.5, cosine, batch 128, central region of half the side with a 1 px overlap border weighted 10x, 0.999 L2 + 0.001 adversarial',
      reference:
        "The CPU defaults for 28-32 px images: the reference code's rates (generator 2e-3, 10x the discriminator's 2e-4, beta1 0.5) with this package's cosine schedule and batch 128. Provisional: to be chosen on a validation split.",
      training: smallTraining(2e-3, 0.5),
      options: optionDefaults(INPAINTING_OPTIONS),
    },
    paper: {
      description:
        "the paper: Adam, lr 2e-3 for the context encoder (10x the discriminator's 2e-4), beta1 0.5, constant, batch 64, central region of half the side with its 4 px border (at 128 px) weighted 10x, 0.999 L2 + 0.001 adversarial",
      reference:
        "Pathak, Krähenbühl, Donahue, Darrell & Efros 2016: reconstruction + adversarial loss with lambda_rec 0.999 and lambda_adv 0.001, Adam (Secs. 3.2 and 4), central region mask (Sec. 3.3). The rates and sizes come from the authors' code (pathak22/context-encoder train.lua and its README's center-region command): Adam at 2e-4 for the discriminator and 10 x 2e-4 = 2e-3 for the context encoder when 0 < wtl2 < 1 (here the discriminator runs at a tenth of the generator's rate, whatever that is), beta1 0.5, batch 64, no decay; 128 px images whose central 64 x 64 region the generator predicts from the image with that region hidden but for its overlapPred = 4 px border, the border weighted 10x in the mean squared error over the region, and a discriminator that sees the region only (all this method's defaults; the overlap scales as round(side / 32)). Not reproduced: their networks (the encoder is --arch's; the decoder up-samples by resize and convolution from the encoder's pooled code, decoderChannels stay [128, 64, 32]; the discriminator has no batch norm). Epochs are not set (their command runs niter = 500; set --epochs). The feature model they released was trained with the reconstruction loss alone (README): add --adversarial-weight 0 for it.",
      training: { optimizer: 'adam', learningRate: 2e-3, learningRateScaling: 'none', beta1: 0.5, schedule: 'constant', warmupSteps: 0, batchSize: 64 },
      options: { reconstructionWeight: 0.999, adversarialWeight: 0.001, overlapWeight: 10 },
    },
  },
  build: ({ encoder, inputShape, seed, options }) =>
    inpainting({
      encoder,
      imageSize: [inputShape[0], inputShape[1]],
      channels: inputShape[2],
      ...given(options, ['decoderChannels', 'overlap', 'overlapWeight', 'reconstructionWeight', 'adversarialWeight']),
      ...(options['discriminatorLearningRateScale'] !== undefined ? { discriminator: { learningRateScale: options['discriminatorLearningRateScale'] as number } } : {}),
      seed: seed + 1,
    }),
};

// ---- Colorization and split-brain: Lab networks on color images.

/**
 * The Lab encoder a color preset trains, checked against the data: color images (a grey image has no chroma to
 * predict, so every image would be left out of the loss) and a labConvNet reading `input`. The errors name the flag
 * to change.
 */
function labEncoder(method: string, input: LabInput, { encoder, inputShape }: PresetBuildContext): LabConvNet {
  if (inputShape[2] !== 3) {
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--data: ${method} needs color images (RGB, 3 channels), e.g. --data images:<dir> or --data color-shapes; got ${inputShape[2] === 1 ? 'grey' : `${inputShape[2]}-channel`} images of [${inputShape.join(', ')}]`,
      { argument: '--data', expected: 'color images', got: [...inputShape] },
    );
  }
  const lab = encoder as Partial<LabConvNet>;
  if (encoder.architecture !== 'labConvNet' || lab.input !== input) {
    const got = encoder.architecture === 'labConvNet' ? `a labConvNet reading "${String(lab.input)}" (set --arch-config '{"input":"${input}"}')` : `--arch ${encoder.architecture}`;
    throw new SelfsupError('INVALID_ARGUMENT', `--arch: ${method} trains a labConvNet reading "${input}" (its default architecture); got ${got}`, {
      argument: '--arch',
      expected: `labConvNet with input "${input}"`,
    });
  }
  return encoder as LabConvNet;
}

const SMALL_COLOR_REFERENCE =
  'The CPU defaults for 28-32 px images, here color ones: Adam at 1e-3, cosine, batch 128 as the other pretext presets, the trunk at 1/4 of the side as the paper predicts, the task options the paper\'s. Provisional: to be chosen on a validation split.';

/** Zhang et al.'s released colorization solver (richzhang/colorization train/solver.prototxt and train_val.prototxt). */
const ZHANG_TRAINING: JsonObject = {
  optimizer: 'adam',
  learningRate: 3e-5,
  learningRateScaling: 'none',
  beta1: 0.9,
  beta2: 0.99,
  weightDecay: 1e-3,
  decoupledWeightDecay: false,
  schedule: 'cosine',
  warmupSteps: 0,
  finalLearningRate: 3e-6,
  batchSize: 40,
  epochs: 14,
};

const headChannels = (what: string): OptionSchema[string] => ({
  type: 'integer',
  description: `channels of the hidden 3x3 conv of ${what} (0: none; default: the trunk's output channels)`,
  min: 0,
});

const COLORIZATION_OPTIONS: OptionSchema = {
  objective: { type: 'string', description: 'classification over the quantised ab bins (the paper) or regression (L2 on ab)', default: 'classification', choices: ['classification', 'regression'] },
  softEncodingSigma: { type: 'number', description: 'width (ab units) of the Gaussian that spreads each target over its nearest bins', default: 5, min: 0, exclusiveMin: true },
  softEncodingNeighbours: { type: 'integer', description: 'nearest bins each target is spread over', default: 5, min: 1, max: 262 },
  rebalancing: { type: 'boolean', description: 'class rebalancing: positions of rare colors weigh more', default: true },
  rebalancingLambda: { type: 'number', description: 'lambda: share of the uniform distribution mixed into the smoothed color prior', default: 0.5, min: 0, max: 1 },
  rebalancingSigma: { type: 'number', description: 'Gaussian smoothing (ab units) of the color prior', default: 5, min: 0 },
  chromaThreshold: { type: 'number', description: 'images whose chroma stays below this everywhere (grey ones) are left out of the loss', default: 5, min: 0 },
  temperature: { type: 'number', description: 'annealed-mean temperature of the decoded colors (pictures; not the loss)', default: 0.38, min: 0, exclusiveMin: true },
  headChannels: headChannels('the head'),
};

/** Colorization (Zhang et al. 2016): a labConvNet on L* classifies the quantised ab of every position at 1/4 resolution. */
export const colorizationPreset: MethodPreset = {
  name: 'colorization',
  description: 'colorization (Zhang, Isola & Efros 2016): from L*, classify the quantised ab of every position, class-rebalanced; color images only',
  paper: { authors: 'Zhang, Isola & Efros', title: 'Colorful Image Colorization', year: 2016, venue: 'ECCV', url: 'https://arxiv.org/abs/1603.08511' },
  defaults: adam(COLORIZATION_OPTIONS),
  options: COLORIZATION_OPTIONS,
  defaultArchitecture: { name: 'labConvNet', config: { input: 'lightness' } },
  architectures: [labConvNetArchitecture],
  recipes: {
    small: smallRecipe(
      COLORIZATION_OPTIONS,
      `32 px color images on a CPU: Adam, lr 1e-3, cosine, batch 128; labConvNet on L* (channels ${LAB_CONV_NET_DEFAULT.channels.join(', ')}, strides ${LAB_CONV_NET_DEFAULT.strides.join(', ')}: ab predicted at 1/4 of the side), 262 ab bins, soft encoding 5 / sigma 5, rebalancing lambda 0.5`,
      smallTraining(),
      SMALL_COLOR_REFERENCE,
    ),
    paper: {
      description: 'the paper: Adam, lr 3e-5, beta2 0.99, weight decay 1e-3, batch 40, ~14 epochs, cosine to 3e-6; soft encoding 5 / sigma 5, rebalancing lambda 0.5 / sigma 5, T 0.38',
      reference:
        "Zhang, Isola & Efros 2016, Sec. 2 (soft encoding over the 5 nearest bins with sigma 5, class rebalancing with lambda 1/2 and a prior smoothed with sigma 5, annealed mean at T = 0.38; grey images left out) and Sec. 3 (training: Adam with beta1 .9, beta2 .99, weight decay 1e-3, lr 3e-5 dropped to 1e-5 and 3e-6 as the loss plateaued, about 450k iterations); batch 40 and the 176 px mirrored crops come from the authors' train_val.prototxt (richzhang/colorization). The drops are approximated by a cosine from 3e-5 to 3e-6 (no step schedule here); 450k iterations of 40 images are about 14 ImageNet epochs. Not reproduced: the 313 bins of their gamut (here the 262 the sRGB gamut reaches), their VGG-style network with dilated convolutions and a deconvolution back to 1/4 resolution (here --arch's labConvNet), and their 176 px crops (the data's size).",
      training: ZHANG_TRAINING,
      options: { objective: 'classification', softEncodingSigma: 5, softEncodingNeighbours: 5, rebalancing: true, rebalancingLambda: 0.5, rebalancingSigma: 5, chromaThreshold: 5, temperature: 0.38 },
    },
  },
  build: (context) => {
    const { seed, options } = context;
    const encoder = labEncoder('colorization', 'lightness', context);
    return colorization({
      encoder,
      objective: options['objective'] as 'classification' | 'regression',
      softEncoding: { sigma: options['softEncodingSigma'] as number, neighbours: options['softEncodingNeighbours'] as number },
      rebalancing: options['rebalancing'] === false ? false : { lambda: options['rebalancingLambda'] as number, sigma: options['rebalancingSigma'] as number },
      chromaThreshold: options['chromaThreshold'] as number,
      temperature: options['temperature'] as number,
      ...(options['headChannels'] !== undefined ? { headChannels: options['headChannels'] as number } : {}),
      seed: seed + 1,
    });
  },
};

const SPLIT_BRAIN_OPTIONS: OptionSchema = {
  lightnessBins: { type: 'integer', description: 'equal-width L* bins the ab half classifies into (the paper: 100)', default: 50, min: 2, max: 1000 },
  lightnessLossWeight: { type: 'number', description: 'weight of the ab -> L loss relative to the L -> ab loss', default: 1, min: 0 },
  chromaThreshold: { type: 'number', description: 'grey images (chroma below this everywhere) are left out of the L -> ab loss', default: 5, min: 0 },
  headChannels: headChannels('each head'),
};

/** Split-brain autoencoders (Zhang et al. 2017): two halves of a labConvNet predict ab from L and L from ab. */
export const splitBrainPreset: MethodPreset = {
  name: 'split-brain',
  description: 'split-brain autoencoders (Zhang, Isola & Efros 2017): one half classifies ab from L*, the other L* from ab; color images only',
  paper: { authors: 'Zhang, Isola & Efros', title: 'Split-Brain Autoencoders: Unsupervised Learning by Cross-Channel Prediction', year: 2017, venue: 'CVPR', url: 'https://arxiv.org/abs/1611.09842' },
  defaults: adam(SPLIT_BRAIN_OPTIONS),
  options: SPLIT_BRAIN_OPTIONS,
  // Each half half as wide as colorization's trunk: the paper splits one network's channels in two.
  defaultArchitecture: { name: 'labConvNet', config: { input: 'split', channels: LAB_CONV_NET_DEFAULT.channels.map((c) => c / 2) } },
  architectures: [labConvNetArchitecture],
  recipes: {
    small: smallRecipe(
      SPLIT_BRAIN_OPTIONS,
      `32 px color images on a CPU: Adam, lr 1e-3, cosine, batch 128; labConvNet split in two halves (channels ${LAB_CONV_NET_DEFAULT.channels.map((c) => c / 2).join(', ')} each), 262 ab bins and 50 L* bins, the two losses weighted equally`,
      smallTraining(),
      SMALL_COLOR_REFERENCE,
    ),
    paper: {
      description: "the colorization paper's solver (Adam, lr 3e-5, beta2 0.99, weight decay 1e-3, batch 40, ~14 epochs, cosine to 3e-6); 100 L* bins, the two cross-entropies weighted equally",
      reference:
        "Zhang, Isola & Efros 2017, Sec. 3 (a network split in half along its channels; L -> ab classified over the quantised ab of Zhang et al. 2016, ab -> L over 100 L bins, cross-entropy for both, summed; the representation concatenates the halves). The split-brain release has trained models only (richzhang/splitbrainauto), no solver: the training settings here are the colorization solver (richzhang/colorization train/solver.prototxt: Adam, beta2 .99, weight decay 1e-3, lr 3e-5 with drops, batch 40; the drops approximated by a cosine to 3e-6), an assumption. Not reproduced: the 313 ab bins (here 262, the sRGB gamut) and the split AlexNet (here --arch's labConvNet, input 'split').",
      training: ZHANG_TRAINING,
      options: { lightnessBins: 100, lightnessLossWeight: 1, chromaThreshold: 5 },
    },
  },
  build: (context) => {
    const { seed, options } = context;
    const encoder = labEncoder('split-brain', 'split', context);
    return splitBrain({
      encoder,
      lightnessBins: options['lightnessBins'] as number,
      lightnessLossWeight: options['lightnessLossWeight'] as number,
      chromaThreshold: options['chromaThreshold'] as number,
      ...(options['headChannels'] !== undefined ? { headChannels: options['headChannels'] as number } : {}),
      seed: seed + 1,
    });
  },
};

/** Every pretext task of this package as a preset, in the order the command line lists them. */
export const pretextPresets: readonly MethodPreset[] = [rotNetPreset, rotationRegressionPreset, relativeLocationPreset, jigsawPreset, inpaintingPreset, colorizationPreset, splitBrainPreset];
