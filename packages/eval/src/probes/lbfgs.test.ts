import { describe, expect, it } from 'vitest';
import { minimizeLbfgs } from './lbfgs.js';

describe('minimizeLbfgs', () => {
  it('finds the minimum of a badly conditioned quadratic', () => {
    // f(x) = 0.5 sum_i c_i (x_i - t_i)^2 with condition number 1000.
    const c = [1, 10, 100, 1000];
    const t = [3, -2, 0.5, 7];
    const result = minimizeLbfgs((x) => {
      let loss = 0;
      const gradient = new Float64Array(4);
      x.forEach((xi, i) => {
        const diff = xi - t[i]!;
        loss += 0.5 * c[i]! * diff * diff;
        gradient[i] = c[i]! * diff;
      });
      return { loss, gradient };
    }, new Float64Array(4), { gradientTolerance: 1e-9, lossTolerance: 1e-15, maxIterations: 100 });
    Array.from(result.x).forEach((xi, i) => {
    expect(xi).toBeCloseTo(t[i]!, 6);
  });
    expect(['gradient', 'loss']).toContain(result.stoppedBy);
    expect(result.loss).toBeLessThan(1e-10);
    for (let i = 1; i < result.losses.length; i++) expect(result.losses[i]!).toBeLessThanOrEqual(result.losses[i - 1]!);
  });

  it('minimises the Rosenbrock function', () => {
    const result = minimizeLbfgs(([a = 0, b = 0]) => ({
      loss: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
      gradient: Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]),
    }), Float64Array.from([-1.2, 1]), { maxIterations: 500, gradientTolerance: 1e-8, lossTolerance: 1e-16 });
    expect(result.x[0]).toBeCloseTo(1, 4);
    expect(result.x[1]).toBeCloseTo(1, 4);
  });

  it('rejects bad options', () => {
    const f = (x: Float64Array) => ({ loss: 0, gradient: x });
    expect(() => minimizeLbfgs(f, new Float64Array(1), { memory: 0 })).toThrow(/options\.memory must be an integer >= 1; got 0/);
  });
});
