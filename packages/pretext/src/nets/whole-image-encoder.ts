import * as tf from '@tensorflow/tfjs-core';
import { defineEncoder } from '@selfsup/encoders';
import type { Encoder } from '@selfsup/tensors';
import { assertEncoder, assertInteger, assertOptions, invalidArgument } from '@selfsup/tensors';

// The Encoder check is the contract's own, from @selfsup/tensors; re-exported where this package always had it.
export { assertEncoder };

export interface WholeImageOptions {
  /**
   * Resize every image (bilinear) to this [height, width] before the patch encoder. Default: the patch encoder's input
   * size when it is fixed, else no resizing (a fully convolutional patch encoder sees the whole image as it is).
   */
  readonly resizeTo?: readonly [number, number];
  /** Standardise each image to zero mean and unit variance first, as jigsaw tiles are. Default false. */
  readonly standardize?: boolean;
}


/**
 * The encoder a patch-based task (relative location, jigsaw) hands to the probes: its shared patch encoder applied to
 * whole images, resized to the patch size when the patch encoder needs a fixed size, and standardised like the
 * training patches when asked. It owns no variables of its own: `variables` are the patch encoder's.
 */
export function wholeImageEncoder(patchEncoder: Encoder, options: WholeImageOptions = {}): Encoder {
  assertEncoder('patchEncoder', patchEncoder);
  assertOptions('options', options);
  const shape = patchEncoder.inputShape;
  if (shape.length !== 3) invalidArgument('patchEncoder', 'an image encoder (inputShape [H, W, C])', `inputShape [${shape.join(', ')}]`);
  const [ph, pw, pc] = shape as [number, number, number];
  const fixed = ph !== -1 && pw !== -1;
  const resizeTo = options.resizeTo ?? (fixed ? ([ph, pw] as const) : undefined);
  if (resizeTo !== undefined) {
    if (!Array.isArray(resizeTo) || resizeTo.length !== 2) invalidArgument('options.resizeTo', 'a [height, width] pair', resizeTo);
    assertInteger('options.resizeTo[0]', resizeTo[0], 1);
    assertInteger('options.resizeTo[1]', resizeTo[1], 1);
  }
  const standardize = options.standardize ?? false;
  if (typeof standardize !== 'boolean') invalidArgument('options.standardize', 'a boolean', standardize);
  return defineEncoder({
    architecture: 'wholeImage',
    config: {
      encoder: { architecture: patchEncoder.architecture, config: patchEncoder.config },
      resizeTo: resizeTo === undefined ? null : [...resizeTo],
      standardize,
    },
    inputShape: resizeTo !== undefined ? [-1, -1, pc] : [...shape],
    outputDim: patchEncoder.outputDim,
    variables: patchEncoder.variables,
    forward(x, training) {
      let images = x as tf.Tensor4D;
      if (resizeTo !== undefined) images = tf.image.resizeBilinear(images, [resizeTo[0], resizeTo[1]], false, true);
      if (standardize) {
        const { mean, variance } = tf.moments(images, [1, 2, 3], true);
        images = tf.div(tf.sub(images, mean), tf.sqrt(tf.add(variance, 1e-6)));
      }
      return patchEncoder.apply(images, { training });
    },
  });
}
