import { type InitOptions, resolveRng } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import {
  type Module,
  type NamedVariable,
  assertInteger,
  assertOptions,
  assertPositiveInteger,
  assertShape,
  disposeVariables,
  invalidArgument,
  l2Normalize,
  namedVariable,
} from '@selfsup/tensors';

export interface MocoQueueOptions extends InitOptions {
  /** K, the number of keys kept (MoCo: 65536 on ImageNet, 4096 on CIFAR). */
  readonly size: number;
  /** D, the key dimension. */
  readonly dim: number;
  /** When given, K must be a multiple of it (checked again at every enqueue against the batch that comes). */
  readonly batchSize?: number;
  /** Prefix of the variables' names. Default "queue". */
  readonly name?: string;
}

/**
 * The dictionary of MoCo (He et al. 2020, "Momentum Contrast for Unsupervised Visual Representation Learning",
 * section 3.2): a first-in-first-out queue of the K most recent keys, the negatives of the next queries.
 * State is two non-trainable variables, `<name>/keys` [K, D] and `<name>/pointer` (int32: the row the next batch
 * overwrites), so `fit`'s checkpoints save and resume it with the rest of the method. The initial keys are random unit
 * vectors (as MoCo's code draws them), from `seed` (default 0) or from an `rng` shared with other parts.
 */
export class MocoQueue implements Module {
  readonly size: number;
  readonly dim: number;
  readonly variables: readonly NamedVariable[];
  private readonly keysVariable: NamedVariable;
  private readonly pointerVariable: NamedVariable;

  constructor(options: MocoQueueOptions) {
    assertOptions('options', options);
    if (options === undefined) invalidArgument('options', 'an options object with size and dim', options);
    assertPositiveInteger('options.size', options.size);
    assertPositiveInteger('options.dim', options.dim);
    const rng = resolveRng(options);
    if (options.batchSize !== undefined) {
      assertPositiveInteger('options.batchSize', options.batchSize);
      if (options.size % options.batchSize !== 0) {
        invalidArgument('options.size', `a multiple of options.batchSize (${options.batchSize})`, options.size);
      }
    }
    const name = options.name ?? 'queue';
    if (typeof name !== 'string' || name.length === 0) invalidArgument('options.name', 'a non-empty string', name);
    this.size = options.size;
    this.dim = options.dim;
    const initial = tf.tidy(() => l2Normalize(tf.tensor2d(rng.normalArray(this.size * this.dim), [this.size, this.dim])));
    this.keysVariable = namedVariable(`${name}/keys`, initial, false);
    this.pointerVariable = namedVariable(`${name}/pointer`, tf.scalar(0, 'int32'), false);
    this.variables = [this.keysVariable, this.pointerVariable];
  }

  /** The row the next enqueued batch starts at (the oldest key). */
  get pointer(): number {
    return this.pointerVariable.variable.dataSync()[0] ?? 0;
  }

  /** The K keys [K, D], in storage order (the live buffer: read it, do not dispose it). Negatives for InfoNCE. */
  keys(): tf.Tensor2D {
    return this.keysVariable.variable as tf.Tensor2D;
  }

  /** A copy of the keys, oldest first (the caller owns it). */
  oldestFirst(): tf.Tensor2D {
    const p = this.pointer;
    return tf.tidy(() => {
      const keys = this.keysVariable.variable;
      if (p === 0) return tf.clone(keys) as tf.Tensor2D;
      return tf.concat([tf.slice(keys, [p, 0], [this.size - p, this.dim]), tf.slice(keys, [0, 0], [p, this.dim])], 0) as tf.Tensor2D;
    });
  }

  /**
   * Replaces the B oldest keys with `keys` [B, D] and advances the pointer by B (mod K). K must be a multiple of B, as
   * in MoCo's code, so a batch never wraps around the end. Call it after the loss: the current keys must not be their
   * own negatives.
   */
  enqueue(keys: tf.Tensor2D): void {
    assertShape('keys', keys, [null, this.dim], { dtype: 'float32' });
    const b = keys.shape[0];
    assertInteger('keys.shape[0]', b, 1, this.size);
    if (this.size % b !== 0) invalidArgument('keys', `a batch whose size divides the queue size ${this.size}`, keys);
    const p = this.pointer;
    tf.tidy(() => {
      const old = this.keysVariable.variable;
      const parts: tf.Tensor[] = [];
      if (p > 0) parts.push(tf.slice(old, [0, 0], [p, this.dim]));
      parts.push(keys);
      if (p + b < this.size) parts.push(tf.slice(old, [p + b, 0], [this.size - p - b, this.dim]));
      this.keysVariable.variable.assign(parts.length === 1 ? tf.clone(keys) : tf.concat(parts, 0));
      this.pointerVariable.variable.assign(tf.scalar((p + b) % this.size, 'int32'));
    });
  }

  dispose(): void {
    disposeVariables(this.variables);
  }
}

/** @deprecated use `MocoQueue`. */
export const MoCoQueue = MocoQueue;
/** @deprecated use `MocoQueue`. */
export type MoCoQueue = MocoQueue;
/** @deprecated use `MocoQueueOptions`. */
export type MoCoQueueOptions = MocoQueueOptions;
