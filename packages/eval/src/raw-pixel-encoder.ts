import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, assertInteger, invalidArgument } from '@selfsup/tensors';

/**
 * The raw-pixels baseline as an Encoder: flattens [N, H, W, C] images into [N, H*W*C] vectors. It owns no variables,
 * so it is what "no representation learning at all" scores under the same probes.
 */
export function rawPixelEncoder(imageShape: readonly [number, number, number]): Encoder {
  if (!Array.isArray(imageShape) || imageShape.length !== 3) invalidArgument('imageShape', 'an [H, W, C] array', imageShape);
  imageShape.forEach((d, i) => {
    assertInteger(`imageShape[${i}]`, d, 1);
  });
  const [h, w, c] = imageShape;
  const outputDim = h * w * c;
  return {
    architecture: 'rawPixels',
    config: { imageShape: [h, w, c] },
    inputShape: [h, w, c],
    outputDim,
    variables: [],
    apply(inputs: tf.Tensor): tf.Tensor2D {
      if (inputs.rank !== 4 || inputs.shape[1] !== h || inputs.shape[2] !== w || inputs.shape[3] !== c) {
        invalidArgument('inputs', `a [N, ${h}, ${w}, ${c}] tensor`, inputs);
      }
      return tf.reshape(inputs, [inputs.shape[0] as number, outputDim]);
    },
    dispose() {},
  };
}
