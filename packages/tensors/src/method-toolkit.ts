import * as tf from '@tensorflow/tfjs-core';
import type { Module, NamedVariable } from './contracts.js';
import { invalidArgument } from './errors.js';
import { assertModule, assertNamedVariables, assertRank, assertShape } from './validate.js';
import { assertUniqueNames, scopeVariables } from './variables.js';

/**
 * Building blocks every `SSLMethod` needs, whichever package it lives in (contrastive, pretext, video-colorize, or
 * yours): the method's variable list, disposal, and the per-step tensors a method keeps between `loss`, `afterStep`
 * and `metrics`.
 */

/** One part of a method: a module's variables under `prefix` ("encoder", "projector", "momentum/encoder"). */
export interface MethodPart {
  /** Prepended to the part's variable names, with a "/". Absent: the names are kept as they are. */
  readonly prefix?: string;
  readonly module: Pick<Module, 'variables'>;
  /** List the part's variables as non-trainable (a momentum copy, whose "optimizer" is the EMA). Default false. */
  readonly frozen?: boolean;
}

/**
 * A method's variables: each part's variables under its prefix ("encoder/...", "head/..."), in order, names checked
 * unique. `frozen` parts are listed as non-trainable (fit's optimizer skips them; checkpoints keep them).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { disposeAll, initBackend, methodVariables, namedVariable } from '@selfsup/tensors';
 *
 * await initBackend();
 * const online = { variables: [namedVariable('w', tf.ones([2]))] };
 * const target = { variables: [namedVariable('w', tf.ones([2]))] };
 * const variables = methodVariables([
 *   { prefix: 'encoder', module: online },
 *   { prefix: 'momentum/encoder', module: target, frozen: true },
 * ]);
 * console.log(variables.map((v) => `${v.name} ${v.trainable}`)); // ['encoder/w true', 'momentum/encoder/w false']
 * disposeAll(variables);
 * ```
 */
export function methodVariables(parts: readonly MethodPart[]): NamedVariable[] {
  if (!Array.isArray(parts)) invalidArgument('parts', 'an array of { prefix, module, frozen? }', parts);
  const all = parts.flatMap((p, i) => {
    if (typeof p !== 'object' || p === null || typeof p.module !== 'object' || p.module === null) {
      invalidArgument(`parts[${i}]`, 'a part { prefix, module, frozen? }', p);
    }
    assertNamedVariables(`parts[${i}].module.variables`, p.module.variables);
    const scoped = p.prefix === undefined ? [...p.module.variables] : scopeVariables(p.prefix, p.module.variables);
    return p.frozen === true ? frozen(scoped) : scoped;
  });
  assertUniqueNames(all);
  return all;
}

/** The same variables listed with `trainable: false` (the tf variables themselves are left as they are). */
export function frozen(variables: readonly NamedVariable[]): NamedVariable[] {
  assertNamedVariables('variables', variables);
  return variables.map((v) => ({ ...v, trainable: false }));
}

/** What {@link disposeAll} accepts: modules and other owners (`dispose()`), named variables, tensors, lists of them. */
export type Disposable = { dispose(): void } | NamedVariable | tf.Tensor | readonly Disposable[] | null | undefined;

function isNamedVariable(x: object): x is NamedVariable {
  return (x as Partial<NamedVariable>).variable instanceof tf.Variable && typeof (x as Partial<NamedVariable>).name === 'string';
}

/**
 * Disposes what a method owns, each thing once whatever order and however often it is listed, and what is already
 * disposed is skipped (so a method's `dispose` can run twice). Modules and other owners get their `dispose()`, named
 * variables and tensors are released, lists are walked. Give a method's `variables` to release everything it holds,
 * or its modules when they own more than their variables.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { disposeAll, initBackend, namedVariable } from '@selfsup/tensors';
 *
 * await initBackend();
 * const variables = [namedVariable('w', tf.zeros([2]))];
 * const cache = tf.ones([3]);
 * disposeAll(variables, cache);
 * disposeAll(variables, cache); // safe twice
 * console.log(cache.isDisposed, variables[0]!.variable.isDisposed); // true true
 * ```
 */
export function disposeAll(...items: readonly Disposable[]): void {
  const seen = new Set<object>();
  const visit = (item: Disposable, path: string): void => {
    if (item === undefined || item === null) return;
    if (typeof item !== 'object' && typeof item !== 'function') invalidArgument(path, 'something to dispose (a module, named variable, tensor or list)', item);
    if (seen.has(item)) return;
    seen.add(item);
    if (Array.isArray(item)) {
      item.forEach((x: Disposable, i: number) => visit(x, `${path}[${i}]`));
    } else if (item instanceof tf.Tensor) {
      if (!item.isDisposed) item.dispose();
    } else if (isNamedVariable(item)) {
      if (!item.variable.isDisposed) item.variable.dispose();
    } else if (typeof (item as { dispose?: unknown }).dispose === 'function') {
      (item as { dispose(): void }).dispose();
    } else {
      invalidArgument(path, 'something to dispose (a module, named variable, tensor or list)', item);
    }
  };
  items.forEach((item, i) => visit(item, `items[${i}]`));
}

