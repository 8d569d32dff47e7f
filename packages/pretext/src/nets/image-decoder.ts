import * as tf from '@tensorflow/tfjs-core';
import {
  type BatchNorm,
  type Conv2d,
  type Dense,
  type InitOptions,
  batchNorm,
  collectVariables,
  conv2d,
  dense,
  resolveRng,
} from '@selfsup/encoders';
import type { ApplyOptions, Module } from '@selfsup/tensors';
import { assertInteger, assertOptions, assertPositiveInteger, assertShape, disposeVariables, invalidArgument } from '@selfsup/tensors';

export interface ImageDecoderOptions extends InitOptions {
  /** Size of the code vector the decoder starts from (the encoder's outputDim). */
  readonly inputDim: number;
  /** [H, W] of the images to produce: any sides (see `imageDecoder` for the stage sizes). */
  readonly imageSize: readonly [number, number];
  /** Channels of the output image. Default 3. */
  readonly outChannels?: number;
  /** Channels at each resolution, coarsest first; each stage about doubles the side. Default [128, 64, 32]. */
  readonly channels?: readonly number[];
}

export interface ImageDecoder extends Module {
  readonly inputDim: number;
  readonly imageSize: readonly [number, number];
  readonly outChannels: number;
  readonly config: { channels: number[]; imageSize: number[]; outChannels: number; inputDim: number };
  /** Codes [N, inputDim] -> images [N, H, W, outChannels] in (0, 1). */
  apply(codes: tf.Tensor2D, options?: ApplyOptions): tf.Tensor4D;
}

/**
 * The decoder half of a Context Encoder (Pathak et al. 2016): a fully connected layer from the code to a coarse
 * feature map (their channel-wise fully connected bottleneck), then up-sampling stages back to the image size and a
 * sigmoid. Each stage doubles the resolution with a nearest-neighbour resize followed by a 3x3 convolution, batch norm
 * and ReLU (an up-convolution without the checkerboard artefacts of strided transposed convolutions).
 * Any image size works: with L = channels.length stages the map starts at ceil(H / 2^L) x ceil(W / 2^L) and stage k
 * resizes to ceil(H / 2^(L-k)) x ceil(W / 2^(L-k)), so the last one lands on H x W exactly (sides that divide by 2^L
 * double at every stage; 28 goes 4, 7, 14, 28 and 14 goes 2, 4, 7, 14).
 * Variables: `fc/...`, `fc/bn/...`, `up<i>/conv/...`, `up<i>/bn/...`, `output/...`.
 */
export function imageDecoder(options: ImageDecoderOptions): ImageDecoder {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with inputDim and imageSize', options);
  assertPositiveInteger('options.inputDim', options.inputDim);
  const size = options.imageSize;
  if (!Array.isArray(size) || size.length !== 2) invalidArgument('options.imageSize', 'a [height, width] pair', size);
  const channels = [...(options.channels ?? [128, 64, 32])];
  if (channels.length === 0) invalidArgument('options.channels', 'a non-empty array of positive integers', channels);
  channels.forEach((c, i) => assertPositiveInteger(`options.channels[${i}]`, c));
  assertInteger('options.imageSize[0]', size[0], 1);
  assertInteger('options.imageSize[1]', size[1], 1);
  const outChannels = options.outChannels ?? 3;
  assertPositiveInteger('options.outChannels', outChannels);
  const rng = resolveRng(options);
  // sides[k]: the map's side after k up-samplings; ceil keeps every stage at least the image size / 2^(L-k).
  const sides = Array.from({ length: channels.length + 1 }, (_, k) => {
    const factor = 2 ** (channels.length - k);
    return [Math.ceil(size[0] / factor), Math.ceil(size[1] / factor)] as [number, number];
  });
  const [h0, w0] = sides[0]!;
  const fc: Dense = dense({ inputDim: options.inputDim, outputDim: h0 * w0 * channels[0]!, bias: false, name: 'fc', rng });
  const fcNorm: BatchNorm = batchNorm({ channels: channels[0]!, name: 'fc/bn' });
  const stages: { conv: Conv2d; bn: BatchNorm }[] = [];
  for (let i = 1; i < channels.length; i++) {
    stages.push({
      conv: conv2d({ inChannels: channels[i - 1]!, outChannels: channels[i]!, kernelSize: 3, bias: false, name: `up${i}/conv`, rng }),
      bn: batchNorm({ channels: channels[i]!, name: `up${i}/bn` }),
    });
  }
  const output = conv2d({ inChannels: channels[channels.length - 1]!, outChannels, kernelSize: 3, name: 'output', init: 'glorotUniform', rng });
  const variables = collectVariables([fc, fcNorm, ...stages.flatMap((s) => [s.conv, s.bn]), output]);
  const up = (x: tf.Tensor4D, k: number) => tf.image.resizeNearestNeighbor(x, sides[k]!, false, true);
  return {
    inputDim: options.inputDim,
    imageSize: [size[0], size[1]],
    outChannels,
    config: { channels, imageSize: [size[0], size[1]], outChannels, inputDim: options.inputDim },
    variables,
    apply(codes: tf.Tensor2D, applyOptions?: ApplyOptions): tf.Tensor4D {
      assertShape('codes', codes, [null, options.inputDim], { dtype: 'float32' });
      const training = applyOptions?.training === true;
      return tf.tidy(() => {
        const n = codes.shape[0];
        let x = tf.reshape(fc.apply(codes), [n, h0, w0, channels[0]!]) as tf.Tensor4D;
        x = tf.relu(fcNorm.apply(x, { training })) as tf.Tensor4D;
        stages.forEach((s, i) => {
          x = tf.relu(s.bn.apply(s.conv.apply(up(x, i + 1)), { training })) as tf.Tensor4D;
        });
        return tf.sigmoid(output.apply(up(x, channels.length)));
      });
    },
    dispose() {
      disposeVariables(variables);
    },
  };
}
