/**
 * Makes an image-caption folder for CLIP (`selfsup pretrain --method clip --data captions:<out>`) from Fashion-MNIST or
 * MNIST: each 28 x 28 image is transformed at random (turned by a multiple of 90 degrees, shrunk, moved, dimmed), and
 * its caption is composed from the class (a name drawn from a few synonyms) and attributes measured on the result:
 *
 *   "a small dark sneaker in the upper left, turned left"      "upside down: a large bright handbag, in the center"
 *
 * - class: a synonym of the class name (Fashion-MNIST: "trainer" / "running shoe" for Sneaker, ...; MNIST: "the
 *   digit seven", "a handwritten 7", ...), so the captions do name the class: CLIP on them is weakly label-supervised;
 * - size: the ink's bounding box over the 28 x 28 canvas (< 30 %: small, < 60 %: medium, else large), after the shrink;
 * - brightness: the mean of the ink pixels (> 0.1) (< 0.3: dark, < 0.55: grey, else bright), after the dimming;
 * - position: the ink's intensity-weighted centroid in thirds of the canvas (upper left ... lower right, center);
 * - rotation: the turn applied (upright, turned right, upside down, turned left).
 * Each attribute is left out with probability 0.2; the order of the phrases varies. Every random choice comes from
 * createRng(seed). captions.jsonl gets one line per image: {"image", "caption", "label"} (label: the class name, for
 * the online monitor only; CLIP does not read it).
 *
 *   npx tsx --conditions=@selfsup/source scripts/caption-folder.ts --source fashion-mnist --split train --limit 10000 --out /tmp/fashion-captions
 *   npx tsx --conditions=@selfsup/source scripts/caption-folder.ts --source mnist --limit 32 --out ../cli/test/fixtures/captions   # the CLI's test fixture
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type ImageDataset, type Rng, createRng, initBackend } from '@selfsup/tensors';
import { FASHION_MNIST_CLASSES, loadFashionMnist, loadMnist, writePng } from '@selfsup/tensors/node';
import { DIGITS, FASHION_NAMES } from './caption-names.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const source = arg('source', 'fashion-mnist');
const split = arg('split', 'train') as 'train' | 'test';
const limit = Number(arg('limit', '10000'));
const out = arg('out', '');
const seed = Number(arg('seed', '0'));
if (out === '') throw new Error('--out <dir> is required');
if (!['train', 'test'].includes(split)) throw new Error(`--split must be train or test; got ${split}`);

const SIZE = 28;
const ROTATIONS = ['upright', 'turned right', 'upside down', 'turned left'] as const;

/** Turns a square image by k quarter turns clockwise. */
function rotate(pixels: Float32Array, k: number): Float32Array {
  const outPixels = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const [sy, sx] = k === 0 ? [y, x] : k === 1 ? [SIZE - 1 - x, y] : k === 2 ? [SIZE - 1 - y, SIZE - 1 - x] : [x, SIZE - 1 - y];
      outPixels[y * SIZE + x] = pixels[sy * SIZE + sx] as number;
    }
  }
  return outPixels;
}

/** Shrinks to side `side` (bilinear, align-corners) and pastes at (top, left) on a black canvas. */
function shrinkAndPlace(pixels: Float32Array, side: number, top: number, left: number): Float32Array {
  const canvas = new Float32Array(SIZE * SIZE);
  const scale = side > 1 ? (SIZE - 1) / (side - 1) : 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const [fy, fx] = [y * scale, x * scale];
      const [y0, x0] = [Math.floor(fy), Math.floor(fx)];
      const [y1, x1] = [Math.min(y0 + 1, SIZE - 1), Math.min(x0 + 1, SIZE - 1)];
      const [dy, dx] = [fy - y0, fx - x0];
      const at = (yy: number, xx: number) => pixels[yy * SIZE + xx] as number;
      const v = (1 - dy) * ((1 - dx) * at(y0, x0) + dx * at(y0, x1)) + dy * ((1 - dx) * at(y1, x0) + dx * at(y1, x1));
      canvas[(top + y) * SIZE + left + x] = v;
    }
  }
  return canvas;
}

