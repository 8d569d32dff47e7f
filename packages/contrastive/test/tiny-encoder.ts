// A small MLP encoder implementing the Encoder contract, for tests that must not depend on @selfsup/encoders.
import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, createRng, disposeVariables, namedVariable } from '@selfsup/tensors';

export function tinyEncoder(inputShape: readonly number[], outputDim = 16, seed = 1, hidden = 32): Encoder {
  const rng = createRng(seed);
  const d = inputShape.reduce((a, b) => a * b, 1);
  const glorot = (i: number, o: number) => tf.tensor2d(rng.uniformArray(i * o, -Math.sqrt(6 / (i + o)), Math.sqrt(6 / (i + o))), [i, o]);
  const variables = [
    namedVariable('dense1/kernel', glorot(d, hidden)),
    namedVariable('dense1/bias', tf.zeros([hidden])),
    namedVariable('dense2/kernel', glorot(hidden, outputDim)),
    namedVariable('dense2/bias', tf.zeros([outputDim])),
  ];
  const [w1, b1, w2, b2] = variables.map((v) => v.variable) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  return {
    architecture: 'tinyMlp',
    config: { inputShape: [...inputShape], outputDim, hidden },
    inputShape: [...inputShape],
    outputDim,
    variables,
    apply: (x) =>
      tf.tidy(() => {
        const flat = tf.reshape(x, [x.shape[0], d]);
        return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(flat, w1 as tf.Tensor2D), b1)), w2 as tf.Tensor2D), b2) as tf.Tensor2D;
      }),
    dispose: () => disposeVariables(variables),
  };
}

/** A small MLP head (Dense-ReLU-Dense, or one Dense when hidden = 0) for method tests. */
export function tinyHead(inputDim: number, outputDim: number, seed = 2, hidden = 32) {
  const rng = createRng(seed);
  const glorot = (i: number, o: number) => tf.tensor2d(rng.uniformArray(i * o, -Math.sqrt(6 / (i + o)), Math.sqrt(6 / (i + o))), [i, o]);
  const variables =
    hidden > 0
      ? [
          namedVariable('dense1/kernel', glorot(inputDim, hidden)),
          namedVariable('dense1/bias', tf.zeros([hidden])),
          namedVariable('dense2/kernel', glorot(hidden, outputDim)),
          namedVariable('dense2/bias', tf.zeros([outputDim])),
        ]
      : [namedVariable('dense/kernel', glorot(inputDim, outputDim)), namedVariable('dense/bias', tf.zeros([outputDim]))];
  const v = variables.map((x) => x.variable as tf.Tensor2D);
  return {
    inputDim,
    outputDim,
    variables,
    apply: (x: tf.Tensor2D) =>
      tf.tidy(() =>
        hidden > 0
          ? (tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, v[0]!), v[1]!)), v[2]!), v[3]!) as tf.Tensor2D)
          : (tf.add(tf.matMul(x, v[0]!), v[1]!) as tf.Tensor2D),
      ),
    dispose: () => disposeVariables(variables),
  };
}
