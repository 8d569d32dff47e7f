import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, createRng, namedVariable } from '@selfsup/tensors';

/** A tiny third-party-style Encoder: a fixed random projection of the flattened input, with one variable. */
export function randomProjectionEncoder(imageShape: readonly [number, number, number], outputDim: number, seed: number): Encoder {
  const inputDim = imageShape[0] * imageShape[1] * imageShape[2];
  const rng = createRng(seed);
  const weights = namedVariable('projection/kernel', tf.tensor2d(rng.normalArray(inputDim * outputDim, 0, 1 / Math.sqrt(inputDim)), [inputDim, outputDim]));
  const seenTraining: boolean[] = [];
  const encoder: Encoder & { seenTraining: boolean[] } = {
    architecture: 'randomProjection',
    config: { outputDim, seed },
    inputShape: [...imageShape],
    outputDim,
    variables: [weights],
    seenTraining,
    apply(inputs, options) {
      seenTraining.push(options?.training === true);
      return tf.tidy(() => tf.matMul(tf.reshape(inputs, [inputs.shape[0] as number, inputDim]), weights.variable));
    },
    dispose() {
      weights.variable.dispose();
    },
  };
  return encoder;
}
