import { byolTransforms } from '@selfsup/augment';
import { type Head, assertHead } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, type SSLMethod, assertInteger, assertNonNegative, assertOptions, invalidArgument, disposeAll, methodVariables } from '@selfsup/tensors';
import { barlowTwinsLoss } from '../losses/barlow-twins-loss.js';
import { type Views, assertEncoder, assertViews, drawViews, embedBoth, imageSize, threeLayerHead, methodRng, type SeedOptions } from './parts.js';

export interface BarlowTwinsMethodOptions extends SeedOptions {
  readonly encoder: Encoder;
  /**
   * The projector, whose output the loss sees. Default: dense-BN-ReLU, dense-BN-ReLU, dense, all of width
   * `projectorDim` (the paper uses 8192).
   */
  readonly projector?: Head;
  /** Width of the default projector. Default 1024. */
  readonly projectorDim?: number;
  /** Default: BYOL's two augmentations (`byolTransforms`), which Barlow Twins follows. */
  readonly views?: Views;
  /** Off-diagonal weight. Default 0.0051. */
  readonly lambda?: number;
}

export interface BarlowTwinsMethod extends SSLMethod {
  readonly projector: Head;
}

/**
 * Barlow Twins (Zbontar, Jing, Misra, LeCun & Deny 2021): makes the cross-correlation matrix of the two views'
 * batch-standardised projections close to the identity.
 */
export function barlowTwins(options: BarlowTwinsMethodOptions): BarlowTwinsMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with encoder, projector and views', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const { rng, config: seedConfig } = methodRng(options);
  if (options.projectorDim !== undefined) assertInteger('options.projectorDim', options.projectorDim, 1);
  const projector = options.projector ?? threeLayerHead(encoder.outputDim, options.projectorDim ?? 1024, rng, 'barlowTwinsProjection');
  const views = options.views ?? byolTransforms({ size: imageSize(encoder, 'options.views') });
  assertHead('options.projector', projector, encoder.outputDim);
  assertViews('options.views', views);
  const lambda = options.lambda ?? 0.0051;
  assertNonNegative('options.lambda', lambda);
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'projector', module: projector },
  ]);
  return {
    name: 'barlow-twins',
    encoder,
    projector,
    config: { method: 'barlow-twins', lambda, projectionDim: projector.outputDim, ...seedConfig },
    variables,
    loss(batch, context) {
      return tf.tidy(() => {
        const [v1, v2] = drawViews(views, batch.images, context.rng);
        const [z1, z2] = embedBoth(v1, v2, encoder, [projector]);
        // Data parallel: standardisation and cross-correlation over every rank's samples.
        return barlowTwinsLoss(z1, z2, { lambda, ...(context.processGroup !== undefined ? { processGroup: context.processGroup } : {}) });
      });
    },
    dispose() {
      disposeAll(encoder, projector);
    },
  };
}