/**
 * Tensors a method keeps from one step's `loss` for its `afterStep` or `metrics`: per-step scalars (an accuracy, the
 * loss's terms) and larger tensors (the keys MoCo enqueues, the generated images a discriminator trains on).
 *
 * `set` (or `record`, several at once) may run inside a `tf.tidy` or a gradient tape: the slot keeps its own copy,
 * releasing what it held before. `read` turns scalar slots into numbers, releasing their tensors (the numbers stay
 * until overwritten). `clear` (or `dispose`) releases everything. Slots hold numbers too.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { KeptTensors, initBackend } from '@selfsup/tensors';
 *
 * await initBackend();
 * const kept = new KeptTensors<'accuracy' | 'batchSize'>();
 * const loss = tf.tidy(() => {
 *   kept.record({ accuracy: tf.scalar(0.75), batchSize: 8 }); // survives the tidy
 *   return tf.scalar(1.5);
 * });
 * console.log(kept.read()); // { accuracy: 0.75, batchSize: 8 }
 * loss.dispose();
 * kept.clear();
 * ```
 */
export class KeptTensors<K extends string = string> {
  private readonly slots = new Map<K, tf.Tensor | number>();

  /** Keeps a copy of `value` in `key` (a number is stored as is), releasing the previous value. */
  set(key: K, value: tf.Tensor | number): void {
    if (typeof value !== 'number' && !(value instanceof tf.Tensor)) invalidArgument(`kept value "${key}"`, 'a tensor or a number', value);
    this.release(key);
    this.slots.set(key, typeof value === 'number' ? value : tf.keep(tf.clone(value)));
  }

  /** Sets several slots (a step's metrics) at once. */
  record(values: Readonly<Partial<Record<K, tf.Tensor | number>>>): void {
    for (const [key, value] of Object.entries(values) as [K, tf.Tensor | number | undefined][]) {
      if (value !== undefined) this.set(key, value);
    }
  }

  /** The tensor in `key` (owned by this holder: clone it to keep it longer), or undefined (absent, or a number). */
  get(key: K): tf.Tensor | undefined {
    const v = this.slots.get(key);
    return v instanceof tf.Tensor && !v.isDisposed ? v : undefined;
  }

  has(key: K): boolean {
    return this.slots.has(key);
  }

  /** The scalar in `key` as a number (NaN when absent), read now; the slot keeps it as a number. */
  scalar(key: K): number {
    const v = this.slots.get(key);
    if (v === undefined) return Number.NaN;
    if (typeof v === 'number') return v;
    if (v.isDisposed) return Number.NaN;
    if (v.size !== 1) invalidArgument(`kept value "${key}"`, 'a scalar', v);
    const n = v.dataSync()[0] ?? Number.NaN;
    v.dispose();
    this.slots.set(key, n);
    return n;
  }

  /**
   * The slots `keys` (default: every slot holding a number or a one-element tensor) as numbers: a method's
   * `metrics()`. Absent keys read NaN.
   */
  read(keys?: readonly K[]): Record<K, number> {
    const list = keys ?? [...this.slots.keys()].filter((k) => {
      const v = this.slots.get(k);
      return typeof v === 'number' || (v !== undefined && v.size === 1);
    });
    const out = {} as Record<K, number>;
    for (const k of list) out[k] = this.scalar(k);
    return out;
  }

  /** Releases `key`'s value and forgets the slot. */
  delete(key: K): void {
    this.release(key);
    this.slots.delete(key);
  }

  /** Releases every value. */
  clear(): void {
    for (const k of [...this.slots.keys()]) this.release(k);
    this.slots.clear();
  }

  /** Same as {@link clear}: lets `disposeAll` take the holder. */
  dispose(): void {
    this.clear();
  }

  private release(key: K): void {
    const v = this.slots.get(key);
    if (v instanceof tf.Tensor && !v.isDisposed) v.dispose();
  }
}

/** Fraction of rows of `logits` [N, C] whose argmax is the label in `labels` [N], as a scalar tensor (for metrics). */
export function accuracyTensor(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  assertRank('logits', logits, 2);
  assertShape('labels', labels, [logits.shape[0]]);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32')) as tf.Scalar);
}

type WithVariables = { readonly variables: readonly { readonly name: string; readonly variable: tf.Variable }[] };

/**
 * Overwrites every variable of `target` with its same-named twin in `source` (a momentum copy starts equal to the
 * online network). Fails when a name is missing or a shape differs.
 */
export function copyWeights(target: WithVariables, source: WithVariables): void {
  assertModule('target', target);
  assertModule('source', source);
  const sources = new Map(source.variables.map((v) => [v.name, v.variable]));
  for (const t of target.variables) {
    const s = sources.get(t.name);
    if (s === undefined || s.shape.join() !== t.variable.shape.join()) {
      invalidArgument('copyWeights source', `a module of the same architecture (a variable "${t.name}" of shape [${t.variable.shape.join(', ')}])`, s === undefined ? 'none' : s);
    }
    t.variable.assign(s);
  }
}
