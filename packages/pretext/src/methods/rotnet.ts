import * as tf from '@tensorflow/tfjs-core';
import { type RotNetBatch, rotNetBatch } from '@selfsup/augment';
import type { Head } from '@selfsup/encoders';
import type { Batch, Encoder, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { assertInteger, assertOptions, invalidArgument, sparseCrossEntropy, KeptTensors, accuracyTensor, disposeAll, methodVariables } from '@selfsup/tensors';
import { hiddenSizes } from '../internal/hidden-sizes.js';
import { pretextHead } from '../nets/classifier-head.js';
import { assertEncoder } from '../nets/whole-image-encoder.js';

export interface RotNetOptions {
  /** The encoder to train; it sees every image in its four rotations (square images). */
  readonly encoder: Encoder;
  /** Hidden layers of the 4-way classifier on top of the encoder. Default [256]. */
  readonly hiddenDims?: readonly number[];
  /** Seeds the head's initial weights. Default 0. */
  readonly seed?: number;
}

export interface RotNet extends SSLMethod {
  readonly head: Head;
  /** The training samples of a batch: every image in its four rotations, kept together, labelled 0..3. */
  samples(images: tf.Tensor4D): RotNetBatch;
}

/**
 * RotNet (Gidaris, Singh & Komodakis 2018, "Unsupervised Representation Learning by Predicting Image Rotations"):
 * every image of the batch is rotated by 0, 90, 180 and 270 degrees (the four copies kept together in the batch, which
 * the paper found best), and the encoder followed by a small head classifies the rotation. Metric: `accuracy`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { fit, initBackend, tensorDataset } from '@selfsup/tensors';
 * import { convNet } from '@selfsup/encoders';
 * import { rotNet } from '@selfsup/pretext';
 *
 * await initBackend();
 * const method = rotNet({ encoder: convNet({ inputShape: [16, 16, 1], channels: [8, 16], seed: 0 }) });
 * const data = tensorDataset(tf.randomUniform([16, 16, 16, 1], 0, 1, 'float32', 0) as tf.Tensor4D); // no labels needed
 * const { losses } = await fit(method, data, { batchSize: 8, epochs: 1, seed: 0, progress: false });
 * console.log(losses, method.metrics?.()); // the rotation-classification loss and accuracy
 * method.dispose();
 * ```
 */
export function rotNet(options: RotNetOptions): RotNet {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with an encoder', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const hiddenDims = hiddenSizes('options.hiddenDims', options.hiddenDims, [256]);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const head = pretextHead(encoder.outputDim, 4, hiddenDims, { seed, preset: 'rotNet' });
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'head', module: head },
  ]);
  const kept = new KeptTensors<'accuracy'>();
  return {
    name: 'rotnet',
    encoder,
    head,
    config: { hiddenDims, seed, rotations: 4 },
    variables,
    samples: (images) => rotNetBatch(images),
    loss(batch: Batch, _context: StepContext): tf.Scalar {
      return tf.tidy(() => {
        const { images, labels } = rotNetBatch(batch.images);
        const logits = head.apply(encoder.apply(images, { training: true }), { training: true });
        kept.set('accuracy', accuracyTensor(logits, labels));
        return sparseCrossEntropy(logits, labels) as tf.Scalar;
      });
    },
    metrics(): StepMetrics {
      return { accuracy: kept.scalar('accuracy') };
    },
    dispose() {
      disposeAll(kept, variables);
    },
  };
}
