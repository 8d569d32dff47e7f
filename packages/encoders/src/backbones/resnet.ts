import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Encoder } from '@selfsup/tensors';
import { assertOneOf, assertOptions, invalidArgument } from '@selfsup/tensors';
import { defineEncoder } from '../define-encoder.js';
import { type InitOptions, resolveRng } from '../init.js';
import { type BatchNorm, batchNorm } from '../layers/batch-norm.js';
import { type Conv2d, conv2d } from '../layers/conv2d.js';
import { collectVariables } from '../layers/layer.js';
import { globalAvgPool, maxPool2d } from '../layers/pooling.js';
import type { Rng } from '@selfsup/tensors';
import { imageInputShape } from './shape.js';

export const RESNET_DEPTHS = [18, 34] as const;
export type ResNetDepth = (typeof RESNET_DEPTHS)[number];
export const RESNET_STEMS = ['cifar', 'imagenet'] as const;
export type ResNetStem = (typeof RESNET_STEMS)[number];

/** Basic blocks per stage (He et al. 2016, table 1). */
const BLOCKS: Record<ResNetDepth, readonly number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3] };

export interface ResNetOptions extends InitOptions {
  readonly depth: ResNetDepth;
  /**
   * `cifar`: a 3x3 stride-1 conv and no max-pool, for 32x32 images (the stem SimCLR and most CIFAR work use).
   * `imagenet`: a 7x7 stride-2 conv and a 3x3 stride-2 max-pool, as in He et al. 2016.
   */
  readonly stem: ResNetStem;
  /** Channel multiplier: stages have 64w, 128w, 256w, 512w channels (64w must be an integer). Default 1. */
  readonly width?: number;
  /** [H, W, C] of one image. Default [-1, -1, 3]: any size (the network pools globally at the end). */
  readonly inputShape?: readonly [number, number, number];
  /** Start each block's last batch-norm scale at 0, so blocks start as identities (Goyal et al. 2017). Default false. */
  readonly zeroInitResidual?: boolean;
}

interface BasicBlock {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly downsample: { readonly conv: Conv2d; readonly bn: BatchNorm } | undefined;
}

function basicBlock(prefix: string, inChannels: number, channels: number, stride: number, rng: Rng, zeroInitResidual: boolean): BasicBlock {
  const conv = (name: string, cin: number, k: number, s: number) =>
    conv2d({ inChannels: cin, outChannels: channels, kernelSize: k, strides: s, padding: k === 3 ? 1 : 0, bias: false, fanMode: 'fanOut', name: `${prefix}/${name}`, rng });
  return {
    conv1: conv('conv1', inChannels, 3, stride),
    // The ReLU after bn1 runs inside it; bn2's waits for the residual sum.
    bn1: batchNorm({ channels, name: `${prefix}/bn1`, activation: 'relu' }),
    conv2: conv('conv2', channels, 3, 1),
    bn2: batchNorm({ channels, name: `${prefix}/bn2`, gammaInit: zeroInitResidual ? 0 : 1 }),
    downsample:
      stride !== 1 || inChannels !== channels
        ? { conv: conv('downsample/conv', inChannels, 1, stride), bn: batchNorm({ channels, name: `${prefix}/downsample/bn` }) }
        : undefined,
  };
}

function applyBlock(block: BasicBlock, x: tf.Tensor4D, options: ApplyOptions): tf.Tensor4D {
  let h = block.bn1.apply(block.conv1.apply(x), options) as tf.Tensor4D;
  h = block.bn2.apply(block.conv2.apply(h), options) as tf.Tensor4D;
  const shortcut = block.downsample ? (block.downsample.bn.apply(block.downsample.conv.apply(x), options) as tf.Tensor4D) : x;
  return tf.relu(tf.add(h, shortcut) as tf.Tensor4D);
}

