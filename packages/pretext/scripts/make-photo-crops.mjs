// Builds an `images:<dir>` folder (train/<class>/*.png, test/<class>/*.png) of random square crops of color photos:
// one class per photo, the task "which photo is this crop from". Each photo is cut in two at 70 % of its width: training
// crops come from the left part, test crops from the right part, so no test crop shares a pixel with a training crop.
// A crop is a square of side 32-72 px (random), at a random place in its part, flipped left-right with probability
// 1/2, and resized (bilinear) to --size. Every choice comes from the seeded generator of @selfsup/tensors (--seed).
//
//   node packages/pretext/scripts/make-photo-crops.mjs --photos /work/shared/data/images --out /tmp/photo-crops \
//     [--train 120] [--test 40] [--size 32] [--seed 0]
//
// Needs the built packages (`npx -y pnpm@10 --filter "@selfsup/cli..." build`). Refuses an --out that holds files.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend } from '@selfsup/tensors';
import { readImage, writePng } from '@selfsup/tensors/node';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
};
const integerFlag = (name, fallback) => {
  const value = Number(flag(name, String(fallback)));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be an integer >= 1; got ${flag(name, '')}`);
  return value;
};

const photos = flag('--photos');
const out = flag('--out');
if (photos === undefined || out === undefined) {
  console.error('usage: make-photo-crops.mjs --photos <dir of PNG/JPEG photos> --out <new dir> [--train 120] [--test 40] [--size 32] [--seed 0]');
  process.exit(2);
}
const perPhoto = { train: integerFlag('--train', 120), test: integerFlag('--test', 40) };
const size = integerFlag('--size', 32);
const seed = Number(flag('--seed', '0'));
/** Share of each photo's width the training crops come from; the test crops come from the rest. */
const TRAIN_SHARE = 0.7;
const SIDE = [32, 72];

const existing = await fs.readdir(out).catch(() => []);
if (existing.length > 0) {
  console.error(`--out ${out} is not empty; choose a new directory`);
  process.exit(2);
}
await initBackend();
const rng = createRng(seed);
const files = (await fs.readdir(photos)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
if (files.length === 0) throw new Error(`no PNG or JPEG photos in ${photos}`);
for (const file of files) {
  const name = path.basename(file, path.extname(file));
  const image = await readImage(path.join(photos, file), { channels: 3 });
  const [height, width] = image.shape;
  const split = Math.round(width * TRAIN_SHARE);
  const parts = { train: [0, split], test: [split, width] };
  for (const which of ['train', 'test']) {
    const [x0, x1] = parts[which];
    const largest = Math.min(SIDE[1], x1 - x0, height);
    if (largest < SIDE[0]) throw new Error(`${file}: its ${which} part (${x1 - x0} x ${height} px) is smaller than a ${SIDE[0]} px crop`);
    for (let i = 0; i < perPhoto[which]; i++) {
      const side = rng.int(SIDE[0], largest + 1);
      const x = x0 + rng.int(0, x1 - x0 - side + 1);
      const y = rng.int(0, height - side + 1);
      const flip = rng.bernoulli(0.5);
      const crop = tf.tidy(() => {
        let c = tf.image.resizeBilinear(tf.slice(image, [y, x, 0], [side, side, 3]), [size, size], true);
        if (flip) c = tf.reverse(c, 1);
        return c;
      });
      await writePng(path.join(out, which, name, `${String(i).padStart(4, '0')}.png`), crop);
      crop.dispose();
    }
  }
  image.dispose();
}
const total = files.length * (perPhoto.train + perPhoto.test);
console.log(`wrote ${total} crops of ${size}x${size} (${files.length} classes, ${perPhoto.train} train + ${perPhoto.test} test each) to ${out}`);
