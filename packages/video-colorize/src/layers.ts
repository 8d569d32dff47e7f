import * as tf from '@tensorflow/tfjs-core';
import { type NamedVariable, type Rng, namedVariable } from '@selfsup/tensors';

/*
 * TEMPORARY private layers (conv, batch norm) until @selfsup/encoders' layers land on main; the embedding net is then
 * rebuilt from those and this file goes.
 */

type ConvFn = (x: tf.Tensor4D, filter: tf.Tensor4D, stride: number) => tf.Tensor4D;
let convImpl: ConvFn = (x, filter, stride) => tf.conv2d(x, filter, stride, 'same');

/** Test hook: swap the convolution (same semantics as tf.conv2d with 'same' padding). */
export function setConvImplementation(fn: ConvFn | undefined): void {
  convImpl = fn ?? ((x, filter, stride) => tf.conv2d(x, filter, stride, 'same'));
}

export interface Conv {
  readonly variables: readonly NamedVariable[];
  apply(x: tf.Tensor4D): tf.Tensor4D;
}

/** A 'same'-padded convolution with He-normal initialisation and an optional bias. */
export function conv(name: string, kernel: number, inChannels: number, outChannels: number, stride: number, rng: Rng, bias = false): Conv {
  const std = Math.sqrt(2 / (kernel * kernel * inChannels));
  const w = namedVariable(`${name}/kernel`, tf.tensor4d(rng.normalArray(kernel * kernel * inChannels * outChannels, 0, std), [kernel, kernel, inChannels, outChannels]));
  const b = bias ? namedVariable(`${name}/bias`, tf.zeros([outChannels])) : undefined;
  return {
    variables: b ? [w, b] : [w],
    apply: (x) => {
      const y = convImpl(x, w.variable as tf.Variable<tf.Rank.R4>, stride);
      return b ? tf.add(y, b.variable) : y;
    },
  };
}

export interface BatchNorm {
  readonly variables: readonly NamedVariable[];
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
}

/** Batch normalisation over N, H, W with running averages (momentum 0.9) for inference. */
export function batchNorm(name: string, channels: number, momentum = 0.9): BatchNorm {
  const gamma = namedVariable(`${name}/gamma`, tf.ones([channels]));
  const beta = namedVariable(`${name}/beta`, tf.zeros([channels]));
  const mean = namedVariable(`${name}/moving_mean`, tf.zeros([channels]), false);
  const variance = namedVariable(`${name}/moving_variance`, tf.ones([channels]), false);
  return {
    variables: [gamma, beta, mean, variance],
    apply: (x, training) => {
      if (!training) return tf.batchNorm(x, mean.variable, variance.variable, beta.variable, gamma.variable, 1e-5) as tf.Tensor4D;
      const moments = tf.moments(x, [0, 1, 2]);
      // Running statistics are state: assignments are not part of the differentiated objective.
      tf.tidy(() => {
        mean.variable.assign(tf.add(tf.mul(mean.variable, momentum), tf.mul(moments.mean, 1 - momentum)));
        variance.variable.assign(tf.add(tf.mul(variance.variable, momentum), tf.mul(moments.variance, 1 - momentum)));
      });
      return tf.batchNorm(x, moments.mean, moments.variance, beta.variable, gamma.variable, 1e-5) as tf.Tensor4D;
    },
  };
}
