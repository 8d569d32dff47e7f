// Node-only parts: writing pictures to files. Kept out of the main entry so that browsers can import it.
import type * as tf from '@tensorflow/tfjs-core';
import type { MaskBatch } from '@selfsup/augment';
import { writePng } from '@selfsup/tensors/node';
import type { Colorization } from './methods/colorization.js';
import type { Inpainting } from './methods/inpainting.js';
import { type ExampleGridOptions, colorizationExamples, inpaintingExamples } from './pictures/example-grids.js';

/** Writes `inpaintingExamples` (original | input with hole | completion, per example) as a PNG. */
export async function writeInpaintingPng(
  file: string,
  method: Inpainting,
  images: tf.Tensor4D,
  masks: MaskBatch,
  options: ExampleGridOptions = {},
): Promise<void> {
  const picture = inpaintingExamples(method, images, masks, options);
  try {
    await writePng(file, picture);
  } finally {
    picture.dispose();
  }
}

/** Writes `colorizationExamples` (lightness | colorized | original, per example) as a PNG. */
export async function writeColorizationPng(file: string, method: Colorization, images: tf.Tensor4D, options: ExampleGridOptions = {}): Promise<void> {
  const picture = colorizationExamples(method, images, options);
  try {
    await writePng(file, picture);
  } finally {
    picture.dispose();
  }
}

export type { ExampleGridOptions } from './pictures/example-grids.js';
