import { mocoV2Transform } from '@selfsup/augment';
import * as tf from '@tensorflow/tfjs-core';
import { type Head, assertHead, simSiamPredictionHead, simSiamProjectionHead } from '@selfsup/encoders';
import { type Encoder, type SSLMethod, assertOptions, invalidArgument, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { simSiamLoss } from '../losses/simsiam-loss.js';
import { type Views, assertEncoder, assertViews, checkHeadSizes, drawViews, embedBoth, imageSize, methodRng, type SeedOptions } from './parts.js';

export interface SimSiamOptions extends SeedOptions {
  readonly encoder: Encoder;
  /** The projection MLP. Default `simSiamProjectionHead` (3 x dense(2048) with batch norm, the last without affine). */
  readonly projector?: Head;
  /** Width of the default projector's hidden layers. Default 2048. */
  readonly projectorHiddenDim?: number;
  /** Width of the default projector's output (the predictor's input and output). Default 2048. */
  readonly projectorOutputDim?: number;
  /** Dense layers of the default projector (3 in the paper; 2 for its CIFAR runs). Default 3. */
  readonly projectorLayers?: number;
  /** The prediction MLP h. Default `simSiamPredictionHead` (a bottleneck: 2048 -> 512 -> 2048). */
  readonly predictor?: Head;
  /** Width of the default predictor's bottleneck. Default 512. */
  readonly predictorHiddenDim?: number;
  /** Default: MoCo v2's augmentation (`mocoV2Transform`), which SimSiam uses. */
  readonly views?: Views;
}

export interface SimSiamMethod extends SSLMethod {
  readonly projector: Head;
  readonly predictor: Head;
}

/**
 * SimSiam (Chen & He 2021, "Exploring Simple Siamese Representation Learning"): z = projector(encoder(x)) for both
 * views, p = predictor(z), and L = 1/2 D(p1, stopgrad(z2)) + 1/2 D(p2, stopgrad(z1)), D the negative cosine.
 * The stop-gradient alone prevents collapse: no negatives, no momentum encoder.
 */
export function simSiam(options: SimSiamOptions): SimSiamMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with encoder, projector, predictor and views', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const { rng, config: seedConfig } = methodRng(options);
  checkHeadSizes(options, { projectorHiddenDim: 'projector', projectorOutputDim: 'projector', projectorLayers: 'projector', predictorHiddenDim: 'predictor' });
  const projector =
    options.projector ??
    simSiamProjectionHead({
      inputDim: encoder.outputDim,
      hiddenDim: options.projectorHiddenDim ?? 2048,
      outputDim: options.projectorOutputDim ?? 2048,
      layers: options.projectorLayers ?? 3,
      rng,
    });
  const predictor = options.predictor ?? simSiamPredictionHead({ inputDim: projector.outputDim, hiddenDim: options.predictorHiddenDim ?? 512, rng });
  const views = options.views ?? mocoV2Transform({ size: imageSize(encoder, 'options.views') });
  assertHead('options.projector', projector, encoder.outputDim);
  assertHead('options.predictor', predictor, projector.outputDim);
  if (predictor.outputDim !== projector.outputDim) {
    invalidArgument('options.predictor', `a head with outputDim ${projector.outputDim} (the projector's)`, predictor.outputDim);
  }
  assertViews('options.views', views);
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'projector', module: projector },
    { prefix: 'predictor', module: predictor },
  ]);
  const metrics = new KeptTensors();
  return {
    name: 'simsiam',
    encoder,
    projector,
    predictor,
    config: { method: 'simsiam', projectionDim: projector.outputDim, ...seedConfig },
    variables,
    loss(batch, context) {
      return tf.tidy(() => {
        const [v1, v2] = drawViews(views, batch.images, context.rng);
        const [z1, z2] = embedBoth(v1, v2, encoder, [projector]);
        const p = predictor.apply(tf.concat([z1, z2], 0), { training: true });
        const n = z1.shape[0];
        const [p1, p2] = tf.split(p, [n, n], 0) as [tf.Tensor2D, tf.Tensor2D];
        const loss = tf.add(tf.mul(simSiamLoss(p1, z2), 0.5), tf.mul(simSiamLoss(p2, z1), 0.5)) as tf.Scalar;
        // The paper's collapse monitor: the per-dimension std of the normalised outputs (0 when collapsed, ~1/sqrt(d) when not).
        const unit = tf.div(z1, tf.maximum(tf.norm(z1, 2, 1, true), 1e-12));
        metrics.record({ outputStd: tf.mean(tf.sqrt(tf.moments(unit, 0).variance)) as tf.Scalar });
        return loss;
      });
    },
    metrics: () => metrics.read(),
    dispose() {
      metrics.clear();
      disposeAll(encoder, projector, predictor);
    },
  };
}
