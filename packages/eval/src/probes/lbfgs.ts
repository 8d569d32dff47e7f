import { assertFunction, assertInteger, assertOptions, assertPositive, invalidArgument } from '@selfsup/tensors';

export interface LbfgsOptions {
  /** Iterations at most. Default 200. */
  readonly maxIterations?: number;
  /** Stop when the largest |gradient| entry is at most this. Default 1e-5. */
  readonly gradientTolerance?: number;
  /** Stop when the loss changes by less than this (relative). Default 1e-9. */
  readonly lossTolerance?: number;
  /** Correction pairs kept. Default 10. */
  readonly memory?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly loss: number;
  /** Loss after each iteration. */
  readonly losses: readonly number[];
  readonly iterations: number;
  readonly stoppedBy: 'gradient' | 'loss' | 'maxIterations' | 'lineSearch' | 'nonFinite';
}

/** f(x) and its gradient. */
export type Objective = (x: Float64Array) => { loss: number; gradient: Float64Array };

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Limited-memory BFGS (Liu & Nocedal 1989) with a backtracking Armijo line search, for smooth convex objectives such
 * as a regularised softmax regression. Deterministic: no randomness, the same x0 gives the same path.
 */
export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  assertFunction('objective', objective, 'a function (x) => { loss, gradient }');
  if (!(x0 instanceof Float64Array)) invalidArgument('x0', 'a Float64Array (the starting point)', x0);
  assertOptions('options', options);
  const maxIterations = options.maxIterations ?? 200;
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  const lossTolerance = options.lossTolerance ?? 1e-9;
  const memory = options.memory ?? 10;
  assertInteger('options.maxIterations', maxIterations, 0);
  assertPositive('options.gradientTolerance', gradientTolerance);
  assertPositive('options.lossTolerance', lossTolerance);
  assertInteger('options.memory', memory, 1);
  const n = x0.length;
  let x: Float64Array = Float64Array.from(x0);
  let { loss, gradient } = objective(x);
  const losses: number[] = [];
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  if (!Number.isFinite(loss)) return { x, loss, losses, iterations: 0, stoppedBy: 'nonFinite' };
  let stoppedBy: LbfgsResult['stoppedBy'] = 'maxIterations';
  let iterations = 0;
  const maxAbs = (v: Float64Array) => v.reduce((m, a) => Math.max(m, Math.abs(a)), 0);
  if (maxAbs(gradient) <= gradientTolerance) return { x, loss, losses, iterations: 0, stoppedBy: 'gradient' };
  while (iterations < maxIterations) {
    // Two-loop recursion: direction = -H gradient.
    const q = Float64Array.from(gradient);
    const alphas: number[] = new Array(sList.length);
    for (let i = sList.length - 1; i >= 0; i--) {
      const a = (rhoList[i] as number) * dot(sList[i] as Float64Array, q);
      alphas[i] = a;
      const y = yList[i] as Float64Array;
      for (let j = 0; j < n; j++) q[j] = (q[j] as number) - a * (y[j] as number);
    }
    if (sList.length > 0) {
      const sLast = sList[sList.length - 1] as Float64Array;
      const yLast = yList[yList.length - 1] as Float64Array;
      const gamma = dot(sLast, yLast) / dot(yLast, yLast);
      for (let j = 0; j < n; j++) q[j] = (q[j] as number) * gamma;
    }
    for (let i = 0; i < sList.length; i++) {
      const b = (rhoList[i] as number) * dot(yList[i] as Float64Array, q);
      const s = sList[i] as Float64Array;
      const a = alphas[i] as number;
      for (let j = 0; j < n; j++) q[j] = (q[j] as number) + (a - b) * (s[j] as number);
    }
    let direction = q.map((v) => -v);
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      direction = gradient.map((v) => -v);
      slope = dot(gradient, direction);
    }
    // First step of steepest descent: scale to a unit-ish move, as torch.optim.LBFGS does.
    let step = sList.length === 0 ? Math.min(1, 1 / gradient.reduce((s, v) => s + Math.abs(v), 0)) : 1;
    let accepted: { x: Float64Array; loss: number; gradient: Float64Array } | undefined;
    for (let tries = 0; tries < 40; tries++) {
      const candidate = new Float64Array(n);
      for (let j = 0; j < n; j++) candidate[j] = (x[j] as number) + step * (direction[j] as number);
      const evaluated = objective(candidate);
      if (Number.isFinite(evaluated.loss) && evaluated.loss <= loss + 1e-4 * step * slope) {
        accepted = { x: candidate, ...evaluated };
        break;
      }
      step *= 0.5;
    }
    iterations++;
    if (accepted === undefined) {
      stoppedBy = 'lineSearch';
      break;
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      s[j] = (accepted.x[j] as number) - (x[j] as number);
      y[j] = (accepted.gradient[j] as number) - (gradient[j] as number);
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
      if (sList.length > memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
    }
    const previous = loss;
    x = accepted.x;
    loss = accepted.loss;
    gradient = accepted.gradient;
    losses.push(loss);
    if (maxAbs(gradient) <= gradientTolerance) {
      stoppedBy = 'gradient';
      break;
    }
    if (Math.abs(previous - loss) <= lossTolerance * Math.max(1, Math.abs(loss))) {
      stoppedBy = 'loss';
      break;
    }
  }
  return { x, loss, losses, iterations, stoppedBy };
}
