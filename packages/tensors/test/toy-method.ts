import * as tf from '@tensorflow/tfjs-core';
import type { Encoder, SSLMethod } from '../src/index.js';
import { createRng, namedVariable } from '../src/index.js';

/** A linear autoencoder as an SSLMethod: enough to exercise fit without the other packages. */
export function toyMethod(inputShape: [number, number, number], dim = 4, seed = 1, options: { randomNoise?: boolean } = {}): SSLMethod {
  const d = inputShape[0] * inputShape[1] * inputShape[2];
  const rng = createRng(seed);
  const w = namedVariable('encoder/w', tf.tensor2d(rng.normalArray(d * dim, 0, 0.1), [d, dim]));
  const counter = namedVariable('state/steps', tf.scalar(0, 'int32'), false);
  const encoder: Encoder = {
    architecture: 'toyLinear',
    config: { inputShape, dim },
    inputShape,
    outputDim: dim,
    variables: [w],
    apply: (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], d]), w.variable)),
    dispose: () => w.variable.dispose(),
  };
  return {
    name: 'toy',
    encoder,
    config: { dim },
    variables: [w, counter],
    loss(batch, context) {
      return tf.tidy(() => {
        let x = tf.reshape(batch.images, [batch.images.shape[0], d]);
        // Draw from the run's rng so resumed runs must restore its state to match.
        if (options.randomNoise) x = tf.add(x, tf.mul(tf.randomNormal(x.shape, 0, 1, 'float32', context.rng.seed()), 0.01));
        const z = tf.matMul(x, w.variable);
        const back = tf.matMul(z, w.variable, false, true);
        return tf.mean(tf.square(tf.sub(back, x))) as tf.Scalar;
      });
    },
    afterStep() {
      tf.tidy(() => counter.variable.assign(tf.add(counter.variable, tf.scalar(1, 'int32'))));
    },
    dispose() {
      w.variable.dispose();
      counter.variable.dispose();
    },
  };
}

/** Random images in [0, 1] with low-rank structure (so the toy autoencoder can learn). */
export function randomImages(n: number, shape: [number, number, number], seed = 2): tf.Tensor4D {
  const rng = createRng(seed);
  const d = shape[0] * shape[1] * shape[2];
  return tf.tidy(() => {
    const basis = tf.tensor2d(rng.uniformArray(3 * d), [3, d]);
    const coef = tf.tensor2d(rng.uniformArray(n * 3), [n, 3]);
    return tf.reshape(tf.div(tf.matMul(coef, basis), 3), [n, ...shape]) as tf.Tensor4D;
  });
}
