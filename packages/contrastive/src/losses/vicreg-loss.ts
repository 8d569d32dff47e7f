import * as tf from '@tensorflow/tfjs-core';
import { type ProcessGroup, assertNonNegative, assertOptions, assertPositive } from '@selfsup/tensors';
import { batchCount, batchSum } from '../ops/batch-sums.js';
import { assertPairedEmbeddings } from '../ops/checks.js';

export interface VicregOptions {
  /** lambda, weight of the invariance (mean squared error) term. Default 25. */
  readonly invarianceWeight?: number;
  /** mu, weight of the variance (hinge on the standard deviation) term. Default 25. */
  readonly varianceWeight?: number;
  /** nu, weight of the covariance (off-diagonal) term. Default 1. */
  readonly covarianceWeight?: number;
  /** gamma, the target standard deviation of every dimension. Default 1. */
  readonly gamma?: number;
  /** Added to the variance under the square root. Default 1e-4. */
  readonly epsilon?: number;
  /**
   * Data-parallel training (`StepContext.processGroup`): the mean squared error, the variances and the covariances
   * are taken over every rank's samples (the official implementation gathers the embeddings), so each rank's loss is
   * the single-process loss on the concatenated batch.
   */
  readonly processGroup?: ProcessGroup;
}

/** The three unweighted VICReg terms (for logging), each a scalar. */
export interface VicregTerms {
  /** s(Z, Z'): mean squared error over all N x D entries. */
  readonly invariance: tf.Scalar;
  /** v(Z) + v(Z'). */
  readonly variance: tf.Scalar;
  /** c(Z) + c(Z'). */
  readonly covariance: tf.Scalar;
}

/** z minus its mean over the whole batch (every rank's samples with a group). */
function centre(z: tf.Tensor2D, group: ProcessGroup | undefined): tf.Tensor2D {
  return tf.sub(z, tf.div(batchSum(z, 0, group), batchCount(z.shape[0], group)));
}

/** v(Z) = mean_j max(0, gamma - sqrt(Var(z^j) + eps)), Var unbiased. */
function varianceTerm(z: tf.Tensor2D, gamma: number, epsilon: number, group: ProcessGroup | undefined): tf.Scalar {
  const n = batchCount(z.shape[0], group);
  const variance = tf.div(batchSum(tf.square(centre(z, group)), 0, group), n - 1);
  return tf.mean(tf.relu(tf.sub(gamma, tf.sqrt(tf.add(variance, epsilon))))) as tf.Scalar;
}

/** c(Z) = (1 / d) sum_{i != j} C(Z)_ij^2, C the unbiased covariance matrix. */
function covarianceTerm(z: tf.Tensor2D, group: ProcessGroup | undefined): tf.Scalar {
  const d = z.shape[1];
  const n = batchCount(z.shape[0], group);
  const centered = centre(z, group);
  const cov = tf.div(batchSum(tf.expandDims(tf.matMul(centered, centered, true, false), 0), 0, group), n - 1);
  return tf.div(tf.sum(tf.square(tf.mul(cov, tf.sub(1, tf.eye(d))))), d) as tf.Scalar;
}

function readOptions(options: VicregOptions) {
  assertOptions('options', options);
  const o = {
    invarianceWeight: options.invarianceWeight ?? 25,
    varianceWeight: options.varianceWeight ?? 25,
    covarianceWeight: options.covarianceWeight ?? 1,
    gamma: options.gamma ?? 1,
    epsilon: options.epsilon ?? 1e-4,
  };
  assertNonNegative('options.invarianceWeight', o.invarianceWeight);
  assertNonNegative('options.varianceWeight', o.varianceWeight);
  assertNonNegative('options.covarianceWeight', o.covarianceWeight);
  assertPositive('options.gamma', o.gamma);
  assertPositive('options.epsilon', o.epsilon);
  return o;
}

/**
 * The three terms of VICReg (Bardes, Ponce & LeCun 2022, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning", eq. 1-5 and Algorithm 1), unweighted. The caller owns the returned scalars.
 */
export function vicregTerms(z1: tf.Tensor2D, z2: tf.Tensor2D, options: VicregOptions = {}): VicregTerms {
  assertPairedEmbeddings('z1', z1, 'z2', z2, 2);
  const o = readOptions(options);
  const group = options.processGroup;
  return tf.tidy(() => ({
    invariance: tf.div(batchSum(tf.square(tf.sub(z1, z2)), [0, 1], group), batchCount(z1.shape[0], group) * z1.shape[1]) as tf.Scalar,
    variance: tf.add(varianceTerm(z1, o.gamma, o.epsilon, group), varianceTerm(z2, o.gamma, o.epsilon, group)) as tf.Scalar,
    covariance: tf.add(covarianceTerm(z1, group), covarianceTerm(z2, group)) as tf.Scalar,
  }));
}

/**
 * VICReg: lambda s(Z, Z') + mu [v(Z) + v(Z')] + nu [c(Z) + c(Z')] with lambda = mu = 25, nu = 1 by default, where
 * s is the mean squared error (the paper's `mse_loss`), v the hinge max(0, 1 - sqrt(Var + 1e-4)) averaged over
 * dimensions, c the sum of squared off-diagonal covariances divided by D. Batch statistics: N >= 2.
 *
 * @param z1 [N, D] first views' expander outputs.
 * @param z2 [N, D] second views' expander outputs.
 */
export function vicregLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, options: VicregOptions = {}): tf.Scalar {
  assertPairedEmbeddings('z1', z1, 'z2', z2, 2);
  const o = readOptions(options);
  return tf.tidy(() => {
    const t = vicregTerms(z1, z2, options);
    return tf.addN([
      tf.mul(t.invariance, o.invarianceWeight),
      tf.mul(t.variance, o.varianceWeight),
      tf.mul(t.covariance, o.covarianceWeight),
    ]) as tf.Scalar;
  });
}
