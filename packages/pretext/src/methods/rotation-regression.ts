import * as tf from '@tensorflow/tfjs-core';
import { type RotationRegressionBatch, rotationRegressionBatch } from '@selfsup/augment';
import type { Head } from '@selfsup/encoders';
import type { Batch, Encoder, Rng, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { assertInteger, assertOptions, assertRangePair, invalidArgument, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { hiddenSizes } from '../internal/hidden-sizes.js';
import { angleRegressionLoss, predictedAngles } from '../losses/angle.js';
import { pretextHead } from '../nets/classifier-head.js';
import { assertEncoder } from '../nets/whole-image-encoder.js';

export interface RotationRegressionOptions {
  readonly encoder: Encoder;
  /** Angles are drawn uniformly from this range (radians). Default [-pi, pi]. */
  readonly range?: readonly [number, number];
  /** Zoom in so that no fill shows in the corners (which would give the angle away). Default true. */
  readonly zoomToFit?: boolean;
  /** Hidden layers of the regression head. Default [256]. */
  readonly hiddenDims?: readonly number[];
  readonly seed?: number;
}

export interface RotationRegression extends SSLMethod {
  readonly head: Head;
  /** Each image rotated by a random angle from `rng`, with the angles (radians, counter-clockwise). */
  samples(images: tf.Tensor4D, rng: Rng): RotationRegressionBatch;
  /** The angle the network reads from each image, radians in (-pi, pi]. */
  predictAngles(images: tf.Tensor4D): tf.Tensor1D;
}

/**
 * The continuous variant of RotNet: each image is rotated by an angle drawn uniformly from `range` and the network
 * regresses the angle as a point on the unit circle, (cos theta, sin theta), with a squared-error loss (see
 * `angleRegressionLoss`). Metric: `angularErrorDegrees`, the mean absolute error of the decoded angle.
 */
export function rotationRegression(options: RotationRegressionOptions): RotationRegression {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with an encoder', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const range = options.range ?? [-Math.PI, Math.PI];
  assertRangePair('options.range', range, -100, 100);
  const zoomToFit = options.zoomToFit ?? true;
  if (typeof zoomToFit !== 'boolean') invalidArgument('options.zoomToFit', 'a boolean', zoomToFit);
  const hiddenDims = hiddenSizes('options.hiddenDims', options.hiddenDims, [256]);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const head = pretextHead(encoder.outputDim, 2, hiddenDims, { seed, preset: 'rotationRegression' });
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'head', module: head },
  ]);
  const kept = new KeptTensors<'error'>();
  const samples = (images: tf.Tensor4D, rng: Rng) => rotationRegressionBatch(images, rng, { range: [range[0], range[1]], zoomToFit });
  return {
    name: 'rotation-regression',
    encoder,
    head,
    config: { range: [range[0], range[1]], zoomToFit, hiddenDims, seed },
    variables,
    samples,
    predictAngles(images: tf.Tensor4D): tf.Tensor1D {
      return tf.tidy(() => predictedAngles(head.apply(encoder.apply(images))));
    },
    loss(batch: Batch, context: StepContext): tf.Scalar {
      return tf.tidy(() => {
        const { images, angles } = samples(batch.images, context.rng);
        const points = head.apply(encoder.apply(images, { training: true }), { training: true });
        const d = tf.sub(predictedAngles(points), angles);
        kept.set('error', tf.mul(tf.mean(tf.abs(tf.atan2(tf.sin(d), tf.cos(d)))), 180 / Math.PI));
        return angleRegressionLoss(points, angles);
      });
    },
    metrics(): StepMetrics {
      return { angularErrorDegrees: kept.scalar('error') };
    },
    dispose() {
      disposeAll(kept, variables);
    },
  };
}
