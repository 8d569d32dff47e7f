// Renders docs/augment.png: SimCLR views, the four RotNet rotations, a relative-location patch grid, a jigsaw
// puzzle, inpainting masks and a Lab round trip of one real photo.
// Run from packages/augment: npx tsx scripts/render.ts [--image path/to/photo.png] [--out docs/augment.png]
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const tf = await import('@tensorflow/tfjs-core');
const { createRng, imageGrid, initBackend } = await import('@selfsup/tensors');
const { readImage, writePng } = await import('@selfsup/tensors/node');
const A = await import('../src/index.js');
type Tensor3D = import('@tensorflow/tfjs-core').Tensor3D;
type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const imagePath = arg('--image', path.resolve(here, '../../../../shared/data/images/fruits.png'));
const outPath = arg('--out', path.resolve(here, '../docs/augment.png'));

await initBackend();
const CELL = 72;
const COLUMNS = 6;
const rng = createRng(2024);

/** Pads to a square with white and resizes to CELL x CELL (grey becomes RGB). */
function cell(image: Tensor3D | Tensor4D): Tensor4D {
  return tf.tidy(() => {
    let x = (image.rank === 3 ? tf.expandDims(image, 0) : image) as Tensor4D;
    if (x.shape[3] === 1) x = tf.tile(x, [1, 1, 1, 3]);
    const [, h, w] = x.shape;
    const side = Math.max(h, w);
    const top = Math.floor((side - h) / 2);
    const left = Math.floor((side - w) / 2);
    x = tf.pad(x, [[0, 0], [top, side - h - top], [left, side - w - left], [0, 0]], 1);
    return tf.image.resizeBilinear(x, [CELL, CELL], false, true);
  });
}

/** One row of cells, padded with white to COLUMNS. */
function row(cells: Tensor4D[]): Tensor4D {
  return tf.tidy(() => {
    const all = tf.concat(cells, 0);
    const missing = COLUMNS - all.shape[0];
    return (missing > 0 ? tf.concat([all, tf.ones([missing, CELL, CELL, 3])], 0) : all) as Tensor4D;
  });
}

const photo = await readImage(imagePath, { channels: 3 });
const rows: Tensor4D[] = [];
tf.tidy(() => {
  // A centred square crop, 96 pixels: the size the puzzles work at.
  const [h, w] = photo.shape;
  const side = Math.min(h, w);
  const square = tf.image.resizeBilinear(
    tf.slice(tf.expandDims(photo, 0), [0, Math.floor((h - side) / 2), Math.floor((w - side) / 2), 0], [1, side, side, 3]) as Tensor4D,
    [96, 96],
    false,
    true,
  ) as Tensor4D;

  // Row 1: the photo and five SimCLR views (ImageNet setting: strength 1, blur).
  const simclr = A.simclrTransform({ size: [96, 96] });
  const views = A.multiView(simclr, 5)(square, rng);
  rows.push(row([cell(square), ...views.map((v) => cell(v))]));

  // Row 2: RotNet's four rotations, a continuous rotation zoomed to hide the corners, a MoCo v2 view.
  const { images: rotations } = A.rotNetBatch(square);
  const turned = A.rotateImages(square, 0.5, { zoomToFit: true });
  rows.push(row([cell(rotations), cell(turned), cell(A.mocoV2Transform({ size: [96, 96] })(square, rng))]));

  // Row 3: the relative-location grid (Doersch), a pair, a jigsaw puzzle and its solution, BYOL's second view.
  const grid = A.patchGrid(square, rng, { normalize: false });
  const gridImage = imageGrid(tf.reshape(grid.patches, [9, grid.layout.patchSize, grid.layout.patchSize, 3]) as Tensor4D, 3, { padding: 4 });
  const pair = A.relativeLocationPairs(square, rng, { normalize: false });
  const perms = A.jigsawPermutations(100, { rng });
  const puzzle = A.jigsawPuzzle(square, perms, rng, { normalize: false });
  const label = puzzle.labels.dataSync()[0]!;
  const [, , t, , c] = puzzle.tiles.shape;
  const tiles = tf.reshape(puzzle.tiles, [9, t, t, c]) as Tensor4D;
  const solved = tf.reshape(A.applyPermutation(puzzle.tiles, A.invertPermutation(perms[label]!)), tiles.shape) as Tensor4D;
  rows.push(
    row([
      cell(gridImage),
      cell(pair.first),
      cell(pair.second),
      cell(imageGrid(tiles, 3, { padding: 3 })),
      cell(imageGrid(solved, 3, { padding: 3 })),
      cell(A.byolTransforms({ size: [96, 96] })[1](square, rng)),
    ]),
  );

  // Row 4: inpainting: the Context Encoders centre hole (mean fill), its loss weights (hole 1, 4-pixel overlap band
  // 10), random blocks, a random blob mask and the blobs filled with grey.
  const centre = A.centerMask(1, [96, 96]);
  const blocks = A.randomRectangleMasks(1, [96, 96], rng);
  const blobs = A.randomBlobMasks(1, [96, 96], rng, { holeFraction: 0.25 });
  rows.push(
    row([
      cell(A.applyMask(square, centre, { fill: A.CONTEXT_ENCODER_FILL as unknown as number[] })),
      cell(tf.div(A.inpaintingLossWeights(centre), 10) as Tensor4D),
      cell(A.applyMask(square, blocks, { fill: 'mean' })),
      cell(tf.sub(1, blocks) as Tensor4D),
      cell(tf.sub(1, blobs) as Tensor4D),
      cell(A.applyMask(square, blobs, { fill: 0.5 })),
    ]),
  );

  // Row 5: Lab: L, a and b (scaled to [0, 1]), the round trip, and the color quantised to the in-gamut ab bins.
  const lab = A.rgbToLab(square);
  const [l, a, b] = tf.split(lab, 3, 3) as [Tensor4D, Tensor4D, Tensor4D];
  const back = A.labToRgb(lab);
  const bins = A.abBins();
  const q = A.quantizeAb(tf.concat([a, b], 3)).dataSync();
  const quantisedAb = tf.tensor4d(Float32Array.from(Array.from(q).flatMap((k) => [...bins[k]!])), [1, 96, 96, 2]);
  const quantised = A.labToRgb(tf.concat([l, quantisedAb], 3));
  rows.push(
    row([
      cell(tf.div(l, 100) as Tensor4D),
      cell(tf.clipByValue(tf.add(tf.div(a, 220), 0.5), 0, 1) as Tensor4D),
      cell(tf.clipByValue(tf.add(tf.div(b, 220), 0.5), 0, 1) as Tensor4D),
      cell(back as Tensor4D),
      cell(quantised as Tensor4D),
      cell(square),
    ]),
  );
  rows.forEach((r) => tf.keep(r));
});

// Tile all cells: 5 rows of 6.
const all = tf.concat(rows, 0) as Tensor4D;
const picture = imageGrid(all, COLUMNS, { padding: 4 });
await writePng(outPath, picture);
console.log(`wrote ${path.relative(process.cwd(), outPath)} (${picture.shape[1]}x${picture.shape[0]}) from ${path.basename(imagePath)}`);
tf.dispose([photo, all, picture, ...rows]);
