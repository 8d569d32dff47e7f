import * as tf from '@tensorflow/tfjs-core';
import { DOWN_UP_SAMPLE_PROBABILITY, type RelativeLocationPairs } from '@selfsup/augment';
import type { Head } from '@selfsup/encoders';
import type { Batch, Encoder, Rng, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { assertInteger, assertOptions, assertRank, invalidArgument, sparseCrossEntropy, KeptTensors, accuracyTensor, disposeAll, methodVariables } from '@selfsup/tensors';
import { hiddenSizes } from '../internal/hidden-sizes.js';
import { pretextHead } from '../nets/classifier-head.js';
import { assertEncoder, wholeImageEncoder } from '../nets/whole-image-encoder.js';
import { type RelativeLocationSampleOptions, relativeLocationSamples } from '../samples/relative-location-samples.js';

export interface RelativePatchLocationOptions extends RelativeLocationSampleOptions {
  /** The shared patch encoder. A fixed-size encoder gets the patches resized to its input. */
  readonly encoder: Encoder;
  /** Hidden layers of the classifier over the concatenated pair (Doersch et al.'s fc7). Default [256]. */
  readonly hiddenDims?: readonly number[];
  /** [H, W] the probe encoder resizes whole images to. Default: none for fully convolutional patch encoders. */
  readonly probeSize?: readonly [number, number];
  readonly seed?: number;
}

export interface RelativePatchLocation extends SSLMethod {
  /** The shared patch encoder being trained. */
  readonly patchEncoder: Encoder;
  readonly head: Head;
  /** The training pairs of a batch (shortcut removals as configured). */
  samples(images: tf.Tensor4D, rng: Rng): RelativeLocationPairs;
}

/** Resizes patches to a fixed-size encoder's input, when it has one that differs. */
export function fitPatchesToEncoder(patches: tf.Tensor4D, encoder: Encoder): tf.Tensor4D {
  assertRank('patches', patches, 4);
  assertEncoder('encoder', encoder);
  const [h, w] = encoder.inputShape as [number, number, number];
  if (h === -1 || w === -1 || (patches.shape[1] === h && patches.shape[2] === w)) return patches;
  return tf.image.resizeBilinear(patches, [h, w], false, true);
}

/**
 * Context prediction (Doersch, Gupta & Efros 2015, "Unsupervised Visual Representation Learning by Context
 * Prediction"): two patches of a jittered 3x3 grid with gaps (the centre and one of its eight neighbours) go through
 * one shared patch encoder, their features are concatenated and a small head classifies the neighbour's position
 * (8-way). The shortcut guards are on by default: gap and jitter that stay at least 3 and 1 pixels on small images,
 * random down-sampling (probability 0.33), color dropping and per-patch standardisation, as the authors' code. The
 * exposed `encoder` is the patch encoder applied to whole images (see `wholeImageEncoder`), standardised like the
 * patches. Metric: `accuracy`.
 */
export function relativePatchLocation(options: RelativePatchLocationOptions): RelativePatchLocation {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with an encoder', options);
  const patchEncoder = options.encoder;
  assertEncoder('options.encoder', patchEncoder);
  const hiddenDims = hiddenSizes('options.hiddenDims', options.hiddenDims, [256]);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  if (options.minGap !== undefined) assertInteger('options.minGap', options.minGap, 0);
  if (options.minJitter !== undefined) assertInteger('options.minJitter', options.minJitter, 0);
  const normalize = options.normalize ?? true;
  if (typeof normalize !== 'boolean') invalidArgument('options.normalize', 'a boolean', normalize);
  const layoutOptions = {
    ...(options.patchSize !== undefined ? { patchSize: options.patchSize } : {}),
    ...(options.gap !== undefined ? { gap: options.gap } : {}),
    ...(options.jitter !== undefined ? { jitter: options.jitter } : {}),
    ...(options.minGap !== undefined ? { minGap: options.minGap } : {}),
    ...(options.minJitter !== undefined ? { minJitter: options.minJitter } : {}),
  };
  const sampleOptions: RelativeLocationSampleOptions = {
    ...layoutOptions,
    colorDrop: options.colorDrop ?? true,
    downUpSample: options.downUpSample ?? true,
    normalize,
  };
  const downUpSampling = sampleOptions.downUpSample;
  const head = pretextHead(2 * patchEncoder.outputDim, 8, hiddenDims, { seed, preset: 'relativePatchLocation' });
  const encoder = wholeImageEncoder(patchEncoder, {
    standardize: normalize,
    ...(options.probeSize !== undefined ? { resizeTo: options.probeSize } : {}),
  });
  const variables = methodVariables([
    { prefix: 'encoder', module: patchEncoder },
    { prefix: 'head', module: head },
  ]);
  const kept = new KeptTensors<'accuracy'>();
  const samples = (images: tf.Tensor4D, rng: Rng) => relativeLocationSamples(images, rng, sampleOptions);
  return {
    name: 'relative-location',
    encoder,
    patchEncoder,
    head,
    config: {
      hiddenDims,
      seed,
      ...layoutOptions,
      colorDrop: sampleOptions.colorDrop !== false,
      downUpSample: downUpSampling !== false,
      ...(downUpSampling !== false && downUpSampling !== undefined
        ? { downUpSampleProbability: (downUpSampling === true ? undefined : downUpSampling.p) ?? DOWN_UP_SAMPLE_PROBABILITY }
        : {}),
      normalize,
      ...(options.probeSize !== undefined ? { probeSize: [...options.probeSize] } : {}),
    },
    variables,
    samples,
    loss(batch: Batch, context: StepContext): tf.Scalar {
      const pairs = samples(batch.images, context.rng);
      try {
        return tf.tidy(() => {
          const n = pairs.first.shape[0];
          // Both patches in one batch: batch norm sees them together, the weights are shared by construction.
          const both = fitPatchesToEncoder(tf.concat([pairs.first, pairs.second], 0) as tf.Tensor4D, patchEncoder);
          const features = patchEncoder.apply(both, { training: true });
          const pair = tf.concat([tf.slice(features, [0, 0], [n, -1]), tf.slice(features, [n, 0], [n, -1])], 1) as tf.Tensor2D;
          const logits = head.apply(pair, { training: true });
          kept.set('accuracy', accuracyTensor(logits, pairs.labels));
          return sparseCrossEntropy(logits, pairs.labels) as tf.Scalar;
        });
      } finally {
        tf.dispose([pairs.first, pairs.second, pairs.labels]);
      }
    },
    metrics(): StepMetrics {
      return { accuracy: kept.scalar('accuracy') };
    },
    dispose() {
      disposeAll(kept, variables);
    },
  };
}
