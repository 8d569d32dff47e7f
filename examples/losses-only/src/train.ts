import * as tf from '@tensorflow/tfjs-core';
import { barlowTwinsLoss, ntXent, vicregLoss } from '@selfsup/contrastive';
import { type OwnModel, jitter } from './own-model.js';

/** The three losses this example tries, each a plain function of two [N, D] embeddings. */
export const LOSSES = {
  'nt-xent': (z1: tf.Tensor2D, z2: tf.Tensor2D) => ntXent(z1, z2, { temperature: 0.5 }),
  'barlow-twins': (z1: tf.Tensor2D, z2: tf.Tensor2D) => barlowTwinsLoss(z1, z2),
  vicreg: (z1: tf.Tensor2D, z2: tf.Tensor2D) => vicregLoss(z1, z2),
} as const;
export type LossName = keyof typeof LOSSES;

/**
 * The user's own training loop: tfjs's Adam, two jittered views per step, one selfsup loss. Returns the loss of
 * every step.
 */
export function trainWithLoss(model: OwnModel, data: tf.Tensor2D, lossName: LossName, steps: number, seed: number): number[] {
  const optimizer = tf.train.adam(1e-2);
  const loss = LOSSES[lossName];
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const value = optimizer.minimize(
      () => tf.tidy(() => loss(model.embed(jitter(data, seed + 2 * step)), model.embed(jitter(data, seed + 2 * step + 1)))),
      true,
      model.weights,
    );
    losses.push(value!.dataSync()[0]!);
    value!.dispose();
  }
  optimizer.dispose();
  return losses;
}

/** Leave-one-out 1-nearest-neighbour accuracy of the embeddings (cosine), the user's own quick check. */
export function nearestNeighbourAccuracy(embeddings: tf.Tensor2D, labels: readonly number[]): number {
  const neighbours = tf.tidy(() => {
    const unit = tf.div(embeddings, tf.norm(embeddings, 2, 1, true));
    const similarity = tf.sub(tf.matMul(unit, unit, false, true), tf.mul(tf.eye(labels.length), 10));
    return tf.argMax(similarity, 1).dataSync();
  });
  let correct = 0;
  neighbours.forEach((j, i) => {
    if (labels[j] === labels[i]) correct++;
  });
  return correct / labels.length;
}
