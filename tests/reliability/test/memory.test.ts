import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import { barlowTwins, byol, mocoV1, mocoV2, simSiam, simclr, vicreg } from '@selfsup/contrastive';
import {
  byolPredictionHead,
  byolProjectionHead,
  mlp,
  simSiamPredictionHead,
  simSiamProjectionHead,
} from '@selfsup/encoders';
import { inpainting, jigsaw, relativePatchLocation, rotNet, rotationRegression } from '@selfsup/pretext';
import { type Encoder, type SSLMethod, createRng, fit, tensorDataset } from '@selfsup/tensors';
import { loadImageFolder } from '@selfsup/tensors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngBytes } from '../src/fixtures.js';
import { repoRoot } from '../src/sources.js';

/**
 * Bounded memory. (1) An image folder of 50 000 generated images streams from disk: a full pass, and training on it,
 * keep resident memory within a fixed bound that is well below what holding the decoded set would take.
 * (2) 200 training steps of every method the `selfsup` command offers keep the number of live tensors exactly flat and
 * resident memory flat beyond noise.
 */

const MB = 1024 * 1024;
const FOLDER_IMAGES = 50_000;
const SIZE = 16;
/** The decoded folder (float32 [50 000, 16, 16, 3]) is 146 MB: a loader that kept it would break this bound. */
const FOLDER_RSS_BOUND_MB = 48;
/** Resident-memory growth allowed over 150 steps of one method after 50 warm-up steps (allocator and GC noise). */
const STEP_RSS_NOISE_MB = 24;

const figures: Record<string, unknown> = {};
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-memory-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(path.join(repoRoot, 'tests/reliability/.figures'), { recursive: true });
  await fs.writeFile(path.join(repoRoot, 'tests/reliability/.figures/memory.json'), JSON.stringify(figures, null, 1));
});

// A garbage collection before each reading, so that the readings measure what is live, not what awaits collection.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

describe('an image folder of 50 000 images', () => {
  it('streams: a full pass and 200 training steps stay within a fixed resident-memory bound', async () => {
    const dir = path.join(tmp, 'folder');
    // 10 classes x 5 000 files; 16 distinct pictures are enough (the loader decodes every file anyway).
    const pictures = Array.from({ length: 16 }, (_, i) => pngBytes(SIZE, SIZE, 3, i));
    const t0 = performance.now();
    for (let c = 0; c < 10; c++) {
      const classDir = path.join(dir, `class-${c}`);
      await fs.mkdir(classDir, { recursive: true });
      const names = Array.from({ length: FOLDER_IMAGES / 10 }, (_, i) => i);
      for (let i = 0; i < names.length; i += 500) {
        await Promise.all(names.slice(i, i + 500).map((k) => fs.writeFile(path.join(classDir, `${k}.png`), pictures[(k + c) % 16] as Buffer)));
      }
    }
    const generateSeconds = (performance.now() - t0) / 1000;
    const dataset = await loadImageFolder(dir);
    expect(dataset.size).toBe(FOLDER_IMAGES);
    expect(dataset.imageShape).toEqual([SIZE, SIZE, 3]);

    // One epoch of 200 steps x 250 images reads every file once, one batch read ahead. The first 20 steps set up the
    // working set of a step (the wasm heap grows to it once); from then on resident memory must stay within the bound,
    // while a loader that kept what it decoded would grow by the decoded 90% of the folder (132 MB).
    const tensorsBefore = tf.memory().numTensors;
    const encoder = mlp({ inputShape: [SIZE, SIZE, 3], hiddenDims: [32], outputDim: 16, seed: 1 });
    const method = rotationRegression({ encoder, seed: 2 });
    const atStart = rssMb();
    let baseline = atStart;
    const samples: number[] = [];
    const t1 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await fit(method, dataset, {
      batchSize: FOLDER_IMAGES / 200,
      prefetchBatches: 1,
      progress: false,
      callbacks: {
        onStepEnd(info) {
          if (info.step % 10 !== 9) return;
          gc();
          if (info.step === 19) baseline = rssMb();
          else if (info.step > 19) samples.push(rssMb());
        },
      },
    });
    const cpu = process.cpuUsage(cpu0);
    expect(result.steps).toBe(200);
    method.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const peak = Math.max(...samples);
    expect(peak - baseline, `resident memory grew by ${(peak - baseline).toFixed(1)} MB while training on the folder`).toBeLessThan(FOLDER_RSS_BOUND_MB);
    figures['folder'] = {
      images: FOLDER_IMAGES,
      imageShape: [SIZE, SIZE, 3],
      decodedMb: (FOLDER_IMAGES * SIZE * SIZE * 3 * 4) / MB,
      boundMb: FOLDER_RSS_BOUND_MB,
      peakGrowthMb: Number((peak - baseline).toFixed(1)),
      rssAtStartMb: Number(atStart.toFixed(1)),
      rssAfterWarmupMb: Number(baseline.toFixed(1)),
      peakMb: Number(peak.toFixed(1)),
      generateSeconds: Number(generateSeconds.toFixed(1)),
      trainWallSeconds: Number(((performance.now() - t1) / 1000).toFixed(1)),
      trainCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
    };
  }, 300_000);
});

