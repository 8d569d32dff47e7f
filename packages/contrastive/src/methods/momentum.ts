import * as tf from '@tensorflow/tfjs-core';
import { type Module, assertInRange, assertInteger, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';

// Interim EMA helpers with the same contract as @selfsup/encoders' emaUpdate / byolMomentum (replaced by them once
// that package is on main).

/** target <- m * target + (1 - m) * online for every variable whose online twin (same local name) is trainable. */
export function emaUpdate(target: Module, online: Module, m: number): void {
  assertInRange('m', m, 0, 1);
  const sources = new Map(online.variables.map((v) => [v.name, v]));
  const pairs: [tf.Variable, tf.Variable][] = [];
  for (const t of target.variables) {
    const s = sources.get(t.name);
    if (s === undefined) invalidArgument('online', `a module with a variable "${t.name}" (as the target has)`, 'none of that name');
    if (s.variable === t.variable) invalidArgument('target', 'a module that does not share variables with online', `"${t.name}" shared`);
    if (s.trainable) pairs.push([t.variable, s.variable]);
  }
  tf.tidy(() => {
    for (const [t, s] of pairs) t.assign(tf.add(tf.mul(t, m), tf.mul(s, 1 - m)));
  });
}

/** BYOL's target decay: 1 - (1 - base) (cos(pi k / K) + 1) / 2. */
export function byolMomentum(step: number, totalSteps: number, base = 0.996): number {
  assertPositiveInteger('totalSteps', totalSteps);
  assertInteger('step', step, 0, totalSteps);
  assertInRange('base', base, 0, 1);
  return 1 - ((1 - base) * (Math.cos((Math.PI * step) / totalSteps) + 1)) / 2;
}
