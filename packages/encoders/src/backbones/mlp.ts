import * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '@selfsup/tensors';
import { assertOptions, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';
import { type ActivationName, activate, assertActivation } from '../activation.js';
import { defineEncoder } from '../define-encoder.js';
import { type InitOptions, resolveRng } from '../init.js';
import { batchNorm } from '../layers/batch-norm.js';
import { type Dense, dense } from '../layers/dense.js';
import { collectVariables } from '../layers/layer.js';
import type { BatchNorm } from '../layers/batch-norm.js';

export interface MlpOptions extends InitOptions {
  /** Size of one input vector. Give this or `inputShape`. */
  readonly inputDim?: number;
  /** Shape of one sample, e.g. [T, D] for a sequence window; it is flattened. Give this or `inputDim`. */
  readonly inputShape?: readonly number[];
  /** Hidden layer sizes; each is dense -> (batch norm) -> activation. Default none. */
  readonly hiddenDims?: readonly number[];
  /** A last linear layer to this size (no norm, no activation). Default: none, the output is the last hidden layer. */
  readonly outputDim?: number;
  /** Batch norm after each hidden dense layer (its bias is then dropped). Default false. */
  readonly batchNorm?: boolean;
  /** Default `relu`. */
  readonly activation?: ActivationName;
}

/**
 * A multi-layer perceptron over vectors, or over sequences / small tensors flattened to vectors. Variables:
 * `hidden<i>/dense/kernel`, `hidden<i>/bn/...`, `output/kernel`. Layers (for probes): `hidden0`..`hidden<n-1>` (after the
 * activation), `embedding`.
 */
export function mlp(options: MlpOptions): Encoder {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const { hiddenDims = [], batchNorm: useBatchNorm = false, activation = 'relu' } = options;
  if ((options.inputDim === undefined) === (options.inputShape === undefined)) {
    invalidArgument('options', 'an object with exactly one of inputDim, inputShape', options);
  }
  let inputShape: number[];
  if (options.inputDim !== undefined) {
    assertPositiveInteger('options.inputDim', options.inputDim);
    inputShape = [options.inputDim];
  } else {
    const shape = options.inputShape;
    if (!Array.isArray(shape) || shape.length === 0) invalidArgument('options.inputShape', 'a non-empty array of positive integers', shape);
    shape.forEach((d, i) => assertPositiveInteger(`options.inputShape[${i}]`, d));
    inputShape = [...shape];
  }
  if (!Array.isArray(hiddenDims)) invalidArgument('options.hiddenDims', 'an array of positive integers', hiddenDims);
  hiddenDims.forEach((d, i) => assertPositiveInteger(`options.hiddenDims[${i}]`, d));
  if (options.outputDim !== undefined) assertPositiveInteger('options.outputDim', options.outputDim);
  if (hiddenDims.length === 0 && options.outputDim === undefined) {
    invalidArgument('options', 'at least one of hiddenDims (non-empty), outputDim', options);
  }
  if (typeof useBatchNorm !== 'boolean') invalidArgument('options.batchNorm', 'a boolean', useBatchNorm);
  assertActivation('options.activation', activation);
  const rng = resolveRng(options);
  const flatDim = inputShape.reduce((a, b) => a * b, 1);
  // Batch norm then ReLU: the batch norm applies the ReLU, inside its training-mode kernels.
  const fuseRelu = useBatchNorm && activation === 'relu';

  const hidden: { dense: Dense; bn: BatchNorm | undefined }[] = [];
  let width = flatDim;
  hiddenDims.forEach((d, i) => {
    hidden.push({
      dense: dense({ inputDim: width, outputDim: d, bias: !useBatchNorm, name: `hidden${i}/dense`, rng }),
      bn: useBatchNorm ? batchNorm({ channels: d, name: `hidden${i}/bn`, activation: fuseRelu ? 'relu' : 'linear' }) : undefined,
    });
    width = d;
  });
  const output = options.outputDim !== undefined ? dense({ inputDim: width, outputDim: options.outputDim, name: 'output', rng }) : undefined;
  const outputDim = options.outputDim ?? width;
  const variables = collectVariables([...hidden.flatMap((h) => (h.bn ? [h.dense, h.bn] : [h.dense])), ...(output ? [output] : [])]);

  return defineEncoder({
    architecture: 'mlp',
    config: {
      inputShape,
      hiddenDims: [...hiddenDims],
      ...(options.outputDim !== undefined ? { outputDim: options.outputDim } : {}),
      batchNorm: useBatchNorm,
      activation,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    },
    inputShape,
    outputDim,
    variables,
    layers: hidden.map((_, i) => `hidden${i}`),
    forward(x, training, tap) {
      let h = tf.reshape(x, [x.shape[0] as number, flatDim]) as tf.Tensor2D;
      for (const [i, layer] of hidden.entries()) {
        h = layer.dense.apply(h);
        if (layer.bn) h = layer.bn.apply(h, { training }) as tf.Tensor2D;
        if (!fuseRelu) h = activate(h, activation);
        tap?.(`hidden${i}`, h);
      }
      return output ? output.apply(h) : h;
    },
  });
}
