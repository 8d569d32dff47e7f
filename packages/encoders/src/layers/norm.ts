import type * as tf from '@tensorflow/tfjs-core';
import { assertOneOf } from '@selfsup/tensors';
import { batchNorm } from './batch-norm.js';
import { groupNorm } from './group-norm.js';
import type { Layer } from './layer.js';

/** Normalisation after a conv or dense layer: batch norm, group norm, or none. */
export const NORMS = ['batch', 'group', 'none'] as const;
export type NormKind = (typeof NORMS)[number];

/** Builds the normalisation layer `kind` for `channels`, or undefined for `none`. */
export function normLayer(kind: NormKind, channels: number, name: string): Layer<tf.Tensor, tf.Tensor> | undefined {
  assertOneOf('norm', kind, NORMS);
  if (kind === 'none') return undefined;
  return kind === 'batch' ? batchNorm({ channels, name }) : groupNorm({ channels, name });
}
