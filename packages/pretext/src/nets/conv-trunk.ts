import * as tf from '@tensorflow/tfjs-core';
import {
  type ActivationName,
  type Conv2d,
  type InitOptions,
  type Layer,
  type NormKind,
  NORMS,
  activate,
  assertActivation,
  collectVariables,
  conv2d,
  normLayer,
  resolveRng,
} from '@selfsup/encoders';
import type { ApplyOptions, Module, NamedVariable } from '@selfsup/tensors';
import { assertOneOf, assertOptions, assertPositiveInteger, disposeVariables, invalidArgument, scopeVariables } from '@selfsup/tensors';

export interface ConvTrunkOptions extends InitOptions {
  readonly inChannels: number;
  /** Output channels of each conv block. Default [32, 64, 128]. */
  readonly channels?: readonly number[];
  /** Stride of each block. Default 1 for the first, 2 for the others (1/4 resolution after three blocks). */
  readonly strides?: readonly number[];
  /** Odd kernel side. Default 3. */
  readonly kernelSize?: number;
  /** Default 'batch'. */
  readonly norm?: NormKind;
  /** Default 'relu'. */
  readonly activation?: ActivationName;
}

/** A fully convolutional stack that keeps the spatial layout: [N, H, W, inChannels] -> [N, H/s, W/s, outChannels]. */
export interface ConvTrunk extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  /** The product of the strides. */
  readonly downsampling: number;
  /** The feature map's [h, w] for an input of [height, width]. */
  outputSize(height: number, width: number): [number, number];
  apply(x: tf.Tensor4D, options?: ApplyOptions): tf.Tensor4D;
  /** The options with every default filled in (JSON). */
  readonly config: { channels: number[]; strides: number[]; kernelSize: number; norm: NormKind; activation: ActivationName };
}

/**
 * Blocks of conv (k x k, padding k/2) -> norm -> activation from `@selfsup/encoders` layers, without the pooling of
 * `convNet`: the dense-prediction tasks (colorization, split-brain) need the feature map, the probes its average.
 * Variables: `block<i>/conv/...`, `block<i>/bn/...`, under `name` when given.
 */
export function convTrunk(options: ConvTrunkOptions, name?: string): ConvTrunk {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with inChannels', options);
  assertPositiveInteger('options.inChannels', options.inChannels);
  const channels = [...(options.channels ?? [32, 64, 128])];
  if (channels.length === 0) invalidArgument('options.channels', 'a non-empty array of positive integers', channels);
  channels.forEach((c, i) => assertPositiveInteger(`options.channels[${i}]`, c));
  const strides = [...(options.strides ?? channels.map((_, i) => (i === 0 ? 1 : 2)))];
  if (strides.length !== channels.length) invalidArgument('options.strides', `${channels.length} positive integers (one per block)`, strides);
  strides.forEach((s, i) => assertPositiveInteger(`options.strides[${i}]`, s));
  const kernelSize = options.kernelSize ?? 3;
  assertPositiveInteger('options.kernelSize', kernelSize);
  if (kernelSize % 2 !== 1) invalidArgument('options.kernelSize', 'an odd positive integer', kernelSize);
  const norm = options.norm ?? 'batch';
  assertOneOf('options.norm', norm, NORMS);
  const activation = options.activation ?? 'relu';
  assertActivation('options.activation', activation);
  const rng = resolveRng(options);
  const blocks: { conv: Conv2d; norm: Layer | undefined }[] = [];
  let cin = options.inChannels;
  channels.forEach((out, i) => {
    blocks.push({
      conv: conv2d({ inChannels: cin, outChannels: out, kernelSize, strides: strides[i]!, bias: norm === 'none', name: `block${i}/conv`, rng }),
      norm: normLayer(norm, out, `block${i}/${norm === 'batch' ? 'bn' : 'gn'}`),
    });
    cin = out;
  });
  const local: NamedVariable[] = collectVariables(blocks.flatMap((b) => (b.norm ? [b.conv, b.norm] : [b.conv])));
  const variables = name === undefined ? local : scopeVariables(name, local);
  return {
    inChannels: options.inChannels,
    outChannels: cin,
    downsampling: strides.reduce((a, b) => a * b, 1),
    config: { channels, strides, kernelSize, norm, activation },
    variables,
    outputSize(height: number, width: number): [number, number] {
      let size: [number, number] = [height, width];
      for (const b of blocks) size = b.conv.outputSize(size[0], size[1]);
      return size;
    },
    apply(x: tf.Tensor4D, applyOptions?: ApplyOptions): tf.Tensor4D {
      const training = applyOptions?.training === true;
      return tf.tidy(() => {
        let h = x;
        for (const b of blocks) {
          h = b.conv.apply(h);
          if (b.norm) h = b.norm.apply(h, { training }) as tf.Tensor4D;
          h = activate(h, activation);
        }
        return h;
      });
    },
    dispose() {
      disposeVariables(variables);
    },
  };
}
