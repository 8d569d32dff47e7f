import type * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '@selfsup/tensors';
import { assertOptions, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';
import { defineEncoder } from '../define-encoder.js';
import { type InitOptions, resolveRng } from '../init.js';
import { type BatchNorm, batchNorm } from '../layers/batch-norm.js';
import { type Conv2d, conv2d } from '../layers/conv2d.js';
import { dense } from '../layers/dense.js';
import { collectVariables } from '../layers/layer.js';
import { flatten, maxPool2d } from '../layers/pooling.js';
import { imageInputShape } from './shape.js';

export interface AlexNetSmallOptions extends InitOptions {
  /** [H, W, C] of one patch, H and W in [8, 64] (e.g. [64, 64, 3] Jigsaw tiles, [32, 32, 3], [28, 28, 1]). */
  readonly inputShape: readonly [number, number, number];
  /** Channel multiplier for the five convs (64, 192, 384, 256, 256 at width 1). Default 1. */
  readonly width?: number;
  /** Size of the fc6 embedding (dense -> batch norm -> ReLU). Default 512, the per-tile fc6 of Noroozi & Favaro 2016. */
  readonly outputDim?: number;
}

/** Smallest and largest patch side alexNetSmall accepts. */
export const ALEXNET_SMALL_MIN_SIZE = 8;
export const ALEXNET_SMALL_MAX_SIZE = 64;

const BASE_CHANNELS = [64, 192, 384, 256, 256] as const;

/**
 * A small AlexNet (Krizhevsky et al. 2012) for patches: five convs with batch norm (5x5, 5x5, 3x3, 3x3, 3x3; the
 * first with stride 2 when the patch side exceeds 32) and three 3x3 stride-2 max-pools, then fc6 to `outputDim`
 * with batch norm and ReLU. It is the shared-weight tile encoder of context prediction (Doersch et al. 2015) and
 * Jigsaw puzzles (Noroozi & Favaro 2016): apply it to every patch with {@link encodePatches}. Layers (for probes):
 * `conv1`..`conv5` (each conv's ReLU output, before its max-pool, as AlexNet's layers are probed), `embedding` (fc6).
 */
export function alexNetSmall(options: AlexNetSmallOptions): Encoder {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const inputShape = imageInputShape('options.inputShape', options.inputShape, { allowAny: false });
  const [height, widthPx, inChannels] = inputShape;
  for (const [i, side] of [height, widthPx].entries()) {
    if (side < ALEXNET_SMALL_MIN_SIZE || side > ALEXNET_SMALL_MAX_SIZE) {
      invalidArgument(`options.inputShape[${i}]`, `a patch side in [${ALEXNET_SMALL_MIN_SIZE}, ${ALEXNET_SMALL_MAX_SIZE}] (use resnet for larger images)`, side);
    }
  }
  const width = options.width ?? 1;
  if (typeof width !== 'number' || !(width > 0) || !BASE_CHANNELS.every((c) => Number.isInteger(c * width))) {
    invalidArgument('options.width', 'a number > 0 that keeps every channel count an integer (e.g. 0.25, 0.5, 1)', width);
  }
  const outputDim = options.outputDim ?? 512;
  assertPositiveInteger('options.outputDim', outputDim);
  const rng = resolveRng(options);
  const firstStride = Math.max(height, widthPx) > 32 ? 2 : 1;

  const convs: { conv: Conv2d; bn: BatchNorm; pool: boolean }[] = [];
  let cin = inChannels;
  let [h, w] = [height, widthPx];
  BASE_CHANNELS.forEach((base, i) => {
    const channels = base * width;
    const conv = conv2d({ inChannels: cin, outChannels: channels, kernelSize: i < 2 ? 5 : 3, strides: i === 0 ? firstStride : 1, bias: false, name: `conv${i + 1}`, rng });
    [h, w] = conv.outputSize(h, w);
    const pool = i === 0 || i === 1 || i === 4;
    // 3x3 stride-2 pool with padding 1: ceil(size / 2).
    if (pool) [h, w] = [Math.ceil(h / 2), Math.ceil(w / 2)];
    // Every batch norm here is followed by a ReLU: it applies it itself (fused in training mode).
    convs.push({ conv, bn: batchNorm({ channels, name: `bn${i + 1}`, activation: 'relu' }), pool });
    cin = channels;
  });
  const flatDim = h * w * cin;
  const fc6 = dense({ inputDim: flatDim, outputDim, bias: false, name: 'fc6', rng });
  const bn6 = batchNorm({ channels: outputDim, name: 'bn6', activation: 'relu' });
  const variables = collectVariables([...convs.flatMap((c) => [c.conv, c.bn]), fc6, bn6]);

  return defineEncoder({
    architecture: 'alexNetSmall',
    config: {
      inputShape,
      width,
      outputDim,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    },
    inputShape,
    outputDim,
    variables,
    layers: convs.map((_, i) => `conv${i + 1}`),
    forward(x, training, tap) {
      let y = x as tf.Tensor4D;
      for (const [i, c] of convs.entries()) {
        y = c.bn.apply(c.conv.apply(y), { training }) as tf.Tensor4D;
        tap?.(`conv${i + 1}`, y);
        if (c.pool) y = maxPool2d(y, 3, 2, 1);
      }
      return bn6.apply(fc6.apply(flatten(y)), { training }) as tf.Tensor2D;
    },
  });
}
