import type * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '@selfsup/tensors';
import { assertOneOf, assertOptions, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';
import { type ActivationName, activate, assertActivation } from '../activation.js';
import { defineEncoder } from '../define-encoder.js';
import { type InitOptions, resolveRng } from '../init.js';
import { type Conv2d, conv2d } from '../layers/conv2d.js';
import { type Dense, dense } from '../layers/dense.js';
import { batchNorm } from '../layers/batch-norm.js';
import { type Layer, collectVariables } from '../layers/layer.js';
import { NORMS, type NormKind, normLayer } from '../layers/norm.js';
import { globalAvgPool } from '../layers/pooling.js';
import { imageInputShape } from './shape.js';

export interface ConvNetOptions extends InitOptions {
  /** [H, W, C] of one image, e.g. [28, 28, 1] or [32, 32, 3]; H or W -1 accepts any size (the net pools globally). */
  readonly inputShape: readonly [number, number, number];
  /** Output channels of each conv block. Default [32, 64, 128]. */
  readonly channels?: readonly number[];
  /** Stride of each block (same length as channels). Default 1 for the first block, 2 for the others. */
  readonly strides?: readonly number[];
  /** Square kernel size of every conv (odd). Default 3. */
  readonly kernelSize?: number;
  /** Batch norm after each conv (shorthand for norm: 'batch' / 'none'). Default true. */
  readonly batchNorm?: boolean;
  /** Normalisation after each conv; overrides `batchNorm`. `group` suits tiny batches. */
  readonly norm?: NormKind;
  /** Default `relu`. */
  readonly activation?: ActivationName;
  /** A linear layer after the global average pool, to this size. Default none: outputDim = last channels. */
  readonly outputDim?: number;
}

/**
 * A small conv stack for 28x28 and 32x32 images: blocks of conv (k x k, padding k/2) -> norm -> activation, then a
 * global average pool and an optional linear layer. Variables: `block<i>/conv/kernel`, `block<i>/bn/...`, `output/...`.
 * Layers (for probes, {@link Encoder.applyLayers}): `block0`..`block<n-1>` (each block's activation map), `embedding`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { countParameters, initBackend } from '@selfsup/tensors';
 * import { convNet } from '@selfsup/encoders';
 *
 * await initBackend();
 * const encoder = convNet({ inputShape: [28, 28, 1], channels: [16, 32], seed: 0 });
 * const embeddings = tf.tidy(() => encoder.apply(tf.zeros([2, 28, 28, 1])));
 * console.log(embeddings.shape, encoder.outputDim, countParameters(encoder)); // [2, 32] 32 ...
 * embeddings.dispose();
 * encoder.dispose();
 * ```
 */
export function convNet(options: ConvNetOptions): Encoder {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const inputShape = imageInputShape('options.inputShape', options.inputShape);
  const channels = options.channels ?? [32, 64, 128];
  if (!Array.isArray(channels) || channels.length === 0) invalidArgument('options.channels', 'a non-empty array of positive integers', channels);
  channels.forEach((c, i) => assertPositiveInteger(`options.channels[${i}]`, c));
  const strides = options.strides ?? channels.map((_, i) => (i === 0 ? 1 : 2));
  if (!Array.isArray(strides) || strides.length !== channels.length) {
    invalidArgument('options.strides', `an array of ${channels.length} positive integers (one per block)`, strides);
  }
  strides.forEach((s, i) => assertPositiveInteger(`options.strides[${i}]`, s));
  const kernelSize = options.kernelSize ?? 3;
  assertPositiveInteger('options.kernelSize', kernelSize);
  if (kernelSize % 2 !== 1) invalidArgument('options.kernelSize', 'an odd positive integer', kernelSize);
  if (options.batchNorm !== undefined && typeof options.batchNorm !== 'boolean') invalidArgument('options.batchNorm', 'a boolean', options.batchNorm);
  const norm: NormKind = options.norm ?? (options.batchNorm === false ? 'none' : 'batch');
  assertOneOf('options.norm', norm, NORMS);
  const activation = options.activation ?? 'relu';
  assertActivation('options.activation', activation);
  if (options.outputDim !== undefined) assertPositiveInteger('options.outputDim', options.outputDim);
  const rng = resolveRng(options);
  // Batch norm then ReLU: the batch norm applies the ReLU, inside its training-mode kernels.
  const fuseRelu = norm === 'batch' && activation === 'relu';

  const blocks: { conv: Conv2d; norm: Layer | undefined }[] = [];
  let inChannels = inputShape[2];
  channels.forEach((out, i) => {
    blocks.push({
      conv: conv2d({ inChannels, outChannels: out, kernelSize, strides: strides[i] as number, bias: norm === 'none', name: `block${i}/conv`, rng }),
      norm: fuseRelu ? batchNorm({ channels: out, name: `block${i}/bn`, activation: 'relu' }) : normLayer(norm, out, `block${i}/${norm === 'batch' ? 'bn' : 'gn'}`),
    });
    inChannels = out;
  });
  const last = channels[channels.length - 1] as number;
  const output: Dense | undefined =
    options.outputDim !== undefined ? dense({ inputDim: last, outputDim: options.outputDim, name: 'output', rng }) : undefined;
  const variables = collectVariables([...blocks.flatMap((b) => (b.norm ? [b.conv, b.norm] : [b.conv])), ...(output ? [output] : [])]);

  return defineEncoder({
    architecture: 'convNet',
    config: {
      inputShape,
      channels: [...channels],
      strides: [...strides],
      kernelSize,
      norm,
      activation,
      ...(options.outputDim !== undefined ? { outputDim: options.outputDim } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    },
    inputShape,
    outputDim: options.outputDim ?? last,
    variables,
    layers: blocks.map((_, i) => `block${i}`),
    forward(x, training, tap) {
      let h = x as tf.Tensor4D;
      for (const [i, block] of blocks.entries()) {
        h = block.conv.apply(h);
        if (block.norm) h = block.norm.apply(h, { training }) as tf.Tensor4D;
        if (!fuseRelu) h = activate(h, activation);
        tap?.(`block${i}`, h);
      }
      const pooled = globalAvgPool(h);
      return output ? output.apply(pooled) : pooled;
    },
  });
}
