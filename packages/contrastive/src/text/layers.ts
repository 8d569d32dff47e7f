import * as tf from '@tensorflow/tfjs-core';
import { type NamedVariable, type Rng, namedVariable } from '@selfsup/tensors';

// The few layers the text encoder is made of, as plain variables and functions.

export interface Dense {
  readonly kernel: NamedVariable;
  readonly bias: NamedVariable;
}

/** A dense layer with Glorot-uniform kernel and zero bias. */
export function dense(name: string, inputDim: number, outputDim: number, rng: Rng): Dense {
  const limit = Math.sqrt(6 / (inputDim + outputDim));
  return {
    kernel: namedVariable(`${name}/kernel`, tf.tensor2d(rng.uniformArray(inputDim * outputDim, -limit, limit), [inputDim, outputDim])),
    bias: namedVariable(`${name}/bias`, tf.zeros([outputDim])),
  };
}

/** x [..., in] -> [..., out]. */
export function applyDense(layer: Dense, x: tf.Tensor): tf.Tensor {
  const [inputDim, outputDim] = layer.kernel.variable.shape as [number, number];
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape(x, [-1, inputDim]);
  return tf.reshape(tf.add(tf.matMul(flat, layer.kernel.variable as tf.Tensor2D), layer.bias.variable), [...lead, outputDim]);
}

export interface LayerNorm {
  readonly gamma: NamedVariable;
  readonly beta: NamedVariable;
}

export function layerNorm(name: string, dim: number): LayerNorm {
  return { gamma: namedVariable(`${name}/gamma`, tf.ones([dim])), beta: namedVariable(`${name}/beta`, tf.zeros([dim])) };
}

/** Normalises the last axis (Ba et al. 2016), eps 1e-5. */
export function applyLayerNorm(layer: LayerNorm, x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), layer.gamma.variable), layer.beta.variable);
}

export function denseVariables(layer: Dense): NamedVariable[] {
  return [layer.kernel, layer.bias];
}

export function layerNormVariables(layer: LayerNorm): NamedVariable[] {
  return [layer.gamma, layer.beta];
}
