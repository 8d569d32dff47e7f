import * as tf from '@tensorflow/tfjs-core';
import type { Module, NamedVariable } from '@selfsup/tensors';
import { assertUniqueNames, disposeVariables, invalidArgument, scopeVariables } from '@selfsup/tensors';

/**
 * A method's variables: each part's variables under its prefix ("encoder/...", "head/..."), in order, with unique
 * names. `frozen` parts are listed as non-trainable (fit's optimizer skips them; checkpoints keep them).
 */
export function methodVariables(parts: readonly { prefix: string; module: Pick<Module, 'variables'>; frozen?: boolean }[]): NamedVariable[] {
  const all = parts.flatMap((p) => {
    const scoped = scopeVariables(p.prefix, p.module.variables);
    return p.frozen ? scoped.map((v) => ({ ...v, trainable: false })) : scoped;
  });
  assertUniqueNames(all);
  return all;
}

/** Disposes a method's variables (safe twice) and whatever else it holds. */
export function disposeAll(variables: readonly NamedVariable[], ...others: (tf.TensorContainer | { dispose(): void } | undefined)[]): void {
  disposeVariables(variables);
  for (const o of others) {
    if (o === undefined) continue;
    if (typeof (o as { dispose?: unknown }).dispose === 'function' && !(o instanceof tf.Tensor)) (o as { dispose(): void }).dispose();
    else tf.dispose(o as tf.TensorContainer);
  }
}

/**
 * Tensors a method keeps from `loss` for `metrics` or `afterStep` (a pretext accuracy, the generated images a
 * discriminator trains on). Setting a slot inside a tidy (or a gradient tape) keeps the tensor; the previous value is
 * released.
 */
export class KeptTensors<K extends string> {
  private readonly slots = new Map<K, tf.Tensor>();

  set(key: K, value: tf.Tensor): void {
    this.slots.get(key)?.dispose();
    this.slots.set(key, tf.keep(value));
  }

  get(key: K): tf.Tensor | undefined {
    const t = this.slots.get(key);
    return t === undefined || t.isDisposed ? undefined : t;
  }

  /** The scalar in `key` as a number (NaN when absent). */
  scalar(key: K): number {
    const t = this.get(key);
    return t === undefined ? Number.NaN : (t.dataSync()[0] ?? Number.NaN);
  }

  delete(key: K): void {
    this.slots.get(key)?.dispose();
    this.slots.delete(key);
  }

  clear(): void {
    for (const t of this.slots.values()) t.dispose();
    this.slots.clear();
  }
}

/** Fraction of rows whose argmax is the label, as a scalar tensor (for metrics). */
export function accuracyTensor(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar);
}

/** Checks a list of hidden sizes (a head's). */
export function hiddenSizes(name: string, value: unknown, fallback: readonly number[]): number[] {
  const dims = value ?? fallback;
  if (!Array.isArray(dims) || dims.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    invalidArgument(name, 'an array of positive integers (hidden layer sizes)', value);
  }
  return [...(dims as number[])];
}
