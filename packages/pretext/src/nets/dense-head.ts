import * as tf from '@tensorflow/tfjs-core';
import { type BatchNorm, type Conv2d, type InitOptions, batchNorm, collectVariables, conv2d, resolveRng } from '@selfsup/encoders';
import type { ApplyOptions, Module } from '@selfsup/tensors';
import { assertInteger, assertOptions, assertPositiveInteger, disposeVariables, invalidArgument, scopeVariables } from '@selfsup/tensors';

export interface DenseHeadOptions extends InitOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Channels of a 3x3 conv -> batch norm -> ReLU block before the 1x1 output conv; 0 for none. Default inChannels. */
  readonly hiddenChannels?: number;
}

/**
 * A per-position predictor over feature maps: [N, h, w, inChannels] -> [N, h, w, outChannels] (logits or values). Not a
 * `Head` of @selfsup/encoders (those map rows [N, D]), which the classification pretext tasks use.
 */
export interface DenseHead extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  apply(features: tf.Tensor4D, options?: ApplyOptions): tf.Tensor4D;
}

/**
 * The head of the dense prediction tasks (colorization's distribution over ab bins, split-brain's cross-channel
 * classifiers): an optional 3x3 conv block, then a 1x1 conv, as Zhang et al.'s final "conv8_313" layer.
 */
export function denseHead(options: DenseHeadOptions, name: string): DenseHead {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  assertPositiveInteger('options.inChannels', options.inChannels);
  assertPositiveInteger('options.outChannels', options.outChannels);
  const hidden = options.hiddenChannels ?? options.inChannels;
  assertInteger('options.hiddenChannels', hidden, 0);
  const rng = resolveRng(options);
  const block: { conv: Conv2d; bn: BatchNorm } | undefined =
    hidden > 0
      ? {
          conv: conv2d({ inChannels: options.inChannels, outChannels: hidden, kernelSize: 3, bias: false, name: 'hidden/conv', rng }),
          bn: batchNorm({ channels: hidden, name: 'hidden/bn' }),
        }
      : undefined;
  const output = conv2d({ inChannels: hidden > 0 ? hidden : options.inChannels, outChannels: options.outChannels, kernelSize: 1, name: 'output', init: 'glorotUniform', rng });
  const variables = scopeVariables(name, collectVariables(block ? [block.conv, block.bn, output] : [output]));
  return {
    inChannels: options.inChannels,
    outChannels: options.outChannels,
    variables,
    apply(features: tf.Tensor4D, applyOptions?: ApplyOptions): tf.Tensor4D {
      const training = applyOptions?.training === true;
      return tf.tidy(() => {
        const x = block ? (tf.relu(block.bn.apply(block.conv.apply(features), { training })) as tf.Tensor4D) : features;
        return output.apply(x);
      });
    },
    dispose() {
      disposeVariables(variables);
    },
  };
}