/** Every method of `selfsup pretrain`, with heads sized down so that 200 steps take seconds. */
const METHODS: Record<string, (encoder: Encoder) => SSLMethod> = {
  simclr: (encoder) => simclr({ encoder, rng: createRng(1) }),
  'moco-v1': (encoder) => mocoV1({ encoder, queueSize: 64, rng: createRng(1) }),
  'moco-v2': (encoder) => mocoV2({ encoder, queueSize: 64, momentum: 0.99, rng: createRng(1) }),
  byol: (encoder) =>
    byol({
      encoder,
      projector: byolProjectionHead({ inputDim: 16, hiddenDim: 32, outputDim: 16, rng: createRng(1) }),
      predictor: byolPredictionHead({ inputDim: 16, hiddenDim: 32, rng: createRng(2) }),
      rng: createRng(1),
    }),
  simsiam: (encoder) =>
    simSiam({
      encoder,
      projector: simSiamProjectionHead({ inputDim: 16, hiddenDim: 32, outputDim: 16, rng: createRng(1) }),
      predictor: simSiamPredictionHead({ inputDim: 16, hiddenDim: 8, rng: createRng(2) }),
      rng: createRng(1),
    }),
  'barlow-twins': (encoder) => barlowTwins({ encoder, projectorDim: 32, rng: createRng(1) }),
  vicreg: (encoder) => vicreg({ encoder, expanderDim: 32, rng: createRng(1) }),
  rotnet: (encoder) => rotNet({ encoder, seed: 1 }),
  'rotation-regression': (encoder) => rotationRegression({ encoder, seed: 1 }),
  'relative-location': (encoder) => relativePatchLocation({ encoder, seed: 1 }),
  jigsaw: (encoder) => jigsaw({ encoder, permutations: 10, seed: 1 }),
  inpainting: (encoder) => inpainting({ encoder, imageSize: [SIZE, SIZE], channels: 1, seed: 1 }),
};

describe('200 training steps of each method', () => {
  const perMethod: Record<string, unknown> = {};
  afterAll(() => {
    figures['methods'] = perMethod;
  });

  it.each(Object.keys(METHODS))('%s: live tensors exactly flat, resident memory flat beyond noise', async (name) => {
    const steps = 200;
    const batchSize = 8;
    const tensorsAtStart = tf.memory().numTensors;
    const dataset = tensorDataset(tf.randomUniform([steps * batchSize, SIZE, SIZE, 1], 0, 1, 'float32', 3) as tf.Tensor4D);
    const encoder = mlp({ inputShape: [SIZE, SIZE, 1], hiddenDims: [32], outputDim: 16, seed: 1 });
    const method = (METHODS[name] as (e: Encoder) => SSLMethod)(encoder);
    const tensors: number[] = [];
    const rss: number[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await fit(method, dataset, {
      batchSize,
      maxSteps: steps,
      progress: false,
      callbacks: {
        onStepEnd(info) {
          tensors.push(tf.memory().numTensors);
          if (info.step % 10 === 9) {
            gc();
            rss.push(rssMb());
          }
        },
      },
    });
    const cpu = process.cpuUsage(cpu0);
    method.dispose();
    dataset.dispose?.();
    // Everything the run made is gone with the method and the data (methods may keep last-step metrics until disposed).
    expect(tf.memory().numTensors).toBe(tensorsAtStart);
    // Exactly flat: the same count after every step.
    const steady = tensors;
    const changes = steady.flatMap((v, i) => (i > 0 && v !== steady[i - 1] ? [`step ${i}: ${steady[i - 1]} -> ${v}`] : []));
    expect(changes, 'live tensors after each step').toEqual([]);
    // Readings after a collection every 10 steps: warm at step 60, then up to step 200.
    const warm = rss[5] as number;
    const end = Math.max(...rss.slice(-3));
    console.log(name, rss.map((r) => r.toFixed(0)).join(' '));
    expect(end - warm, `resident memory grew ${(end - warm).toFixed(1)} MB from step 60 to 200`).toBeLessThan(STEP_RSS_NOISE_MB);
    perMethod[name] = {
      tensorsPerStep: steady[0],
      rssGrowthMb: Number((end - warm).toFixed(1)),
      wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
    };
  });
});
