import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, NamedVariable } from '@selfsup/tensors';
import { assertInteger, assertOptions, assertPositiveInteger, assertTensor, invalidArgument, namedVariable } from '@selfsup/tensors';
import { type FanMode, type InitOptions, type Initializer, initialWeights, resolveRng } from '../init.js';
import { type Layer, assertLayerName } from './layer.js';

/** `same` / `valid` as in TensorFlow, or a number of zero rows/columns added on every side (PyTorch's `padding=p`). */
export type Padding = 'same' | 'valid' | number;

export interface Conv2dOptions extends InitOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Square kernel size, or [height, width]. */
  readonly kernelSize: number | readonly [number, number];
  /** Default 1. */
  readonly strides?: number | readonly [number, number];
  /**
   * Default `floor(kernelSize / 2)` on every side, PyTorch-style: with an odd kernel and stride s the output is
   * ceil(size / s), with the padding placed symmetrically (TensorFlow's `same` pads the extra row at the bottom).
   */
  readonly padding?: Padding;
  /** Default true. ResNets drop it: a batch norm follows. */
  readonly bias?: boolean;
  /** Variable-name prefix (default "conv"): `<name>/kernel` [kh, kw, in, out] and `<name>/bias` [out]. */
  readonly name?: string;
  /** Default `heNormal`. */
  readonly init?: Initializer;
  /** Default `fanIn`; torchvision's ResNet uses `fanOut`. */
  readonly fanMode?: FanMode;
}

export interface Conv2d extends Layer<tf.Tensor4D, tf.Tensor4D> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly kernel: NamedVariable;
  readonly bias: NamedVariable | undefined;
  /** Output [height, width] for an input of [height, width]. */
  outputSize(height: number, width: number): [number, number];
}

function pair(name: string, value: number | readonly [number, number]): [number, number] {
  if (typeof value === 'number') {
    assertPositiveInteger(name, value);
    return [value, value];
  }
  if (!Array.isArray(value) || value.length !== 2) invalidArgument(name, 'a positive integer or a [height, width] pair', value);
  assertPositiveInteger(`${name}[0]`, value[0]);
  assertPositiveInteger(`${name}[1]`, value[1]);
  return [value[0], value[1]];
}

function outputLength(size: number, kernel: number, stride: number, padding: Padding): number {
  if (padding === 'same') return Math.ceil(size / stride);
  if (padding === 'valid') return Math.floor((size - kernel) / stride) + 1;
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** A 2-D convolution over NHWC batches. Biases start at zero. */
export function conv2d(options: Conv2dOptions): Conv2d {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const { inChannels, outChannels, bias = true, name = 'conv', init = 'heNormal', fanMode = 'fanIn' } = options;
  assertPositiveInteger('options.inChannels', inChannels);
  assertPositiveInteger('options.outChannels', outChannels);
  assertLayerName('options.name', name);
  if (typeof bias !== 'boolean') invalidArgument('options.bias', 'a boolean', bias);
  const kernelSize = pair('options.kernelSize', options.kernelSize);
  const strides = pair('options.strides', options.strides ?? 1);
  const padding: Padding = options.padding ?? (kernelSize[0] === kernelSize[1] ? Math.floor(kernelSize[0] / 2) : 'same');
  if (padding !== 'same' && padding !== 'valid') assertInteger('options.padding', padding, 0);
  const rng = resolveRng(options);
  const [kh, kw] = kernelSize;
  const kernel = namedVariable(
    `${name}/kernel`,
    initialWeights([kh, kw, inChannels, outChannels], { fanIn: kh * kw * inChannels, fanOut: kh * kw * outChannels }, rng, init, fanMode),
  );
  const biasVar = bias ? namedVariable(`${name}/bias`, tf.zeros([outChannels])) : undefined;
  const variables = biasVar === undefined ? [kernel] : [kernel, biasVar];
  const outputSize = (height: number, width: number): [number, number] => [
    outputLength(height, kh, strides[0], padding),
    outputLength(width, kw, strides[1], padding),
  ];
  return {
    name,
    inChannels,
    outChannels,
    kernelSize,
    strides,
    padding,
    kernel,
    bias: biasVar,
    variables,
    outputSize,
    apply(x: tf.Tensor4D, _options?: ApplyOptions): tf.Tensor4D {
      assertTensor(`${name} input`, x);
      if (x.rank !== 4 || x.shape[3] !== inChannels) {
        invalidArgument(`${name} input`, `an NHWC tensor of shape [N, H, W, ${inChannels}]`, x);
      }
      const [oh, ow] = outputSize(x.shape[1], x.shape[2]);
      if (oh < 1 || ow < 1) {
        invalidArgument(`${name} input`, `an image of at least ${kh}x${kw} after padding ${String(padding)}`, x);
      }
      return tf.tidy(() => {
        const w = kernel.variable as tf.Tensor4D;
        return biasVar === undefined
          ? tf.conv2d(x, w, strides, padding)
          : tf.fused.conv2d({ x, filter: w, strides, pad: padding, bias: biasVar.variable });
      });
    },
    dispose() {
      for (const v of variables) if (!v.variable.isDisposed) v.variable.dispose();
    },
  };
}
