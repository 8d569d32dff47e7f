import type * as tf from '@tensorflow/tfjs-core';
import { assertOneOf } from '@selfsup/tensors';
import { batchNorm } from './batch-norm.js';
import { groupNorm } from './group-norm.js';
import type { Layer } from './layer.js';

/** Normalisation after a conv or dense layer: batch norm, group norm, or none. */
export const NORMS = ['batch', 'group', 'none'] as const;
export type NormKind = (typeof NORMS)[number];

/** The largest divisor of `channels` that is at most 32 (Wu & He's 32 groups when channels allow). */
export function defaultGroups(channels: number): number {
  for (let g = Math.min(32, channels); g > 1; g--) if (channels % g === 0) return g;
  return 1;
}

/** Builds the normalisation layer `kind` for `channels`, or undefined for `none`. Group norm uses {@link defaultGroups}. */
export function normLayer(kind: NormKind, channels: number, name: string): Layer<tf.Tensor, tf.Tensor> | undefined {
  assertOneOf('norm', kind, NORMS);
  if (kind === 'none') return undefined;
  return kind === 'batch' ? batchNorm({ channels, name }) : groupNorm({ channels, groups: defaultGroups(channels), name });
}