/**
 * ResNet-18 / ResNet-34 (He et al. 2016, "Deep Residual Learning for Image Recognition") with basic blocks, as
 * torchvision builds them (He-normal fan-out init, batch norm with momentum 0.1), without the final classifier: the
 * output is the globally pooled feature, outputDim = 512 * width. With the CIFAR stem, ResNet-18 plus a 10-way linear
 * classifier has 11,173,962 parameters, as torchvision's resnet18(num_classes=10) with a 3x3 first conv.
 * Variables follow torchvision's names: `stem/conv`, `stem/bn`, `layer1/0/conv1`, ..., `layer2/0/downsample/conv`.
 * Layers (for probes): `stem` (after its ReLU and max-pool), `layer1`..`layer4` (each stage's output, as torchvision
 * names them), `embedding`.
 */
export function resnet(options: ResNetOptions): Encoder {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  if (!RESNET_DEPTHS.includes(options.depth)) invalidArgument('options.depth', 'one of 18, 34', options.depth);
  assertOneOf('options.stem', options.stem, RESNET_STEMS);
  const width = options.width ?? 1;
  if (typeof width !== 'number' || !(width > 0) || !Number.isInteger(64 * width)) {
    invalidArgument('options.width', 'a number > 0 with 64 * width an integer (e.g. 0.25, 0.5, 1, 2)', width);
  }
  const inputShape = imageInputShape('options.inputShape', options.inputShape ?? [-1, -1, 3]);
  const zeroInitResidual = options.zeroInitResidual ?? false;
  if (typeof zeroInitResidual !== 'boolean') invalidArgument('options.zeroInitResidual', 'a boolean', zeroInitResidual);
  const { depth, stem } = options;
  const rng = resolveRng(options);
  const base = 64 * width;

  const stemConv =
    stem === 'cifar'
      ? conv2d({ inChannels: inputShape[2], outChannels: base, kernelSize: 3, strides: 1, padding: 1, bias: false, fanMode: 'fanOut', name: 'stem/conv', rng })
      : conv2d({ inChannels: inputShape[2], outChannels: base, kernelSize: 7, strides: 2, padding: 3, bias: false, fanMode: 'fanOut', name: 'stem/conv', rng });
  const stemBn = batchNorm({ channels: base, name: 'stem/bn', activation: 'relu' });
  const stages: BasicBlock[][] = [];
  let inChannels = base;
  BLOCKS[depth].forEach((count, s) => {
    const channels = base * 2 ** s;
    const stage: BasicBlock[] = [];
    for (let b = 0; b < count; b++) {
      stage.push(basicBlock(`layer${s + 1}/${b}`, inChannels, channels, b === 0 && s > 0 ? 2 : 1, rng, zeroInitResidual));
      inChannels = channels;
    }
    stages.push(stage);
  });
  const layers = [
    stemConv,
    stemBn,
    ...stages.flat().flatMap((b) => [b.conv1, b.bn1, b.conv2, b.bn2, ...(b.downsample ? [b.downsample.conv, b.downsample.bn] : [])]),
  ];
  const variables = collectVariables(layers);
  const outputDim = base * 8;

  return defineEncoder({
    architecture: 'resnet',
    config: {
      depth,
      stem,
      width,
      inputShape,
      zeroInitResidual,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    },
    inputShape,
    outputDim,
    variables,
    layers: ['stem', ...stages.map((_, s) => `layer${s + 1}`)],
    forward(x, training, tap) {
      const applyOptions: ApplyOptions = { training };
      let h = stemBn.apply(stemConv.apply(x as tf.Tensor4D), applyOptions) as tf.Tensor4D;
      if (stem === 'imagenet') h = maxPool2d(h, 3, 2, 1);
      tap?.('stem', h);
      for (const [s, stage] of stages.entries()) {
        for (const block of stage) h = applyBlock(block, h, applyOptions);
        tap?.(`layer${s + 1}`, h);
      }
      return globalAvgPool(h);
    },
  });
}
