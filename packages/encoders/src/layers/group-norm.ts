import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, NamedVariable } from '@selfsup/tensors';
import { assertOptions, assertPositive, assertPositiveInteger, invalidArgument, namedVariable } from '@selfsup/tensors';
import { type Layer, assertChannelsLastInput, assertLayerName } from './layer.js';

export interface GroupNormOptions {
  readonly channels: number;
  /** Number of groups; must divide `channels`. Default min(32, channels) (Wu & He 2018 use 32). */
  readonly groups?: number;
  /** Default 1e-5. */
  readonly epsilon?: number;
  /** Learnable per-channel scale and shift. Default true. */
  readonly affine?: boolean;
  /** Variable-name prefix (default "gn"): `<name>/gamma`, `<name>/beta`. */
  readonly name?: string;
}

export interface GroupNorm extends Layer<tf.Tensor, tf.Tensor> {
  readonly channels: number;
  readonly groups: number;
  readonly epsilon: number;
  readonly gamma: NamedVariable | undefined;
  readonly beta: NamedVariable | undefined;
}

/**
 * Group normalisation (Wu & He 2018): normalises each sample over groups of channels (and all positions), so it
 * behaves the same in training and inference and with any batch size, including 1. Inputs [N, C] or [N, H, W, C].
 */
export function groupNorm(options: GroupNormOptions): GroupNorm {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const { channels, epsilon = 1e-5, affine = true, name = 'gn' } = options;
  assertPositiveInteger('options.channels', channels);
  const groups = options.groups ?? Math.min(32, channels);
  assertPositiveInteger('options.groups', groups);
  if (channels % groups !== 0) invalidArgument('options.groups', `a divisor of channels (${channels})`, groups);
  assertPositive('options.epsilon', epsilon);
  assertLayerName('options.name', name);
  if (typeof affine !== 'boolean') invalidArgument('options.affine', 'a boolean', affine);
  const gamma = affine ? namedVariable(`${name}/gamma`, tf.ones([channels])) : undefined;
  const beta = affine ? namedVariable(`${name}/beta`, tf.zeros([channels])) : undefined;
  const variables = gamma && beta ? [gamma, beta] : [];
  return {
    name,
    channels,
    groups,
    epsilon,
    gamma,
    beta,
    variables,
    apply(x: tf.Tensor, _options?: ApplyOptions): tf.Tensor {
      assertChannelsLastInput(name, x, channels, [2, 4]);
      return tf.tidy(() => {
        const n = x.shape[0] as number;
        const grouped = tf.reshape(x, [n, -1, groups, channels / groups]);
        const { mean, variance } = tf.moments(grouped, [1, 3], true);
        const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, epsilon))), x.shape);
        if (gamma === undefined || beta === undefined) return normed;
        return tf.add(tf.mul(normed, gamma.variable), beta.variable);
      });
    },
    dispose() {
      for (const v of variables) if (!v.variable.isDisposed) v.variable.dispose();
    },
  };
}
