import { barlowTwins, byol, mocoV1, mocoV2, simSiam, simclr, vicreg } from '@selfsup/contrastive';
import { buildEncoder, listArchitectures } from '@selfsup/encoders';
import { inpainting, jigsaw, relativePatchLocation, rotNet, rotationRegression } from '@selfsup/pretext';
import { type Encoder, type JsonObject, type OptimizerConfig, type SSLMethod, SelfsupError, createRng } from '@selfsup/tensors';

/** What every method builder gets: the encoder to train and the run's seed. */
export interface MethodContext {
  readonly encoder: Encoder;
  readonly inputShape: readonly [number, number, number];
  readonly seed: number;
  readonly batchSize: number;
}

/** A method the command line can pretrain, with the training defaults that suit small images on a CPU. */
export interface MethodEntry {
  readonly name: string;
  readonly description: string;
  readonly learningRate: number;
  readonly optimizer: OptimizerConfig;
  readonly build: (context: MethodContext) => SSLMethod;
}

// Learning rates and heads sized for 28x28 / 32x32 data and batch 64-256 on a CPU; the papers' ImageNet settings
// (LARS, lr 0.3 x batch/256, 2048-4096-wide heads) need far larger batches than a 2-core machine runs.
const CONTRASTIVE: readonly MethodEntry[] = [
  {
    name: 'simclr',
    description: 'SimCLR (Chen et al. 2020): two SimCLR views, NT-Xent, T = 0.5',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => simclr({ encoder, temperature: 0.5, rng: createRng(seed + 1) }),
  },
  {
    name: 'moco-v1',
    description: 'MoCo v1 (He et al. 2020): momentum key encoder m = 0.999, queue, linear head, T = 0.07',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed, batchSize }) => mocoV1({ encoder, queueSize: queueSizeFor(batchSize), rng: createRng(seed + 1) }),
  },
  {
    name: 'moco-v2',
    description: 'MoCo v2 (Chen et al. 2020): MLP head, v2 views, T = 0.2',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed, batchSize }) => mocoV2({ encoder, queueSize: queueSizeFor(batchSize), momentum: 0.99, rng: createRng(seed + 1) }),
  },
  {
    name: 'byol',
    description: 'BYOL (Grill et al. 2020): predictor, EMA target with the cosine momentum schedule',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => byol({ encoder, baseMomentum: 0.99, rng: createRng(seed + 1) }),
  },
  {
    name: 'simsiam',
    description: 'SimSiam (Chen & He 2021): predictor and stop-gradient, no negatives',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => simSiam({ encoder, rng: createRng(seed + 1) }),
  },
  {
    name: 'barlow-twins',
    description: 'Barlow Twins (Zbontar et al. 2021): cross-correlation to identity, lambda = 0.0051',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => barlowTwins({ encoder, projectorDim: 512, rng: createRng(seed + 1) }),
  },
  {
    name: 'vicreg',
    description: 'VICReg (Bardes et al. 2022): variance-invariance-covariance, 25 / 25 / 1',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => vicreg({ encoder, expanderDim: 512, rng: createRng(seed + 1) }),
  },
];

// Pretext tasks that train any image encoder (colorization and split-brain need a Lab encoder: use the library).
const PRETEXT: readonly MethodEntry[] = [
  {
    name: 'rotnet',
    description: 'RotNet (Gidaris et al. 2018): 4-way rotation classification, all four rotations of every image',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => rotNet({ encoder, seed: seed + 1 }),
  },
  {
    name: 'rotation-regression',
    description: 'continuous rotation: regress the angle (cos, sin) of a randomly rotated image',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => rotationRegression({ encoder, seed: seed + 1 }),
  },
  {
    name: 'relative-location',
    description: 'relative patch location (Doersch et al. 2015): 8-way position of a neighbour patch, shortcut removal on',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => relativePatchLocation({ encoder, seed: seed + 1 }),
  },
  {
    name: 'jigsaw',
    description: 'jigsaw puzzles (Noroozi & Favaro 2016): 9 tiles, 100 maximal-Hamming permutations',
    learningRate: 1e-3,
    optimizer: { type: 'adam' },
    build: ({ encoder, seed }) => jigsaw({ encoder, permutations: 100, seed: seed + 1 }),
  },
  {
    name: 'inpainting',
    description: 'Context Encoders (Pathak et al. 2016): fill a central hole, 0.999 L2 + 0.001 adversarial',
    learningRate: 2e-4,
    optimizer: { type: 'adam', beta1: 0.5 },
    build: ({ encoder, inputShape, seed }) =>
      inpainting({ encoder, imageSize: [inputShape[0], inputShape[1]], channels: inputShape[2], seed: seed + 1 }),
  },
];

/** MoCo's queue must be a multiple of the batch: the largest multiple <= 4096 (MoCo's CIFAR setting). */
function queueSizeFor(batchSize: number): number {
  return Math.max(batchSize, Math.floor(4096 / batchSize) * batchSize);
}

const extra = new Map<string, MethodEntry>();

/** Adds a method to the command line (pretext tasks register themselves here; third parties can too). */
export function registerMethod(entry: MethodEntry): void {
  extra.set(entry.name, entry);
}

export function listMethods(): readonly MethodEntry[] {
  return [...CONTRASTIVE, ...PRETEXT, ...extra.values()];
}

export function findMethod(name: string): MethodEntry {
  const entry = listMethods().find((m) => m.name === name);
  if (entry === undefined) {
    throw new SelfsupError('INVALID_ARGUMENT', `--method must be one of ${listMethods().map((m) => m.name).join(', ')}; got "${name}"`, {
      argument: '--method',
    });
  }
  return entry;
}

/** The default backbone for `--arch`: a conv net sized for 28x28 / 32x32 images. */
export function defaultArchitectureConfig(architecture: string, inputShape: readonly [number, number, number], seed: number): JsonObject {
  switch (architecture) {
    case 'convNet':
      return { inputShape: [...inputShape], channels: [32, 64, 128], strides: [1, 2, 2], seed };
    case 'resnet':
      return { depth: 18, stem: 'cifar', width: 0.25, inputShape: [...inputShape], seed };
    case 'mlp':
      return { inputShape: [...inputShape], hiddenDims: [512, 256], outputDim: 128, seed };
    default:
      throw new SelfsupError(
        'INVALID_ARGUMENT',
        `--arch must be one of convNet, resnet, mlp (registered: ${listArchitectures().join(', ')}); got "${architecture}"`,
        { argument: '--arch' },
      );
  }
}

/** Builds a fresh encoder of `architecture` for images of `inputShape`. */
export function buildBackbone(architecture: string, inputShape: readonly [number, number, number], seed: number): Encoder {
  return buildEncoder(architecture, defaultArchitectureConfig(architecture, inputShape, seed));
}
