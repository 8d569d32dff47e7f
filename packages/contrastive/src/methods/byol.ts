import { byolTransforms } from '@selfsup/augment';
import { type Head, assertHead, byolMomentum, byolPredictionHead, byolProjectionHead, emaUpdate, momentumCopy } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, type SSLMethod, type StepContext, assertInRange, assertOptions, invalidArgument, KeptTensors, copyWeights, disposeAll, methodVariables } from '@selfsup/tensors';
import { byolLoss } from '../losses/byol-loss.js';
import { type Views, assertEncoder, assertViews, checkHeadSizes, drawViews, embedBoth, imageSize, methodRng, type SeedOptions } from './parts.js';

export interface ByolOptions extends SeedOptions {
  /** The online encoder f_theta (what probes evaluate). */
  readonly encoder: Encoder;
  /** g_theta. Default `byolProjectionHead`: dense(4096)-BN-ReLU-dense(256). */
  readonly projector?: Head;
  /** Width of the default projector's hidden layer. Default 4096. */
  readonly projectorHiddenDim?: number;
  /** Width of the default projector's output (the predictor's input and output). Default 256. */
  readonly projectorOutputDim?: number;
  /** q_theta. Default `byolPredictionHead`: the same MLP, from and to the projection size. */
  readonly predictor?: Head;
  /** Width of the default predictor's hidden layer. Default 4096. */
  readonly predictorHiddenDim?: number;
  /** f_xi. Default `momentumCopy(encoder)`; a copy you build must have the same architecture (it starts equal). */
  readonly targetEncoder?: Encoder;
  /** g_xi. Default `momentumCopy(projector)`. */
  readonly targetProjector?: Head;
  /** Default: `byolTransforms` (the first view always blurred, the second sometimes solarised). */
  readonly views?: Views;
  /** tau_base. The decay rises from it to 1 along a cosine over training. Default 0.996. */
  readonly baseMomentum?: number;
}

export interface ByolMethod extends SSLMethod {
  readonly projector: Head;
  readonly predictor: Head;
  readonly targetEncoder: Encoder;
  readonly targetProjector: Head;
}

/**
 * BYOL (Grill et al. 2020, "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning"): the online
 * network (encoder, projector, predictor) predicts the target network's projection of the other view; the target is an
 * exponential moving average of the online encoder and projector, with decay tau rising from 0.996 to 1 (cosine).
 * Loss = byolLoss(q1, z2') + byolLoss(q2, z1'), no negatives.
 */
export function byol(options: ByolOptions): ByolMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with encoder and views', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const { rng, config: seedConfig } = methodRng(options);
  checkHeadSizes(options, { projectorHiddenDim: 'projector', projectorOutputDim: 'projector', predictorHiddenDim: 'predictor' });
  const projector =
    options.projector ?? byolProjectionHead({ inputDim: encoder.outputDim, hiddenDim: options.projectorHiddenDim ?? 4096, outputDim: options.projectorOutputDim ?? 256, rng });
  const predictor = options.predictor ?? byolPredictionHead({ inputDim: projector.outputDim, hiddenDim: options.predictorHiddenDim ?? 4096, rng });
  const targetEncoder = options.targetEncoder ?? momentumCopy(encoder);
  const targetProjector = options.targetProjector ?? momentumCopy(projector as Encoder & Head);
  const views = options.views ?? byolTransforms({ size: imageSize(encoder, 'options.views') });
  assertHead('options.projector', projector, encoder.outputDim);
  assertHead('options.predictor', predictor, projector.outputDim);
  if (predictor.outputDim !== projector.outputDim) {
    invalidArgument('options.predictor', `a head with outputDim ${projector.outputDim} (the projector's)`, predictor.outputDim);
  }
  assertEncoder('options.targetEncoder', targetEncoder);
  assertHead('options.targetProjector', targetProjector, encoder.outputDim);
  if (targetEncoder === encoder) invalidArgument('options.targetEncoder', 'a separate copy of the encoder', 'the encoder itself');
  assertViews('options.views', views);
  const baseMomentum = options.baseMomentum ?? 0.996;
  assertInRange('options.baseMomentum', baseMomentum, 0, 1);
  copyWeights(targetEncoder, encoder);
  copyWeights(targetProjector, projector);
  for (const v of [...targetEncoder.variables, ...targetProjector.variables]) v.variable.trainable = false;
  const variables = [
    ...methodVariables([
      { prefix: 'encoder', module: encoder },
      { prefix: 'projector', module: projector },
      { prefix: 'predictor', module: predictor },
      { prefix: 'target/encoder', module: targetEncoder, frozen: true },
      { prefix: 'target/projector', module: targetProjector, frozen: true },
    ]),
  ];
  const metrics = new KeptTensors();
  let tau = baseMomentum;
  return {
    name: 'byol',
    encoder,
    projector,
    predictor,
    targetEncoder,
    targetProjector,
    config: { method: 'byol', baseMomentum, projectionDim: projector.outputDim, ...seedConfig },
    variables,
    loss(batch, context) {
      return tf.tidy(() => {
        const [v1, v2] = drawViews(views, batch.images, context.rng);
        const [z1, z2] = embedBoth(v1, v2, encoder, [projector]);
        const n = z1.shape[0];
        const [q1, q2] = tf.split(predictor.apply(tf.concat([z1, z2], 0), { training: true }), [n, n], 0) as [tf.Tensor2D, tf.Tensor2D];
        const [t1, t2] = embedBoth(v1, v2, targetEncoder, [targetProjector]);
        const loss = tf.add(byolLoss(q1, t2), byolLoss(q2, t1)) as tf.Scalar;
        metrics.record({ targetMomentum: tau });
        return loss;
      });
    },
    metrics: () => metrics.read(),
    afterStep(_batch, context: StepContext) {
      tau = byolMomentum(Math.min(context.step, context.totalSteps), Math.max(1, context.totalSteps), baseMomentum);
      emaUpdate(targetEncoder, encoder, tau);
      emaUpdate(targetProjector, projector, tau);
    },
    dispose() {
      metrics.clear();
      disposeAll(encoder, projector, predictor, targetEncoder, targetProjector);
    },
  };
}
