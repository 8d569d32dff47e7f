import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, NamedVariable } from '@selfsup/tensors';
import { assertOptions, assertPositiveInteger, assertShape, invalidArgument, namedVariable } from '@selfsup/tensors';
import { type FanMode, type InitOptions, type Initializer, initialWeights, resolveRng } from '../init.js';
import { type Layer, assertLayerName } from './layer.js';

export interface DenseOptions extends InitOptions {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Adds a bias (default true). Drop it before a batch norm, which has its own shift. */
  readonly bias?: boolean;
  /** Variable-name prefix (default "dense"): variables are `<name>/kernel` [in, out] and `<name>/bias` [out]. */
  readonly name?: string;
  /** Default `heUniform` (He et al. 2015) over fanIn. */
  readonly init?: Initializer;
  readonly fanMode?: FanMode;
}

export interface Dense extends Layer<tf.Tensor2D, tf.Tensor2D> {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly kernel: NamedVariable;
  readonly bias: NamedVariable | undefined;
}

/** A fully connected layer: x W + b, for x of shape [N, inputDim]. Biases start at zero. */
export function dense(options: DenseOptions): Dense {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const { inputDim, outputDim, bias = true, name = 'dense', init = 'heUniform', fanMode = 'fanIn' } = options;
  assertPositiveInteger('options.inputDim', inputDim);
  assertPositiveInteger('options.outputDim', outputDim);
  assertLayerName('options.name', name);
  if (typeof bias !== 'boolean') invalidArgument('options.bias', 'a boolean', bias);
  const rng = resolveRng(options);
  const kernel = namedVariable(
    `${name}/kernel`,
    initialWeights([inputDim, outputDim], { fanIn: inputDim, fanOut: outputDim }, rng, init, fanMode),
  );
  const biasVar = bias ? namedVariable(`${name}/bias`, tf.zeros([outputDim])) : undefined;
  const variables = biasVar === undefined ? [kernel] : [kernel, biasVar];
  return {
    name,
    inputDim,
    outputDim,
    kernel,
    bias: biasVar,
    variables,
    apply(x: tf.Tensor2D, _options?: ApplyOptions): tf.Tensor2D {
      assertShape(`${name} input`, x, [null, inputDim]);
      return tf.tidy(() => {
        const w = kernel.variable as tf.Tensor2D;
        // The fused kernel adds the bias in the same pass (one op on wasm; its gradient is defined in tfjs-core).
        return biasVar === undefined ? tf.matMul(x, w) : (tf.fused.matMul({ a: x, b: w, bias: biasVar.variable }) as tf.Tensor2D);
      });
    },
    dispose() {
      for (const v of variables) if (!v.variable.isDisposed) v.variable.dispose();
    },
  };
}
