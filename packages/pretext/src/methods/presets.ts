import { type JsonObject, type MethodPreset, type OptionSchema, type PresetDefaults, optionDefaults } from '@selfsup/tensors';
import { inpainting } from './inpainting.js';
import { jigsaw } from './jigsaw.js';
import { relativePatchLocation } from './relative-patch-location.js';
import { rotationRegression } from './rotation-regression.js';
import { rotNet } from './rotnet.js';

// Presets of the pretext tasks that train any image encoder (colorization and split-brain need a Lab encoder: use the
// library). Defaults suit 28x28 / 32x32 images on a CPU; heads are seeded from seed + 1.

const adam = (schema: OptionSchema, learningRate = 1e-3, beta1?: number): PresetDefaults => ({
  optimizer: beta1 === undefined ? { type: 'adam' } : { type: 'adam', beta1 },
  learningRate,
  options: optionDefaults(schema),
});

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
  defaults: adam(ROTNET_OPTIONS),
  options: ROTNET_OPTIONS,
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
  build: ({ encoder, seed, options }) => rotationRegression({ encoder, ...given(options, ['hiddenDims', 'zoomToFit', 'range']), seed: seed + 1 }),
};

const RELATIVE_LOCATION_OPTIONS: OptionSchema = {
  hiddenDims: hiddenDims([256]),
  patchSize: { type: 'integer', description: "patch side in pixels (default: Doersch et al.'s 96 scaled to the image)", min: 1 },
  gap: { type: 'integer', description: 'gap between neighbouring cells (default: 48 scaled)', min: 0 },
  jitter: { type: 'integer', description: 'largest shift of each patch in each direction (default: 7 scaled)', min: 0 },
  colorDrop: { type: 'boolean', description: 'color dropping against chromatic aberration', default: true },
  downUpSample: { type: 'boolean', description: 'random down- and up-sampling against pixelation cues', default: true },
};

/** Relative patch location with shortcut removal on. */
export const relativeLocationPreset: MethodPreset = {
  name: 'relative-location',
  description: 'relative patch location (Doersch et al. 2015): 8-way position of a neighbour patch, shortcut removal on',
  paper: { authors: 'Doersch, Gupta & Efros', title: 'Unsupervised Visual Representation Learning by Context Prediction', year: 2015, url: 'https://arxiv.org/abs/1505.05192' },
  defaults: adam(RELATIVE_LOCATION_OPTIONS),
  options: RELATIVE_LOCATION_OPTIONS,
  build: ({ encoder, seed, options }) =>
    relativePatchLocation({ encoder, ...given(options, ['hiddenDims', 'patchSize', 'gap', 'jitter', 'colorDrop', 'downUpSample']), seed: seed + 1 }),
};

const JIGSAW_OPTIONS: OptionSchema = {
  permutations: { type: 'integer', description: 'size of the permutation set (maximal Hamming distance)', default: 100, min: 2, max: 1000 },
  permutationSeed: { type: 'integer', description: 'seeds the drawing of the permutation set', default: 0 },
  tiles: { type: 'integer', description: 'tiles per puzzle: 9 (3x3) or 4 (2x2)', default: 9, choices: [4, 9] },
  tileSize: { type: 'integer', description: 'tile side in pixels (default: 64/75 of the cell side)', min: 1 },
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
  build: ({ encoder, seed, options }) =>
    jigsaw({ encoder, ...given(options, ['permutations', 'permutationSeed', 'tiles', 'tileSize', 'normalize', 'hiddenDims']), seed: seed + 1 }),
};

const INPAINTING_OPTIONS: OptionSchema = {
  decoderChannels: { type: 'number[]', description: 'channels of the decoder stages, coarsest first', default: [128, 64, 32], min: 1 },
  overlap: { type: 'integer', description: 'overlap band width in pixels', default: 4, min: 0 },
  overlapWeight: { type: 'number', description: 'weight of the overlap band', default: 10, min: 0 },
  reconstructionWeight: { type: 'number', description: 'weight of the masked L2 reconstruction loss', default: 0.999, min: 0 },
  adversarialWeight: { type: 'number', description: 'weight of the adversarial loss (0: no discriminator)', default: 0.001, min: 0 },
};

/** Context Encoders: Adam 2e-4, beta1 0.5 (after DCGAN). */
export const inpaintingPreset: MethodPreset = {
  name: 'inpainting',
  description: 'Context Encoders (Pathak et al. 2016): fill a central hole, 0.999 L2 + 0.001 adversarial',
  paper: { authors: 'Pathak, Krähenbühl, Donahue, Darrell & Efros', title: 'Context Encoders: Feature Learning by Inpainting', year: 2016, url: 'https://arxiv.org/abs/1604.07379' },
  defaults: adam(INPAINTING_OPTIONS, 2e-4, 0.5),
  options: INPAINTING_OPTIONS,
  build: ({ encoder, inputShape, seed, options }) =>
    inpainting({
      encoder,
      imageSize: [inputShape[0], inputShape[1]],
      channels: inputShape[2],
      ...given(options, ['decoderChannels', 'overlap', 'overlapWeight', 'reconstructionWeight', 'adversarialWeight']),
      seed: seed + 1,
    }),
};

/** Every pretext task of this package that trains any image encoder, as a preset. */
export const pretextPresets: readonly MethodPreset[] = [rotNetPreset, rotationRegressionPreset, relativeLocationPreset, jigsawPreset, inpaintingPreset];
