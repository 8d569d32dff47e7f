import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from '../errors.js';

/**
 * The kernel of {@link allFinite} in one pass over every tensor: inputs `x0`, `x1`, ... (float32); output a float32
 * scalar, 1 when every value is finite, else 0. selfsup's native kernels register it for the wasm backend; elsewhere
 * the check runs as tfjs ops (two kernels per tensor).
 */
export const ALL_FINITE_KERNEL = 'SelfsupAllFinite';

/** 1 when every value of every tensor is finite, else 0 (a float32 scalar, to be read with others in one sync). */
export function allFinite(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length > 0 && tf.getKernel(ALL_FINITE_KERNEL, tf.getBackend()) !== undefined && tensors.every((t) => t.dtype === 'float32')) {
    return tf.engine().runKernel(ALL_FINITE_KERNEL, Object.fromEntries(tensors.map((t, i) => [`x${i}`, t])), {}) as tf.Scalar;
  }
  return tf.tidy(() =>
    tensors.length === 0 ? tf.scalar(1) : (tf.cast(tf.all(tf.stack(tensors.map((t) => tf.all(tf.isFinite(t))))), 'float32') as tf.Scalar),
  );
}

/** Whether every weight is finite (one read). */
export async function weightsFinite(weights: readonly tf.Tensor[]): Promise<boolean> {
  const finite = allFinite(weights);
  const ok = (await finite.data())[0] === 1;
  finite.dispose();
  return ok;
}

/** What one step's single read says: the loss, and whether its gradients and the weights are finite. */
export interface StepHealth {
  readonly loss: number;
  readonly gradientsFinite: boolean;
  readonly weightsFinite: boolean;
}

/**
 * The loss, the gradients' and the weights' finiteness in one read: a finite loss can still come with NaN or infinite
 * gradients (a NaN input that a max() or a mask hides from the forward pass), which would spoil every weight; and an
 * update can overflow the weights even with a finite loss and finite gradients. Disposes `loss`.
 */
export async function readStepHealth(loss: tf.Tensor, gradients: readonly tf.Tensor[], weights: readonly tf.Tensor[]): Promise<StepHealth> {
  const check = tf.tidy(() => tf.stack([tf.reshape(loss, []), allFinite(gradients), allFinite(weights)]));
  const [lossRead, gradsFinite, weightsOk] = await check.data();
  check.dispose();
  loss.dispose();
  return { loss: lossRead ?? Number.NaN, gradientsFinite: gradsFinite === 1, weightsFinite: weightsOk === 1 };
}

/** Why a step must not be applied (a non-finite loss or gradients), or undefined when it may. */
export function stepProblem(health: StepHealth): string | undefined {
  if (!Number.isFinite(health.loss)) return `loss is ${health.loss}`;
  return health.gradientsFinite ? undefined : `the gradients are not finite (loss ${health.loss})`;
}

const ADVICE = 'Lower the learning rate or set gradientClipNorm.';

/** The error for weights found non-finite after the update of `afterStep`. */
export function nonFiniteWeightsError(afterStep: number, epoch: number, hasCheckpoint: boolean): SelfsupError {
  return new SelfsupError(
    'NON_FINITE_LOSS',
    `the weights are not finite after the update of step ${afterStep} (epoch ${epoch}); training stopped${hasCheckpoint ? ', the last checkpoint (with finite weights) is kept' : ''}. ${ADVICE}`,
    { step: afterStep, epoch },
  );
}

/** The error for a step not applied because of `problem` (see {@link stepProblem}). */
export function nonFiniteStepError(problem: string, step: number, epoch: number, hasCheckpoint: boolean): SelfsupError {
  return new SelfsupError(
    'NON_FINITE_LOSS',
    `${problem} at step ${step} (epoch ${epoch}); training stopped before applying it${hasCheckpoint ? ', the last checkpoint is kept' : ''}. ${ADVICE}`,
    { step, epoch },
  );
}
