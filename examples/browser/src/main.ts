// The page: selfsup on tfjs's wasm backend in a browser. Draws SimCLR views of a few images, then probes two
// encoders with k-NN on a toy pattern dataset made in the page. The result is also left on `window.selfsupDemo`
// (the headless-Chromium test reads it).
import { multiView, simclrTransform } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import { knnProbe, rawPixelEncoder } from '@selfsup/eval';
import { createRng, initBackend } from '@selfsup/tensors';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { patternDataset } from './patterns.js';

export interface DemoResult {
  readonly backend: string;
  readonly viewShape: readonly number[];
  readonly views: number;
  readonly knn: Readonly<Record<string, number>>;
  readonly leakedTensors: number;
  readonly seconds: number;
}

declare global {
  interface Window {
    selfsupDemo?: { readonly ok: true; readonly result: DemoResult } | { readonly ok: false; readonly error: string };
  }
}

const SIZE = 24;
const status = document.getElementById('status')!;

/** Draws an [H, W, 3] image in [0, 1] on a new canvas, and disposes it. */
async function drawImage(image: tf.Tensor3D, parent: HTMLElement): Promise<void> {
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  const rgbaTensor = tf.tidy(() => {
    const bytes = tf.cast(tf.mul(image, 255), 'int32');
    return tf.concat([bytes, tf.fill([SIZE, SIZE, 1], 255, 'int32')], 2);
  });
  const rgba = await rgbaTensor.data();
  tf.dispose([image, rgbaTensor]);
  canvas.getContext('2d')!.putImageData(new ImageData(Uint8ClampedArray.from(rgba), SIZE, SIZE), 0, 0);
  parent.append(canvas);
}

async function run(): Promise<DemoResult> {
  const started = performance.now();
  // The .wasm binaries sit next to this page (build.mjs copies them); set before the backend starts.
  setWasmPaths(new URL('./', location.href).href);
  // In a page there is no tfjs-node to look for: name the backend, and hand initBackend the bundled module.
  const report = await initBackend({ backend: 'wasm', loader: () => import('@tensorflow/tfjs-backend-wasm') });
  status.textContent = `backend: ${report.backend}`;
  const tensorsAtStart = tf.memory().numTensors;

  const rng = createRng(7);
  const train = patternDataset(20, SIZE, rng, 'patterns-train');
  const test = patternDataset(10, SIZE, rng, 'patterns-test');

  // Augmentations: two SimCLR views of the first four test images.
  const views = multiView(simclrTransform({ size: [SIZE, SIZE], strength: 0.5, blur: false }), 2);
  const { images, labels } = await test.getBatch([0, 1, 2, 3]);
  const [first, second] = views(images, rng);
  const container = document.getElementById('views')!;
  for (const [label, batch] of [['images', images], ['view 1', first!], ['view 2', second!]] as const) {
    const row = document.createElement('div');
    row.className = 'row';
    row.append(Object.assign(document.createElement('span'), { textContent: label }));
    for (let i = 0; i < 4; i++) await drawImage(tf.tidy(() => tf.squeeze(tf.slice(batch, [i, 0, 0, 0], [1, SIZE, SIZE, 3]), [0])) as tf.Tensor3D, row);
    container.append(row);
  }
  const viewShape = first!.shape;
  tf.dispose([images, labels, first, second]);

  // k-NN probes of two frozen encoders.
  const knn: Record<string, number> = {};
  // Untrained, as a baseline: any Encoder works here, e.g. one pretrained in Node and loaded from its weights.
  const randomConvNet = convNet({ inputShape: [SIZE, SIZE, 3], channels: [8, 16], strides: [1, 2], seed: 0 });
  for (const [name, encoder] of [['raw pixels', rawPixelEncoder([SIZE, SIZE, 3])], ['random conv net', randomConvNet]] as const) {
    knn[name] = (await knnProbe(encoder, train, test, { k: 5 })).top1;
    encoder.dispose();
  }
  train.dispose?.();
  test.dispose?.();
  const result: DemoResult = {
    backend: report.backend,
    viewShape,
    views: 2,
    knn,
    leakedTensors: tf.memory().numTensors - tensorsAtStart,
    seconds: (performance.now() - started) / 1000,
  };
  document.getElementById('report')!.textContent = Object.entries(knn)
    .map(([name, top1]) => `k-NN top-1, ${name}: ${(100 * top1).toFixed(1)} %`)
    .join('\n');
  status.textContent = `backend: ${report.backend}, done in ${result.seconds.toFixed(1)} s`;
  return result;
}

run().then(
  (result) => {
    window.selfsupDemo = { ok: true, result };
  },
  (error: unknown) => {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    status.textContent = `failed: ${message}`;
    window.selfsupDemo = { ok: false, error: message };
  },
);
