// Plain, loop-based float64 references of every loss. The numerical set-up the loss tests share (random matrices,
// evaluate, finite-difference gradients, seeds) is in @selfsup/test-utils.
import type { Matrix } from '@selfsup/test-utils';

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));
const unit = (a: readonly number[]) => {
  const n = Math.max(norm(a), 1e-12);
  return a.map((x) => x / n);
};
const cosine = (a: readonly number[], b: readonly number[]) => dot(unit(a), unit(b));

/** -log(exp(x[target]) / sum_j exp(x[j])), stable. */
export function crossEntropy(logits: readonly number[], target: number): number {
  const max = Math.max(...logits);
  const lse = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
  return lse - (logits[target] as number);
}

/** `negatives`: a shared [M][D] matrix, or { perQuery: [N][M][D] }. */
export function refInfoNCE(q: Matrix, kPos: Matrix, negatives: Matrix | { perQuery: Matrix[] }, temperature: number, normalize = true): number {
  const f = (v: readonly number[]) => (normalize ? unit(v) : [...v]);
  let total = 0;
  q.forEach((qi, i) => {
    const negs = Array.isArray(negatives) ? negatives : (negatives.perQuery[i] as Matrix);
    const logits = [dot(f(qi), f(kPos[i] as number[])) / temperature];
    for (const k of negs) logits.push(dot(f(qi), f(k)) / temperature);
    total += crossEntropy(logits, 0);
  });
  return total / q.length;
}

export function refNtXent(z1: Matrix, z2: Matrix, temperature: number): number {
  const z = [...z1, ...z2];
  const n = z1.length;
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const positive = i < n ? i + n : i - n;
    const logits: number[] = [];
    let target = -1;
    for (let k = 0; k < 2 * n; k++) {
      if (k === i) continue;
      if (k === positive) target = logits.length;
      logits.push(cosine(z[i] as number[], z[k] as number[]) / temperature);
    }
    total += crossEntropy(logits, target);
  }
  return total / (2 * n);
}

/** Multi-view NT-Xent: each anchor's V - 1 positives, each its own softmax over the other VN - 1 views, averaged. */
export function refMultiViewNtXent(views: Matrix[], temperature: number): number {
  const z = views.flat();
  const n = (views[0] as Matrix).length;
  const v = views.length;
  let total = 0;
  for (let i = 0; i < v * n; i++) {
    const others = z.map((_, k) => k).filter((k) => k !== i);
    const logits = others.map((k) => cosine(z[i] as number[], z[k] as number[]) / temperature);
    const positives = others.map((k, j) => (k % n === i % n ? j : -1)).filter((j) => j >= 0);
    total += positives.reduce((s, j) => s + crossEntropy(logits, j), 0) / (v - 1);
  }
  return total / (v * n);
}

export function refClip(a: Matrix, b: Matrix, scale: number): number {
  const n = a.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += crossEntropy(b.map((bj) => scale * cosine(a[i] as number[], bj)), i);
    total += crossEntropy(a.map((aj) => scale * cosine(aj, b[i] as number[])), i);
  }
  return total / (2 * n);
}

export function refByol(p: Matrix, t: Matrix): number {
  return p.reduce((s, pi, i) => s + 2 - 2 * cosine(pi, t[i] as number[]), 0) / p.length;
}

export function refSimSiam(p: Matrix, t: Matrix): number {
  return -p.reduce((s, pi, i) => s + cosine(pi, t[i] as number[]), 0) / p.length;
}

function columnStats(z: Matrix, j: number, unbiased: boolean): { mean: number; variance: number } {
  const n = z.length;
  const mean = z.reduce((s, r) => s + (r[j] as number), 0) / n;
  const ss = z.reduce((s, r) => s + ((r[j] as number) - mean) ** 2, 0);
  return { mean, variance: ss / (unbiased ? n - 1 : n) };
}

export function refBarlowTwins(z1: Matrix, z2: Matrix, lambda = 0.0051, epsilon = 1e-5): number {
  const n = z1.length;
  const d = (z1[0] as number[]).length;
  const standardize = (z: Matrix) => {
    const stats = Array.from({ length: d }, (_, j) => columnStats(z, j, false));
    return z.map((r) => r.map((x, j) => (x - stats[j]!.mean) / Math.sqrt(stats[j]!.variance + epsilon)));
  };
  const a = standardize(z1);
  const b = standardize(z2);
  let loss = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let c = 0;
      for (let k = 0; k < n; k++) c += (a[k]![i] as number) * (b[k]![j] as number);
      c /= n;
      loss += i === j ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

export function refVicreg(
  z1: Matrix,
  z2: Matrix,
  w = { invariance: 25, variance: 25, covariance: 1 },
  gamma = 1,
  epsilon = 1e-4,
): { loss: number; invariance: number; variance: number; covariance: number } {
  const n = z1.length;
  const d = (z1[0] as number[]).length;
  let invariance = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) invariance += ((z1[i]![j] as number) - (z2[i]![j] as number)) ** 2;
  invariance /= n * d;
  const v = (z: Matrix) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.max(0, gamma - Math.sqrt(columnStats(z, j, true).variance + epsilon));
    return s / d;
  };
  const c = (z: Matrix) => {
    const means = Array.from({ length: d }, (_, j) => columnStats(z, j, true).mean);
    let s = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        if (i === j) continue;
        let cov = 0;
        for (let k = 0; k < n; k++) cov += ((z[k]![i] as number) - means[i]!) * ((z[k]![j] as number) - means[j]!);
        s += (cov / (n - 1)) ** 2;
      }
    }
    return s / d;
  };
  const variance = v(z1) + v(z2);
  const covariance = c(z1) + c(z2);
  return { loss: w.invariance * invariance + w.variance * variance + w.covariance * covariance, invariance, variance, covariance };
}
