// Trains the same plain tfjs MLP with each of three selfsup losses and prints the loss and a 1-NN check:
// `node dist/main.js` after `pnpm --filter @selfsup-examples/losses-only build`.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@selfsup/tensors';
import { LOSSES, type LossName, gaussianClusters, nearestNeighbourAccuracy, ownMlp, trainWithLoss } from './index.js';

await initBackend(); // a backend, and tfjs-core's gradients (the umbrella @tensorflow/tfjs would register them too)
const { x, labels } = gaussianClusters(4, 32, 16, 0);
for (const name of Object.keys(LOSSES) as LossName[]) {
  const model = ownMlp(16, 64, 32, 1);
  const losses = trainWithLoss(model, x, name, 60, 100);
  const accuracy = tf.tidy(() => nearestNeighbourAccuracy(model.embed(x), labels));
  console.log(`${name.padEnd(13)} loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}   1-NN accuracy ${(100 * accuracy).toFixed(1)} %`);
  model.dispose();
}
x.dispose();
