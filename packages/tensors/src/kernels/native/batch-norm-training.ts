import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING_KERNELS } from '../../ops/batch-norm-training.js';
import type { NativeAddon } from './addon.js';
import { activeAddon, heap, nativeKernelStats, wasmKernel } from './common.js';

/*
 * The kernels of @selfsup/tensors' batchNormTraining op on the wasm backend, computed by the addon in one reduction and
 * one element-wise pass per direction (native/batch_norm_training.cc), with or without a ReLU after the batch norm.
 * They replace no wasm kernel: without them (an addon built before they existed, or no addon) the op runs as tfjs ops.
 */

type Attrs = { epsilon: number };

/** Whether the addon has the batch-norm training functions (older builds do not). */
export function hasBatchNormTraining(addon: NativeAddon): boolean {
  return typeof addon.batchNormTraining === 'function' && typeof addon.batchNormTrainingGrad === 'function';
}

/** Whether the addon has the batch-norm + ReLU training functions (older builds do not). */
export function hasBatchNormReluTraining(addon: NativeAddon): boolean {
  return typeof addon.batchNormReluTraining === 'function' && typeof addon.batchNormReluTrainingGrad === 'function';
}

function withAddon(has: (addon: NativeAddon) => boolean): Required<NativeAddon> {
  const addon = activeAddon();
  if (addon === undefined || !has(addon)) throw new Error('the native batch-norm kernels ran with no addon that has them');
  return addon as Required<NativeAddon>;
}

/** [outer, channels] of a channels-last tensor; the op checks dtypes and shapes before it calls a kernel. */
function rows(x: TensorInfo): [number, number] {
  const channels = x.shape[x.shape.length - 1] as number;
  return [util.sizeFromShape(x.shape) / channels, channels];
}

function assertFloat(kernel: string, infos: TensorInfo[]): void {
  if (infos.some((info) => info.dtype !== 'float32')) throw new Error(`${kernel}: every input must be float32`);
}

/** The forward kernel `kernel`: x, scale, offset -> y (or relu(y) with `relu`), mean, variance (biased). */
function forwardConfig(kernel: string, relu: boolean): KernelConfig {
  return wasmKernel<Attrs>(kernel, ({ inputs, backend, attrs }) => {
    const { x, scale, offset } = inputs as Record<'x' | 'scale' | 'offset', TensorInfo>;
    assertFloat(kernel, [x, scale, offset]);
    const addon = withAddon(relu ? hasBatchNormReluTraining : hasBatchNormTraining);
    const [outer, channels] = rows(x);
    nativeKernelStats.native++;
    const y = backend.makeOutput([...x.shape], 'float32');
    const mean = backend.makeOutput([channels], 'float32');
    const variance = backend.makeOutput([channels], 'float32');
    const h = (info: TensorInfo) => heap(backend, info);
    const run = relu ? addon.batchNormReluTraining : addon.batchNormTraining;
    run(h(x), h(scale), h(offset), h(y), h(mean), h(variance), [outer, channels], attrs.epsilon);
    return [y, mean, variance];
  });
}

/** x, scale, offset -> y, mean, variance (biased). */
export const batchNormTrainingConfig: KernelConfig = forwardConfig(BATCH_NORM_TRAINING_KERNELS.forward, false);

/** x, scale, offset -> relu(y), mean, variance (biased). */
export const batchNormReluTrainingConfig: KernelConfig = forwardConfig(BATCH_NORM_TRAINING_KERNELS.reluForward, true);

/**
 * The backward kernel `kernel`: dy, x, scale, mean, variance -> dx, dscale, doffset; with `relu`, dy is the gradient of
 * the ReLU's output and the forward's output y comes first among the inputs after dy (the ReLU mask).
 */
function backwardConfig(kernel: string, relu: boolean): KernelConfig {
  return wasmKernel<Attrs>(kernel, ({ inputs, backend, attrs }) => {
    const { dy, y, x, scale, mean, variance } = inputs as Record<'dy' | 'y' | 'x' | 'scale' | 'mean' | 'variance', TensorInfo>;
    assertFloat(kernel, relu ? [dy, y, x, scale, mean, variance] : [dy, x, scale, mean, variance]);
    const addon = withAddon(relu ? hasBatchNormReluTraining : hasBatchNormTraining);
    const [outer, channels] = rows(x);
    nativeKernelStats.native++;
    const dx = backend.makeOutput([...x.shape], 'float32');
    const dscale = backend.makeOutput([channels], 'float32');
    const doffset = backend.makeOutput([channels], 'float32');
    const h = (info: TensorInfo) => heap(backend, info);
    const tail = [h(x), h(scale), h(mean), h(variance), h(dx), h(dscale), h(doffset)] as const;
    if (relu) addon.batchNormReluTrainingGrad(h(dy), h(y), ...tail, [outer, channels], attrs.epsilon);
    else addon.batchNormTrainingGrad(h(dy), ...tail, [outer, channels], attrs.epsilon);
    return [dx, dscale, doffset];
  });
}

/** dy, x, scale, mean, variance -> dx, dscale, doffset. */
export const batchNormTrainingGradConfig: KernelConfig = backwardConfig(BATCH_NORM_TRAINING_KERNELS.backward, false);

/** dy (of the ReLU's output), y (that output), x, scale, mean, variance -> dx, dscale, doffset. */
export const batchNormReluTrainingGradConfig: KernelConfig = backwardConfig(BATCH_NORM_TRAINING_KERNELS.reluBackward, true);
