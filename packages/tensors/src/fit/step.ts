import * as tf from '@tensorflow/tfjs-core';
import type { Batch, NamedVariable, SSLMethod, StepContext } from '../contracts.js';
import type { ProcessGroup } from '../distributed/process-group.js';
import { invalidArgument } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { clipByGlobalNorm } from './clip.js';
import { disposeBatch } from './batches.js';
import { nonFiniteStepError, nonFiniteWeightsError, readStepHealth, stepProblem } from './finite.js';

/** What every training step needs. */
export interface StepJob {
  readonly method: SSLMethod;
  readonly trainable: readonly NamedVariable[];
  /** The float weights checked for finiteness at every step. */
  readonly weights: readonly tf.Tensor[];
  readonly optimizer: Optimizer;
  readonly gradientClipNorm: number | undefined;
  /** Whether a checkpoint store is set (the errors then say the last checkpoint is kept). */
  readonly hasCheckpoint: boolean;
  /** The data-parallel group: gradients and loss are averaged over it before the update. */
  readonly group: ProcessGroup;
}

/**
 * The ranks' mean of the gradients and of the loss, in one bucketed all-reduce (the loss rides in the first bucket, so
 * it costs no extra round trip). Disposes what it replaces. A non-finite loss or gradient on any rank makes the mean
 * non-finite on every rank, so that all of them stop at the same step.
 */
function averageOverRanks(group: ProcessGroup, loss: tf.Tensor, gradients: tf.Tensor[]): { loss: tf.Tensor; gradients: tf.Tensor[] } {
  const lossValue = Float32Array.of(loss.dataSync()[0] ?? Number.NaN);
  const arrays = gradients.map((g) => Float32Array.from(g.dataSync()));
  group.allReduceArrays([lossValue, ...arrays], { op: 'mean' });
  const averaged = arrays.map((a, i) => tf.tensor(a, (gradients[i] as tf.Tensor).shape, 'float32'));
  tf.dispose(gradients);
  loss.dispose();
  return { loss: tf.scalar(lossValue[0] as number), gradients: averaged };
}

/**
 * One optimisation step on `batch`: the method's loss differentiated with respect to the trainable variables, checked
 * (a non-finite loss, gradients or weights stop the run before the update), clipped when asked, applied at rate `lr`,
 * then the method's `afterStep`. Disposes the batch; returns the loss.
 */
export async function trainStep(job: StepJob, batch: Batch, context: StepContext, lr: number): Promise<number> {
  const { method, trainable } = job;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const loss = method.loss(batch, context);
      if (loss?.dtype !== 'float32' || loss.size !== 1) invalidArgument(`${method.name} loss`, 'a float32 scalar', loss);
      return loss;
    }, trainable.map((p) => p.variable));
    let list = trainable.map((p) => grads[p.variable.name] ?? tf.zerosLike(p.variable));
    let lossTensor: tf.Tensor = value;
    if (job.group.worldSize > 1) {
      // The local gradients (grads' and any zeros in list) are disposed here; disposing grads again below is a no-op.
      const averaged = averageOverRanks(job.group, value, list);
      lossTensor = averaged.loss;
      list = averaged.gradients;
    }
    const health = await readStepHealth(lossTensor, list, job.weights);
    const problem = stepProblem(health);
    if (!health.weightsFinite || problem !== undefined) {
      tf.dispose(list);
      tf.dispose(grads);
      if (!health.weightsFinite) throw nonFiniteWeightsError(context.step - 1, context.epoch, job.hasCheckpoint);
      throw nonFiniteStepError(problem as string, context.step, context.epoch, job.hasCheckpoint);
    }
    if (job.gradientClipNorm !== undefined) {
      const clipped = clipByGlobalNorm(list, job.gradientClipNorm);
      tf.dispose(list);
      list = clipped;
    }
    job.optimizer.applyGradients(list, lr);
    tf.dispose(list);
    tf.dispose(grads);
    method.afterStep?.(batch, context);
    return health.loss;
  } finally {
    disposeBatch(batch);
  }
}
