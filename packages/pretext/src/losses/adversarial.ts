import * as tf from '@tensorflow/tfjs-core';
import { assertTensor, invalidArgument } from '@selfsup/tensors';

function assertLogits(name: string, logits: unknown): asserts logits is tf.Tensor {
  assertTensor(name, logits);
  if (logits.dtype !== 'float32' || logits.size === 0) invalidArgument(name, 'a non-empty float32 tensor of logits', logits);
}

/**
 * The generator's non-saturating adversarial loss (Goodfellow et al. 2014): mean of -log sigmoid(D(fake)), computed as
 * softplus(-logit) so that it stays finite for any logit.
 */
export function generatorAdversarialLoss(fakeLogits: tf.Tensor): tf.Scalar {
  assertLogits('fakeLogits', fakeLogits);
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

/**
 * The discriminator's loss: binary cross-entropy of real samples labelled 1 and generated ones labelled 0,
 * mean(-log sigmoid(D(real))) + mean(-log(1 - sigmoid(D(fake)))), in softplus form.
 */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  assertLogits('realLogits', realLogits);
  assertLogits('fakeLogits', fakeLogits);
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}
