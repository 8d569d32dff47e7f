import * as tf from '@tensorflow/tfjs-core';
import type { Module, NamedVariable } from './contracts.js';
import { invalidArgument } from './errors.js';
import { assertModule, assertNamedVariables, assertOptions, assertTensor } from './validate.js';

let counter = 0;

/**
 * Creates a variable with a module-local name. Takes ownership of `initial` (disposes it) unless it is itself a
 * variable, which is copied and left alone. The engine-global name gets a unique suffix, because tfjs refuses two
 * live variables with one name (two encoders of one architecture, a momentum copy).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, namedVariable } from '@selfsup/tensors';
 *
 * await initBackend();
 * const kernel = namedVariable('dense/kernel', tf.zeros([4, 2])); // takes ownership of the zeros
 * const mean = namedVariable('bn/movingMean', tf.zeros([2]), false); // state: fit's optimizer leaves it alone
 * console.log(kernel.name, kernel.variable.shape, mean.trainable); // dense/kernel [4, 2] false
 * tf.dispose([kernel.variable, mean.variable]);
 * ```
 */
export function namedVariable(name: string, initial: tf.Tensor, trainable = true): NamedVariable {
  assertTensor('initial', initial);
  // Ownership of `initial` passes even when the call fails: callers build it inline (namedVariable(n, tf.zeros(..))).
  const reject = (argument: string, expected: string, got: unknown): never => {
    if (!(initial instanceof tf.Variable)) initial.dispose();
    return invalidArgument(argument, expected, got);
  };
  if (typeof name !== 'string' || name.length === 0) reject('name', 'a non-empty string', name);
  if (typeof trainable !== 'boolean') reject('trainable', 'a boolean', trainable);
  counter += 1;
  const variable = tf.variable(initial, trainable, `${name}__${counter}`);
  if (!(initial instanceof tf.Variable)) initial.dispose();
  return { name, variable, trainable };
}

/** Prefixes the local names of `vars` ("head" + "dense/kernel" -> "head/dense/kernel"). */
export function scopeVariables(prefix: string, vars: readonly NamedVariable[]): NamedVariable[] {
  if (typeof prefix !== 'string' || prefix.length === 0) invalidArgument('prefix', 'a non-empty string', prefix);
  assertNamedVariables('vars', vars);
  return vars.map((v) => ({ ...v, name: `${prefix}/${v.name}` }));
}

/** The trainable tf variables of a module. */
export function trainableVariables(module: Pick<Module, 'variables'>): tf.Variable[] {
  assertModule('module', module);
  return module.variables.filter((v) => v.trainable).map((v) => v.variable);
}

/** Number of scalars in the trainable variables (the "parameter count" papers report). */
export function countParameters(module: Pick<Module, 'variables'>, options: { includeState?: boolean } = {}): number {
  assertModule('module', module);
  assertOptions('options', options);
  return module.variables
    .filter((v) => v.trainable || options.includeState === true)
    .reduce((sum, v) => sum + v.variable.size, 0);
}

/** Checks that local names are unique (checkpoints key on them). */
export function assertUniqueNames(vars: readonly NamedVariable[]): void {
  assertNamedVariables('variables', vars);
  const seen = new Set<string>();
  for (const v of vars) {
    if (seen.has(v.name)) invalidArgument('variables', 'variables with unique names', `a duplicate name "${v.name}"`);
    seen.add(v.name);
  }
}

/** Disposes every variable. */
export function disposeVariables(vars: readonly NamedVariable[]): void {
  assertNamedVariables('vars', vars);
  for (const v of vars) if (!v.variable.isDisposed) v.variable.dispose();
}
