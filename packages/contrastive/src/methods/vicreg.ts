import { byolTransforms } from '@selfsup/augment';
import { type Head, assertHead } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, type SSLMethod, assertInteger, assertOptions, invalidArgument, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { type VicregOptions, vicregLoss, vicregTerms } from '../losses/vicreg-loss.js';
import { type Views, assertEncoder, assertViews, drawViews, embedBoth, imageSize, threeLayerHead, methodRng, type SeedOptions } from './parts.js';

export interface VicregMethodOptions extends VicregOptions, SeedOptions {
  readonly encoder: Encoder;
  /**
   * The expander, whose output the loss sees. Default: dense-BN-ReLU, dense-BN-ReLU, dense, all of width
   * `expanderDim` (the paper uses 8192).
   */
  readonly expander?: Head;
  /** Width of the default expander. Default 1024. */
  readonly expanderDim?: number;
  /** Default: BYOL's two augmentations (`byolTransforms`), which VICReg follows. */
  readonly views?: Views;
}

export interface VicregMethod extends SSLMethod {
  readonly expander: Head;
}

/**
 * VICReg (Bardes, Ponce & LeCun 2022): invariance between the views' expansions, a hinge keeping every dimension's
 * standard deviation above 1, and decorrelated dimensions; weights 25 / 25 / 1.
 */
export function vicreg(options: VicregMethodOptions): VicregMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with encoder, expander and views', options);
  const { encoder, expander: givenExpander, expanderDim, rng: _rng, seed: _seed, views: givenViews, ...lossOptions } = options;
  assertEncoder('options.encoder', encoder);
  const { rng, config: seedConfig } = methodRng(options);
  if (expanderDim !== undefined) assertInteger('options.expanderDim', expanderDim, 1);
  const expander = givenExpander ?? threeLayerHead(encoder.outputDim, expanderDim ?? 1024, rng, 'vicregExpander');
  const views = givenViews ?? byolTransforms({ size: imageSize(encoder, 'options.views') });
  assertHead('options.expander', expander, encoder.outputDim);
  assertViews('options.views', views);
  // Validates the weights now rather than at the first step.
  tf.tidy(() => {
    vicregLoss(tf.ones([2, 1]), tf.ones([2, 1]), lossOptions);
  });
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'expander', module: expander },
  ]);
  const metrics = new KeptTensors();
  const weights = {
    invariance: lossOptions.invarianceWeight ?? 25,
    variance: lossOptions.varianceWeight ?? 25,
    covariance: lossOptions.covarianceWeight ?? 1,
  };
  return {
    name: 'vicreg',
    encoder,
    expander,
    config: {
      method: 'vicreg',
      invarianceWeight: weights.invariance,
      varianceWeight: weights.variance,
      covarianceWeight: weights.covariance,
      expansionDim: expander.outputDim,
      ...seedConfig,
    },
    variables,
    loss(batch, context) {
      return tf.tidy(() => {
        const [v1, v2] = drawViews(views, batch.images, context.rng);
        const [z1, z2] = embedBoth(v1, v2, encoder, [expander]);
        // Data parallel: statistics over every rank's samples.
        const terms = vicregTerms(z1, z2, { ...lossOptions, ...(context.processGroup !== undefined ? { processGroup: context.processGroup } : {}) });
        metrics.record({ invariance: terms.invariance, variance: terms.variance, covariance: terms.covariance });
        return tf.addN([
          tf.mul(terms.invariance, weights.invariance),
          tf.mul(terms.variance, weights.variance),
          tf.mul(terms.covariance, weights.covariance),
        ]) as tf.Scalar;
      });
    },
    metrics: () => metrics.read(),
    dispose() {
      metrics.clear();
      disposeAll(encoder, expander);
    },
  };
}