/** Size, brightness and position measured on the final image. */
function measure(pixels: Float32Array): { size: string; brightness: string; position: string } {
  let [minX, minY, maxX, maxY] = [SIZE, SIZE, -1, -1];
  let [inkSum, inkCount, weight, cx, cy] = [0, 0, 0, 0, 0];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = pixels[y * SIZE + x] as number;
      weight += v;
      cx += v * x;
      cy += v * y;
      if (v > 0.1) {
        [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
        inkSum += v;
        inkCount += 1;
      }
    }
  }
  const area = inkCount > 0 ? ((maxX - minX + 1) * (maxY - minY + 1)) / (SIZE * SIZE) : 0;
  const size = area < 0.3 ? 'small' : area < 0.6 ? 'medium' : 'large';
  const mean = inkCount > 0 ? inkSum / inkCount : 0;
  const brightness = mean < 0.3 ? 'dark' : mean < 0.55 ? 'grey' : 'bright';
  const third = (c: number) => (c < SIZE / 3 ? 0 : c < (2 * SIZE) / 3 ? 1 : 2);
  const [col, row] = weight > 0 ? [third(cx / weight), third(cy / weight)] : [1, 1];
  const vertical = ['upper', 'middle', 'lower'][row] as string;
  const horizontal = ['left', 'center', 'right'][col] as string;
  const position =
    row === 1 && col === 1 ? 'in the center' : row === 1 ? `on the ${horizontal}` : col === 1 ? `at the ${row === 0 ? 'top' : 'bottom'}` : `in the ${vertical} ${horizontal}`;
  return { size, brightness, position };
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/** One caption: the class name (a synonym) with the attributes, each kept with p 0.8, in a varying order. */
function caption(rng: Rng, label: number, attributes: { size: string; brightness: string; position: string; rotation: string }): string {
  const keep = () => rng.bernoulli(0.8);
  const adjectives = [keep() ? attributes.size : '', keep() ? attributes.brightness : ''].filter((a) => a !== '');
  let noun: string;
  if (source === 'mnist') {
    const digit = DIGITS[label] as string;
    noun = rng.choice([`digit ${digit}`, `handwritten ${label}`, `number ${digit}`]);
  } else noun = rng.choice(FASHION_NAMES[label] as readonly string[]);
  const head = [...adjectives, noun].join(' ');
  const subject = `${article(head)} ${head}`;
  const tail = rng.shuffle([keep() ? attributes.position : '', keep() ? attributes.rotation : ''].filter((p) => p !== ''));
  if (tail.length > 0 && rng.bernoulli(0.25)) return `${tail[0]}: ${[subject, ...tail.slice(1)].join(', ')}`;
  return [subject, ...tail].join(rng.bernoulli(0.5) ? ', ' : ' ');
}

await initBackend();
const data: ImageDataset =
  source === 'mnist'
    ? loadMnist(split, { limit })
    : source.startsWith('fashion-mnist')
      ? await loadFashionMnist(split, { limit, ...(source.includes(':') ? { dir: source.slice(source.indexOf(':') + 1) } : {}) })
      : (() => {
          throw new Error(`--source must be mnist or fashion-mnist[:dir]; got ${source}`);
        })();
const classNames = source === 'mnist' ? DIGITS : FASHION_MNIST_CLASSES;
const batch = await data.getBatch(Array.from({ length: data.size }, (_, i) => i));
const images = batch.images.dataSync() as Float32Array;
const labels = Array.from(batch.labels?.dataSync() ?? []);
tf.dispose([batch.images, batch.labels]);
data.dispose?.();

const rng = createRng(seed);
await fs.mkdir(path.join(out, 'images'), { recursive: true });
const lines: string[] = [];
for (let i = 0; i < labels.length; i++) {
  const label = labels[i] as number;
  // Upright half of the time, so that the untransformed test images are not out of the training distribution.
  const turn = rng.bernoulli(0.5) ? 0 : rng.int(1, 4);
  const side = Math.round(SIZE * rng.uniform(0.55, 1));
  const [top, left] = [rng.int(0, SIZE - side + 1), rng.int(0, SIZE - side + 1)];
  const dim = rng.uniform(0.35, 1);
  const placed = shrinkAndPlace(rotate(images.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE), turn), side, top, left).map((v) => v * dim);
  const text = caption(rng, label, { ...measure(placed), rotation: ROTATIONS[turn] as string });
  const file = `images/${String(i).padStart(5, '0')}.png`;
  const image = tf.tensor3d(placed, [SIZE, SIZE, 1]);
  await writePng(path.join(out, file), image);
  image.dispose();
  lines.push(JSON.stringify({ image: file, caption: text, label: classNames[label] }));
}
await fs.writeFile(path.join(out, 'captions.jsonl'), `${lines.join('\n')}\n`);
console.log(`${lines.length} image-caption pairs from ${source} ${split} (seed ${seed}) in ${out}, e.g.\n  ${lines.slice(0, 3).join('\n  ')}`);
