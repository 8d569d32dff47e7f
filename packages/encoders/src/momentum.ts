import * as tf from '@tensorflow/tfjs-core';
import type { Encoder, Module, NamedVariable } from '@selfsup/tensors';
import {
  SelfsupError,
  assertInRange,
  assertInteger,
  assertOptions,
  assertPositiveInteger,
  disposeVariables,
  invalidArgument,
} from '@selfsup/tensors';
import { withoutInitialisation } from './init.js';
import { buildEncoder } from './registry.js';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function assertModule(name: string, value: unknown): asserts value is Module {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Module).variables)) {
    invalidArgument(name, 'a module with variables (an Encoder or Head)', value);
  }
}

/**
 * A momentum (EMA) copy of an encoder or head built by this package or by a registered architecture: the same
 * architecture rebuilt from `encoder.config`, holding a copy of every variable (running statistics included). All of
 * its variables have `trainable: false`, so `fit` never updates them; `emaUpdate` does. The copy owns its variables.
 */
export function momentumCopy<T extends Encoder>(encoder: T): T {
  assertModule('encoder', encoder);
  if (typeof encoder.architecture !== 'string') invalidArgument('encoder', 'an Encoder (with architecture and config)', encoder);
  // Every variable is copied below: skip drawing initial weights.
  const built = withoutInitialisation(() => buildEncoder(encoder.architecture, encoder.config));
  try {
    const source = new Map(encoder.variables.map((v) => [v.name, v]));
    if (built.variables.length !== encoder.variables.length) {
      throw new SelfsupError(
        'UNSUPPORTED',
        `momentumCopy: rebuilding "${encoder.architecture}" from its config gave ${built.variables.length} variables, the encoder has ${encoder.variables.length}`,
      );
    }
    for (const v of built.variables) {
      const s = source.get(v.name);
      if (s === undefined || !sameShape(s.variable.shape, v.variable.shape)) {
        throw new SelfsupError(
          'UNSUPPORTED',
          `momentumCopy: rebuilding "${encoder.architecture}" from its config gave variable "${v.name}" [${v.variable.shape.join(', ')}], which the encoder ${s === undefined ? 'lacks' : `has as [${s.variable.shape.join(', ')}]`}`,
        );
      }
      v.variable.assign(s.variable);
      // tfjs's own flag: tf.variableGrads() without a list skips non-trainable variables too.
      v.variable.trainable = false;
    }
  } catch (error) {
    built.dispose();
    throw error;
  }
  const frozen: NamedVariable[] = built.variables.map((v) => ({ name: v.name, variable: v.variable, trainable: false }));
  // Keep every field of the original (a head's inputDim and blocks, say) and the rebuilt one's forward pass.
  return Object.freeze({
    ...encoder,
    ...built,
    variables: Object.freeze(frozen),
    apply: built.apply.bind(built),
    dispose: () => disposeVariables(frozen),
  }) as T;
}

export interface EmaUpdateOptions {
  /**
   * Also average the online module's non-trainable state (batch-norm running statistics). Default false: only the
   * parameters, as MoCo and BYOL do; the target's running statistics follow its own forward passes in training mode.
   */
  readonly includeState?: boolean;
}

/**
 * Exponential moving average, weight by weight: target <- m * target + (1 - m) * online, for every variable of the
 * target whose online counterpart (matched by local name) is trainable, or every one with `includeState`. m = 1
 * leaves the target as it is; m = 0 copies the online weights. Shapes must match. Runs outside any gradient tape.
 */
export function emaUpdate(target: Module, online: Module, m: number, options: EmaUpdateOptions = {}): void {
  assertModule('target', target);
  assertModule('online', online);
  assertInRange('m', m, 0, 1);
  assertOptions('options', options);
  const includeState = options.includeState ?? false;
  const sources = new Map(online.variables.map((v) => [v.name, v]));
  const pairs: [tf.Variable, tf.Variable][] = [];
  for (const t of target.variables) {
    const s = sources.get(t.name);
    if (s === undefined) invalidArgument('online', `a module with a variable "${t.name}" (as the target has)`, `none of that name`);
    if (!sameShape(s.variable.shape, t.variable.shape)) {
      invalidArgument(`online variable "${t.name}"`, `of shape [${t.variable.shape.join(', ')}] (as the target's)`, s.variable);
    }
    if (s.variable === t.variable) invalidArgument('target', 'a module that does not share variables with online', `"${t.name}" shared`);
    if (s.trainable || includeState) pairs.push([t.variable, s.variable]);
  }
  if (m === 1) return;
  tf.tidy(() => {
    for (const [t, s] of pairs) {
      t.assign(m === 0 ? tf.clone(s) : tf.add(tf.mul(t, m), tf.mul(s, 1 - m)));
    }
  });
}

/**
 * BYOL's schedule for the target decay: m = 1 - (1 - base) * (cos(pi * step / totalSteps) + 1) / 2, from `base` at
 * step 0 up to 1 at the last step. Grill et al. 2020, "Bootstrap Your Own Latent", section 3.2 (base 0.996).
 */
export function byolMomentum(step: number, totalSteps: number, base = 0.996): number {
  assertPositiveInteger('totalSteps', totalSteps);
  assertInteger('step', step, 0, totalSteps);
  assertInRange('base', base, 0, 1);
  return 1 - ((1 - base) * (Math.cos((Math.PI * step) / totalSteps) + 1)) / 2;
}
