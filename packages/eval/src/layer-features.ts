import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertRank, invalidArgument, assertTensor } from '@selfsup/tensors';

/**
 * Default bound on the size of a pooled feature map: about 9,000 dimensions, the budget of the per-layer linear probes
 * of Zhang et al. 2016 ("Colorful Image Colorization", sec. 3.2: feature maps resized to ~9k dimensions) that
 * Noroozi & Favaro 2016 (Jigsaw), Gidaris et al. 2018 (RotNet) and Goyal et al. 2019 ("Scaling and Benchmarking
 * Self-Supervised Visual Representation Learning": adaptive average pooling to ~9k dimensions) report with.
 */
export const DEFAULT_LAYER_DIM = 9216;

/**
 * The grid a [H, W, C] feature map is average-pooled to before a probe: the largest g such that
 * C * min(g, H) * min(g, W) <= maxDim, i.e. a g x g grid (at most the map itself), so the pooled map has at most
 * `maxDim` dimensions; when even one cell has more channels than that (C > maxDim), a global average pool (1 x 1),
 * with C dimensions. Returns [gh, gw].
 */
export function poolingGrid(shape: readonly [number, number, number], maxDim: number = DEFAULT_LAYER_DIM): [number, number] {
  if (!Array.isArray(shape) || shape.length !== 3) invalidArgument('shape', 'an [H, W, C] array', shape);
  shape.forEach((d, i) => assertInteger(`shape[${i}]`, d, 1));
  assertInteger('maxDim', maxDim, 1);
  const [h, w, c] = shape;
  let g = 1;
  while (g < Math.max(h, w) && c * Math.min(g + 1, h) * Math.min(g + 1, w) <= maxDim) g++;
  return [Math.min(g, h), Math.min(g, w)];
}

/** Cell i of n over a side of `size`: [floor(i * size / n), ceil((i + 1) * size / n)), as PyTorch's AdaptiveAvgPool2d. */
function cells(size: number, n: number): [number, number][] {
  return Array.from({ length: n }, (_, i) => [Math.floor((i * size) / n), Math.ceil(((i + 1) * size) / n)]);
}

/** Adaptive average pooling of [N, H, W, C] to [N, gh, gw, C] (cells as PyTorch's AdaptiveAvgPool2d; they may overlap). */
export function adaptiveAvgPool2d(x: tf.Tensor4D, grid: readonly [number, number]): tf.Tensor4D {
  assertRank('x', x, 4);
  const [, h, w] = x.shape;
  if (!Array.isArray(grid) || grid.length !== 2) invalidArgument('grid', 'a [gh, gw] pair', grid);
  assertInteger('grid[0]', grid[0], 1, h);
  assertInteger('grid[1]', grid[1], 1, w);
  const [gh, gw] = grid;
  return tf.tidy(() => {
    if (gh === h && gw === w) return x.clone();
    if (gh === 1 && gw === 1) return tf.mean(x, [1, 2], true) as tf.Tensor4D;
    if (h % gh === 0 && w % gw === 0) return tf.avgPool(x, [h / gh, w / gw], [h / gh, w / gw], 'valid');
    const rows = cells(h, gh).map(([a, b]) => tf.mean(tf.slice(x, [0, a, 0, 0], [-1, b - a, -1, -1]), 1, true));
    const byRow = rows.length === 1 ? (rows[0] as tf.Tensor) : tf.concat(rows, 1);
    const cols = cells(w, gw).map(([a, b]) => tf.mean(tf.slice(byRow, [0, 0, a, 0], [-1, -1, b - a, -1]), 2, true));
    return (cols.length === 1 ? cols[0] : tf.concat(cols, 2)) as tf.Tensor4D;
  });
}

/**
 * A layer's output as probe features: [N, D] vectors as they are; [N, H, W, C] feature maps average-pooled to the
 * {@link poolingGrid} of `maxDim` and flattened, [N, gh * gw * C]. The caller owns the result.
 */
export function poolLayerFeatures(x: tf.Tensor, maxDim: number = DEFAULT_LAYER_DIM): tf.Tensor2D {
  assertTensor('x', x as unknown);
  assertInteger('maxDim', maxDim, 1);
  if (x.rank === 2) return (x as tf.Tensor2D).clone();
  if (x.rank !== 4) invalidArgument('x', 'a layer output of rank 2 ([N, D]) or 4 ([N, H, W, C])', x);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const grid = poolingGrid([h, w, c], maxDim);
  return tf.tidy(() => tf.reshape(adaptiveAvgPool2d(x as tf.Tensor4D, grid), [n, grid[0] * grid[1] * c]));
}
