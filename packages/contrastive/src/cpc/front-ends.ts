import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertRank, invalidArgument } from '@selfsup/tensors';

/** How CPC cuts a batch into an ordered grid of pieces, each embedded by the encoder. */
export interface CpcFrontEnd {
  readonly kind: 'sequence' | 'image';
  /** JSON description (recorded in the method's config). */
  readonly config: { readonly [key: string]: string | number };
  /** Grid size for an input of [H, W, C]: `rows` is the prediction axis (time steps, or image rows), `cols` runs alongside. */
  grid(imageShape: readonly [number, number, number]): { readonly rows: number; readonly cols: number; readonly pieceShape: [number, number, number] };
  /** [N, H, W, C] -> pieces [N * rows * cols, ...pieceShape], ordered (sample, row, col). */
  split(images: tf.Tensor4D): tf.Tensor4D;
}

function sliceGrid(images: tf.Tensor4D, starts: readonly (readonly [number, number])[], size: readonly [number, number]): tf.Tensor4D {
  const [n, , , c] = images.shape;
  return tf.tidy(() => {
    const pieces = starts.map(([y, x]) => tf.slice(images, [0, y, x, 0], [n, size[0], size[1], c]));
    return tf.reshape(tf.stack(pieces, 1), [n * starts.length, size[0], size[1], c]) as tf.Tensor4D;
  });
}

type Grid = ReturnType<CpcFrontEnd['grid']>;

/** A front end whose piece (row, col) starts at `start(row, col)` of the grid `grid` gives for the batch's image shape. */
function gridFrontEnd(
  config: CpcFrontEnd['config'] & { readonly kind: CpcFrontEnd['kind'] },
  grid: (imageShape: readonly [number, number, number]) => Grid,
  start: (row: number, col: number) => readonly [number, number],
): CpcFrontEnd {
  return {
    kind: config.kind,
    config,
    grid,
    split(images) {
      assertRank('images', images, 4);
      const [, h, w, c] = images.shape;
      const { rows, cols, pieceShape } = grid([h, w, c]);
      const starts: (readonly [number, number])[] = [];
      for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) starts.push(start(r, q));
      return sliceGrid(images, starts, [pieceShape[0], pieceShape[1]]);
    },
  };
}

/**
 * 1-D sequences: samples stored as [H, L, C] (a signal is [1, L, C]; an image read column by column is [H, W, 1]) are
 * cut along the width into windows of `window` steps every `hop` steps; each window [H, window, C] is one time step.
 * CPC on audio (van den Oord et al. 2018, section 3.1) encodes raw windows with a strided convolution in the same way.
 */
export function cpcSequence(options: { readonly window: number; readonly hop?: number }): CpcFrontEnd {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with window', options);
  const window = options.window;
  assertInteger('options.window', window, 1);
  const hop = options.hop ?? window;
  assertInteger('options.hop', hop, 1);
  const grid = (shape: readonly [number, number, number]) => {
    const [h, w, c] = shape;
    if (w < window) invalidArgument('images', `samples at least ${window} wide (the window)`, `width ${w}`);
    return { rows: Math.floor((w - window) / hop) + 1, cols: 1, pieceShape: [h, window, c] as [number, number, number] };
  };
  return gridFrontEnd({ kind: 'sequence', window, hop }, grid, (t) => [0, t * hop]);
}


/**
 * Images cut into an overlapping grid of square patches (CPC for images, van den Oord et al. 2018 section 3.2: 64 x 64
 * patches with 32 pixels of overlap on 256 x 256 images). Context from the rows above predicts the rows below.
 */
export function cpcImage(options: { readonly patchSize: number; readonly stride?: number }): CpcFrontEnd {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with patchSize', options);
  const patchSize = options.patchSize;
  assertInteger('options.patchSize', patchSize, 1);
  const stride = options.stride ?? Math.max(1, Math.floor(patchSize / 2));
  assertInteger('options.stride', stride, 1);
  const grid = (shape: readonly [number, number, number]) => {
    const [h, w, c] = shape;
    if (h < patchSize || w < patchSize) invalidArgument('images', `images at least ${patchSize} x ${patchSize}`, `${h} x ${w}`);
    return {
      rows: Math.floor((h - patchSize) / stride) + 1,
      cols: Math.floor((w - patchSize) / stride) + 1,
      pieceShape: [patchSize, patchSize, c] as [number, number, number],
    };
  };
  return gridFrontEnd({ kind: 'image', patchSize, stride }, grid, (r, q) => [r * stride, q * stride]);
}

/**
 * Rebuilds a front end from its recorded `config` (`{ kind: 'image', patchSize, stride }` or `{ kind: 'sequence',
 * window, hop }`), as a saved CPC encoder records it. `name` names the argument in messages.
 */
export function cpcFrontEndFromConfig(config: unknown, name = 'config'): CpcFrontEnd {
  const c = config as { kind?: unknown; patchSize?: unknown; stride?: unknown; window?: unknown; hop?: unknown } | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) invalidArgument(name, "a CPC front end's config { kind: 'image' | 'sequence', ... }", config);
  if (c.kind === 'image') return cpcImage({ patchSize: c.patchSize as number, ...(c.stride !== undefined ? { stride: c.stride as number } : {}) });
  if (c.kind === 'sequence') return cpcSequence({ window: c.window as number, ...(c.hop !== undefined ? { hop: c.hop as number } : {}) });
  return invalidArgument(`${name}.kind`, '"image" or "sequence"', c.kind);
}
