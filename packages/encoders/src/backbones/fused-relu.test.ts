import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING_KERNELS, type Encoder, withBackend } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { expectClose, randomTensor } from '../../test/helpers.js';
import { projectionHead } from '../heads/projection-head.js';
import { alexNetSmall } from './alexnet-small.js';
import { convNet } from './conv-net.js';
import { mlp } from './mlp.js';
import { resnet } from './resnet.js';

/**
 * Every batch norm followed by a ReLU applies the ReLU itself (`batchNorm({ activation: 'relu' })`), so that with the
 * native kernels it runs inside the batch-norm kernels. Per network: how many ReLUs follow a batch norm (`fused`) and
 * how many do not (`separate`: ResNet's after the residual sum, activations without a batch norm before them).
 */
const networks: { name: string; build: () => Encoder; input: number[]; fused: number; separate: number }[] = [
  { name: 'convNet', build: () => convNet({ inputShape: [8, 8, 2], channels: [4, 6], outputDim: 3, seed: 1 }), input: [3, 8, 8, 2], fused: 2, separate: 0 },
  {
    name: 'convNet with group norm',
    build: () => convNet({ inputShape: [8, 8, 2], channels: [4, 6], norm: 'group', seed: 1 }),
    input: [3, 8, 8, 2],
    fused: 0,
    separate: 2,
  },
  {
    name: 'convNet with leakyRelu',
    build: () => convNet({ inputShape: [8, 8, 2], channels: [4, 6], activation: 'leakyRelu', seed: 1 }),
    input: [3, 8, 8, 2],
    fused: 0,
    separate: 0,
  },
  // stem + the first batch norm of each of the 8 basic blocks; each block's last ReLU follows the residual sum.
  { name: 'resnet-18', build: () => resnet({ depth: 18, stem: 'cifar', width: 1 / 16, inputShape: [16, 16, 3], seed: 1 }), input: [2, 16, 16, 3], fused: 9, separate: 8 },
  { name: 'alexNetSmall', build: () => alexNetSmall({ inputShape: [8, 8, 3], width: 1 / 64, outputDim: 5, seed: 1 }), input: [3, 8, 8, 3], fused: 6, separate: 0 },
  { name: 'mlp with batch norm', build: () => mlp({ inputDim: 5, hiddenDims: [6, 4], batchNorm: true, outputDim: 3, seed: 1 }), input: [4, 5], fused: 2, separate: 0 },
  { name: 'mlp without', build: () => mlp({ inputDim: 5, hiddenDims: [6, 4], outputDim: 3, seed: 1 }), input: [4, 5], fused: 0, separate: 2 },
  {
    name: 'projectionHead',
    build: () =>
      projectionHead(
        [
          { inputDim: 5, outputDim: 6, batchNorm: 'noAffine', activation: 'relu' },
          { inputDim: 6, outputDim: 6, batchNorm: true, activation: 'relu' },
          { inputDim: 6, outputDim: 3, batchNorm: true },
        ],
        { seed: 1 },
      ),
    input: [4, 5],
    fused: 2,
    separate: 0,
  },
];

/** The training-mode loss sum(out * w) and its gradients in the input and every trainable variable. */
function trainingStep(encoder: Encoder, x: tf.Tensor, w: tf.Tensor): tf.Tensor[] {
  const trainable = encoder.variables.filter((v) => v.trainable).map((v) => v.variable);
  const loss = (input: tf.Tensor) => tf.sum(tf.mul(encoder.apply(input, { training: true }), w)) as tf.Scalar;
  const { value, grads } = tf.variableGrads(() => loss(x), trainable);
  const dx = tf.grad(loss)(x);
  return [value, dx, ...trainable.map((v) => grads[v.name] as tf.Tensor)];
}

describe.each(networks)('$name in training mode', ({ build, input, fused, separate }) => {
  it(`runs ${fused} ReLUs inside its batch norms where the backend has the fused kernels, ${separate} as tf.relu`, async () => {
    const nativeRelu = tf.getKernel(BATCH_NORM_TRAINING_KERNELS.reluForward, tf.getBackend()) !== undefined;
    const encoder = build();
    const x = randomTensor(input, 2);
    const profile = await tf.profile(() => {
      const outputs = encoder.apply(x, { training: true });
      const w = tf.onesLike(outputs);
      tf.dispose([outputs, ...trainingStep(encoder, x, w), w]);
    });
    const count = (name: string) => profile.kernels.filter((k) => k.name === name).length;
    // Three forward passes (apply, the loss of trainingStep's variableGrads, its grad in x), two backward.
    const passes = 3;
    const { reluForward, reluBackward } = BATCH_NORM_TRAINING_KERNELS;
    if (nativeRelu) expect([count(reluForward), count('Relu'), count(reluBackward)]).toEqual([fused * passes, separate * passes, fused * 2]);
    else expect([count(reluForward), count('Relu')]).toEqual([0, (fused + separate) * passes]);
    x.dispose();
    encoder.dispose();
  });

  it('output and gradients match the cpu backend (tfjs ops and tf.relu there)', async () => {
    const encoder = build();
    const x = randomTensor(input, 3);
    const w = randomTensor([input[0] as number, encoder.outputDim], 4);
    const here = trainingStep(encoder, x, w);
    const values = await Promise.all(here.map((t) => t.data()));
    const reference = await withBackend('cpu', async () => {
      const step = trainingStep(encoder, x, w);
      const data = await Promise.all(step.map((t) => t.data()));
      tf.dispose(step);
      return data;
    });
    expect(values.length).toBe(reference.length);
    for (const [i, v] of values.entries()) expectClose(v, reference[i]!, 1e-3);
    tf.dispose([x, w, ...here]);
    encoder.dispose();
  });
});
