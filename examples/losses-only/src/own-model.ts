import * as tf from '@tensorflow/tfjs-core';

/** The user's own model: a two-layer MLP made of plain tf.variable weights. Nothing from selfsup. */
export interface OwnModel {
  readonly weights: tf.Variable[];
  embed(x: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

export function ownMlp(inputDim: number, hiddenDim: number, outputDim: number, seed: number): OwnModel {
  const weights = [
    tf.variable(tf.randomNormal([inputDim, hiddenDim], 0, Math.sqrt(2 / inputDim), 'float32', seed)),
    tf.variable(tf.zeros([hiddenDim])),
    tf.variable(tf.randomNormal([hiddenDim, outputDim], 0, Math.sqrt(1 / hiddenDim), 'float32', seed + 1)),
    tf.variable(tf.zeros([outputDim])),
  ];
  const [w1, b1, w2, b2] = weights as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  return {
    weights,
    embed: (x) => tf.tidy(() => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2) as tf.Tensor2D),
    dispose: () => tf.dispose(weights),
  };
}

/** Toy data: `perCluster` noisy points around each of `clusters` random centres in `dim` dimensions, with labels. */
export function gaussianClusters(clusters: number, perCluster: number, dim: number, seed: number): { x: tf.Tensor2D; labels: number[] } {
  return tf.tidy(() => {
    const centres = tf.randomNormal([clusters, dim], 0, 2, 'float32', seed);
    const labels = Array.from({ length: clusters * perCluster }, (_, i) => i % clusters);
    const x = tf.add(tf.gather(centres, labels), tf.randomNormal([labels.length, dim], 0, 0.5, 'float32', seed + 1));
    return { x: x as tf.Tensor2D, labels };
  });
}

/** The user's own augmentation: Gaussian jitter and random feature dropout. */
export function jitter(x: tf.Tensor2D, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const keep = tf.cast(tf.greater(tf.randomUniform(x.shape, 0, 1, 'float32', seed), 0.2), 'float32');
    return tf.add(tf.mul(x, keep), tf.randomNormal(x.shape, 0, 0.3, 'float32', seed + 1)) as tf.Tensor2D;
  });
}
