import * as tf from '@tensorflow/tfjs-core';
import { type JigsawPuzzle, assertPermutation, jigsawPermutations, jigsawPuzzle } from '@selfsup/augment';
import { type Head, encodePatches } from '@selfsup/encoders';
import type { Batch, Encoder, Rng, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { assertInteger, assertOptions, createRng, invalidArgument, sparseCrossEntropy, KeptTensors, accuracyTensor, disposeAll, methodVariables } from '@selfsup/tensors';
import { hiddenSizes } from '../internal/hidden-sizes.js';
import { pretextHead } from '../nets/classifier-head.js';
import { assertEncoder, wholeImageEncoder } from '../nets/whole-image-encoder.js';
import { fitPatchesToEncoder } from './relative-patch-location.js';

export interface JigsawOptions {
  /** The shared tile encoder. A fixed-size encoder gets the tiles resized to its input. */
  readonly encoder: Encoder;
  /**
   * The permutation set: its size (2..1000, drawn with `jigsawPermutations`, maximal Hamming distance) or the
   * permutations themselves. Default 100.
   */
  readonly permutations?: number | readonly (readonly number[])[];
  /** Seeds the drawing of the permutation set (not the training randomness). Default 0. */
  readonly permutationSeed?: number;
  /** Tiles per puzzle when the set is drawn: 9 (3x3, default) or 4 (2x2). */
  readonly tiles?: number;
  /** Tile side in pixels. Default: the cell side less max(`minTileSlack`, round(`tileSlack` x cell side)). */
  readonly tileSize?: number;
  /**
   * Share of the cell side a default-sized tile leaves free for its random crop, against edge continuity. Default
   * 11/75: Noroozi & Favaro's 64-pixel tiles in 75-pixel cells.
   */
  readonly tileSlack?: number;
  /** Least free pixels a default-sized tile leaves in its cell. Default 2 (7-pixel tiles in the 9-pixel cells of 28-pixel images). */
  readonly minTileSlack?: number;
  /** Standardise every tile on its own (default true), against low-level shortcuts; the probe encoder does the same. */
  readonly normalize?: boolean;
  /** Hidden layers of the classifier over the concatenated tiles (their fc7). Default [512]. */
  readonly hiddenDims?: readonly number[];
  /** [H, W] the probe encoder resizes whole images to. Default: none for fully convolutional tile encoders. */
  readonly probeSize?: readonly [number, number];
  readonly seed?: number;
}

export interface Jigsaw extends SSLMethod {
  readonly tileEncoder: Encoder;
  readonly head: Head;
  /** The permutation set; label k means the tiles come in the order `permutations[k]`. */
  readonly permutations: readonly (readonly number[])[];
  /** The puzzles of a batch. */
  samples(images: tf.Tensor4D, rng: Rng): JigsawPuzzle;
}

/**
 * Jigsaw puzzles (Noroozi & Favaro 2016, "Unsupervised Learning of Visual Representations by Solving Jigsaw
 * Puzzles"): each image is cut into a 3x3 grid of tiles (each a random crop of its cell, with at least 2 pixels and
 * 11/75 of the cell to move in), shuffled by one permutation
 * of a fixed set of maximal Hamming distance, the tiles go through one shared encoder, their features are
 * concatenated in the shuffled order and a head classifies which permutation was used. The exposed `encoder` is the
 * tile encoder applied to whole images, standardised like the tiles. Metric: `accuracy`.
 */
export function jigsaw(options: JigsawOptions): Jigsaw {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with an encoder', options);
  const tileEncoder = options.encoder;
  assertEncoder('options.encoder', tileEncoder);
  const permutationSeed = options.permutationSeed ?? 0;
  assertInteger('options.permutationSeed', permutationSeed);
  const spec = options.permutations ?? 100;
  let permutations: number[][];
  if (typeof spec === 'number') {
    assertInteger('options.permutations', spec, 2, 1000);
    permutations = jigsawPermutations(spec, { rng: createRng(permutationSeed), tiles: options.tiles ?? 9 });
  } else {
    if (!Array.isArray(spec) || spec.length < 2) invalidArgument('options.permutations', 'a count or at least two permutations', spec);
    const t = spec[0]?.length ?? 0;
    spec.forEach((p, i) => assertPermutation(`options.permutations[${i}]`, p, t));
    permutations = spec.map((p) => [...p]);
  }
  const tiles = permutations[0]!.length;
  const normalize = options.normalize ?? true;
  if (typeof normalize !== 'boolean') invalidArgument('options.normalize', 'a boolean', normalize);
  if (options.tileSize !== undefined) assertInteger('options.tileSize', options.tileSize, 1);
  if (options.tileSlack !== undefined && (typeof options.tileSlack !== 'number' || !(options.tileSlack >= 0 && options.tileSlack < 1))) {
    invalidArgument('options.tileSlack', 'a number in [0, 1)', options.tileSlack);
  }
  if (options.minTileSlack !== undefined) assertInteger('options.minTileSlack', options.minTileSlack, 0);
  const slackOptions = {
    ...(options.tileSize !== undefined ? { tileSize: options.tileSize } : {}),
    ...(options.tileSlack !== undefined ? { tileSlack: options.tileSlack } : {}),
    ...(options.minTileSlack !== undefined ? { minTileSlack: options.minTileSlack } : {}),
  };
  const hiddenDims = hiddenSizes('options.hiddenDims', options.hiddenDims, [512]);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const head = pretextHead(tiles * tileEncoder.outputDim, permutations.length, hiddenDims, { seed, preset: 'jigsaw' });
  const encoder = wholeImageEncoder(tileEncoder, {
    standardize: normalize,
    ...(options.probeSize !== undefined ? { resizeTo: options.probeSize } : {}),
  });
  const variables = methodVariables([
    { prefix: 'encoder', module: tileEncoder },
    { prefix: 'head', module: head },
  ]);
  const kept = new KeptTensors<'accuracy'>();
  const puzzleOptions = { normalize, ...slackOptions };
  const samples = (images: tf.Tensor4D, rng: Rng) => jigsawPuzzle(images, permutations, rng, puzzleOptions);
  return {
    name: 'jigsaw',
    encoder,
    tileEncoder,
    head,
    permutations,
    config: {
      permutations: typeof spec === 'number' ? spec : permutations,
      permutationSeed,
      tiles,
      normalize,
      hiddenDims,
      seed,
      ...slackOptions,
      ...(options.probeSize !== undefined ? { probeSize: [...options.probeSize] } : {}),
    },
    variables,
    samples,
    loss(batch: Batch, context: StepContext): tf.Scalar {
      const puzzle = samples(batch.images, context.rng);
      try {
        return tf.tidy(() => {
          const [n, t, th, tw, c] = puzzle.tiles.shape;
          let flat = tf.reshape(puzzle.tiles, [n * t, th, tw, c]) as tf.Tensor4D;
          flat = fitPatchesToEncoder(flat, tileEncoder);
          const perTile = encodePatches(tileEncoder, tf.reshape(flat, [n, t, ...flat.shape.slice(1)]), { training: true });
          const logits = head.apply(tf.reshape(perTile, [n, t * tileEncoder.outputDim]) as tf.Tensor2D, { training: true });
          kept.set('accuracy', accuracyTensor(logits, puzzle.labels));
          return sparseCrossEntropy(logits, puzzle.labels) as tf.Scalar;
        });
      } finally {
        tf.dispose([puzzle.tiles, puzzle.labels]);
      }
    },
    metrics(): StepMetrics {
      return { accuracy: kept.scalar('accuracy') };
    },
    dispose() {
      disposeAll(kept, variables);
    },
  };
}
