import * as tf from '@tensorflow/tfjs-core';
import type { MaskBatch } from '@selfsup/augment';
import { assertInteger, assertOptions, imageGrid, invalidArgument } from '@selfsup/tensors';
import { assertColorImages, splitLab } from '../color/lab-channels.js';
import type { Colorization } from '../methods/colorization.js';
import type { Inpainting } from '../methods/inpainting.js';

export interface ExampleGridOptions {
  /** Examples side by side per row (each example is a group of panels). Default 1. */
  readonly examplesPerRow?: number;
  /** Nearest-neighbour enlargement of every panel. Default 1. */
  readonly scale?: number;
  /** White pixels between panels. Default 2. */
  readonly padding?: number;
}

function grid(panels: tf.Tensor4D[], options: ExampleGridOptions): tf.Tensor3D {
  assertOptions('options', options);
  const perRow = options.examplesPerRow ?? 1;
  const scale = options.scale ?? 1;
  assertInteger('options.examplesPerRow', perRow, 1, 64);
  assertInteger('options.scale', scale, 1, 16);
  return tf.tidy(() => {
    const [n, h, w] = panels[0]!.shape;
    const rgb = panels.map((p) => (p.shape[3] === 1 ? tf.tile(p, [1, 1, 1, 3]) : p));
    // [N, P, H, W, 3] -> example by example, its panels in order.
    let all = tf.reshape(tf.stack(rgb, 1), [n * panels.length, h, w, 3]) as tf.Tensor4D;
    if (scale > 1) all = tf.image.resizeNearestNeighbor(all, [h * scale, w * scale]);
    return imageGrid(tf.clipByValue(all, 0, 1) as tf.Tensor4D, perRow * panels.length, { padding: options.padding ?? 2 });
  });
}

/** A picture of Context Encoder results: per example, the original, the input with its hole filled, the completion. */
export function inpaintingExamples(method: Inpainting, images: tf.Tensor4D, masks: MaskBatch, options: ExampleGridOptions = {}): tf.Tensor3D {
  if (typeof method !== 'object' || method === null || typeof method.inpaint !== 'function') {
    invalidArgument('method', 'an inpainting method (from inpainting())', method);
  }
  const out = method.inpaint(images, masks);
  try {
    return grid([images, out.inputs, out.completed], options);
  } finally {
    tf.dispose([out.inputs, out.predictions, out.completed]);
  }
}

/** A picture of colorization results: per example, the grey input (its lightness), the colorized image, the original. */
export function colorizationExamples(method: Colorization, images: tf.Tensor4D, options: ExampleGridOptions = {}): tf.Tensor3D {
  if (typeof method !== 'object' || method === null || typeof method.colorize !== 'function') {
    invalidArgument('method', 'a colorization method (from colorization())', method);
  }
  assertColorImages('images', images);
  return tf.tidy(() => {
    const { lightness } = splitLab(images);
    const grey = tf.div(lightness, 100) as tf.Tensor4D;
    return grid([grey, method.colorize(images), images], options);
  });
}
