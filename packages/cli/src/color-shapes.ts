import * as tf from '@tensorflow/tfjs-core';
import { type ImageDataset, type Rng, assertOptions, createRng, invalidArgument, tensorDataset } from '@selfsup/tensors';

/** The classes of `--data color-shapes`: a shape each, drawn in its own hue. */
export const COLOR_SHAPES_CLASSES = ['disc', 'square', 'triangle', 'ring'] as const;

/** Images per split of `--data color-shapes` (32 x 32 RGB). */
export const COLOR_SHAPES_SIZES = { train: 1000, test: 250 } as const;

const SIDE = 32;
/** Hue (degrees) of each class: red discs, green squares, blue triangles, yellow rings. */
const HUES = [0, 120, 240, 55];
/** A fixed stream per split, so that every run (and every --limit prefix) sees the same images. */
const SPLIT_SEEDS = { train: 1, test: 2 } as const;

function hsvToRgb(hue: number, saturation: number, value: number): [number, number, number] {
  const h = (((hue % 360) + 360) % 360) / 60;
  const c = value * saturation;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = value - c;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}

/** Whether pixel (x, y) lies in a shape of class `k` centred at (cx, cy) with radius r. */
function inside(k: number, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  const d2 = dx * dx + dy * dy;
  switch (k) {
    case 0:
      return d2 <= r * r;
    case 1:
      return Math.abs(dx) <= 0.8 * r && Math.abs(dy) <= 0.8 * r;
    case 2:
      // Apex up: the half-width grows from 0 at the top to 0.9 r at the base.
      return dy >= -r && dy <= 0.8 * r && Math.abs(dx) <= (0.9 * (dy + r)) / 1.8;
    default:
      return d2 <= r * r && d2 >= 0.3 * r * r;
  }
}

/** One image: a grey, noisy, shaded background and a shape of class `k` in its class's hue (random shade). */
function drawImage(k: number, rng: Rng, out: Float32Array, offset: number): void {
  const grey = rng.uniform(0.2, 0.8);
  const slope = [rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01)];
  const r = rng.uniform(6, 10);
  const cx = rng.uniform(r, SIDE - r);
  const cy = rng.uniform(r, SIDE - r);
  // Lightness varies per image, so that the grey input does not give the class away: the shape does.
  const color = hsvToRgb((HUES[k] ?? 0) + rng.uniform(-12, 12), rng.uniform(0.6, 1), rng.uniform(0.45, 1));
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const p = offset + (y * SIDE + x) * 3;
      const noise = rng.normal(0, 0.03);
      if (inside(k, x + 0.5, y + 0.5, cx, cy, r)) {
        for (let c = 0; c < 3; c++) out[p + c] = Math.min(1, Math.max(0, (color[c] ?? 0) + noise));
      } else {
        const v = Math.min(1, Math.max(0, grey + slope[0]! * (x - SIDE / 2) + slope[1]! * (y - SIDE / 2) + noise));
        out[p] = v;
        out[p + 1] = v;
        out[p + 2] = v;
      }
    }
  }
}

/**
 * `--data color-shapes`: a small generated set of 32 x 32 color images for trying color methods (colorization,
 * split-brain) without files. Four classes ({@link COLOR_SHAPES_CLASSES}), each a shape in its own hue (jittered, of
 * random saturation and brightness, at a random place and size) on a grey background with a gradient and pixel noise;
 * classes alternate, so any prefix is balanced. 1 000 training and 250 test images, the same on every run (fixed seeds
 * of the selfsup generator). A toy: the hue alone gives the class away to raw pixels, so it tests that a method runs,
 * not how good its features are. Needs an initialised backend.
 */
export function colorShapes(split: 'train' | 'test', options: { readonly limit?: number } = {}): ImageDataset {
  if (split !== 'train' && split !== 'test') invalidArgument('split', '"train" or "test"', split);
  assertOptions('options', options);
  const full = COLOR_SHAPES_SIZES[split];
  const limit = options.limit ?? full;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) invalidArgument('options.limit', 'an integer >= 1', options.limit);
  const n = Math.min(limit, full);
  const rng = createRng(SPLIT_SEEDS[split]);
  const pixels = new Float32Array(n * SIDE * SIDE * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % COLOR_SHAPES_CLASSES.length;
    drawImage(labels[i]!, rng, pixels, i * SIDE * SIDE * 3);
  }
  return tensorDataset(tf.tensor4d(pixels, [n, SIDE, SIDE, 3]), labels, {
    name: `color-shapes-${split}${n < full ? `[:${n}]` : ''}`,
    classNames: [...COLOR_SHAPES_CLASSES],
  });
}
