import { assertInteger, createRng, invalidArgument } from '@selfsup/tensors';
import { symmetricEigen } from './symmetric-eigen.js';

/** The k largest eigenpairs of a symmetric matrix. */
export interface TopEigen {
  /** Descending. */
  readonly values: Float64Array;
  /** n x k row-major: column j is the unit eigenvector of values[j], signed so its largest-magnitude entry is > 0. */
  readonly vectors: Float64Array;
}

/** Below this size the full decomposition is cheaper than iterating. */
const DIRECT_LIMIT = 400;

/**
 * The k largest eigenpairs of a symmetric positive semi-definite n x n matrix (row-major, float64). Small matrices
 * use the full decomposition; large ones subspace iteration with Rayleigh-Ritz (O(n^2 k) per step, a fixed internal
 * seed, so the result is deterministic). Signs are fixed (largest-magnitude entry positive) so pictures built from
 * the vectors do not flip between runs.
 */
export function topEigen(matrix: Float64Array, n: number, k: number, options: { maxIterations?: number; tolerance?: number } = {}): TopEigen {
  assertInteger('n', n, 1);
  assertInteger('k', k, 1, n);
  if (matrix.length !== n * n) invalidArgument('matrix', `${n * n} values`, `${matrix.length} values`);
  let values: Float64Array;
  let vectors: Float64Array;
  if (n <= DIRECT_LIMIT) {
    const full = symmetricEigen(matrix, n, { vectors: true });
    values = full.values.slice(0, k);
    vectors = new Float64Array(n * k);
    for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) vectors[r * k + c] = full.vectors![r * n + c] as number;
  } else {
    ({ values, vectors } = subspaceIteration(matrix, n, k, options.maxIterations ?? 500, options.tolerance ?? 1e-10));
  }
  for (let c = 0; c < k; c++) {
    let biggest = 0;
    for (let r = 0; r < n; r++) if (Math.abs(vectors[r * k + c] as number) > Math.abs(vectors[biggest * k + c] as number)) biggest = r;
    if ((vectors[biggest * k + c] as number) < 0) for (let r = 0; r < n; r++) vectors[r * k + c] = -(vectors[r * k + c] as number);
  }
  return { values, vectors };
}

/** A (n x p row-major) := A Q for symmetric A (n x n). */
function multiply(a: Float64Array, q: Float64Array, n: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const rowA = i * n;
    for (let j = 0; j < n; j++) {
      const aij = a[rowA + j] as number;
      if (aij === 0) continue;
      const rowQ = j * p;
      const rowOut = i * p;
      for (let c = 0; c < p; c++) out[rowOut + c] = (out[rowOut + c] as number) + aij * (q[rowQ + c] as number);
    }
  }
  return out;
}

/** Modified Gram-Schmidt on the columns of an n x p row-major matrix, in place. */
function orthonormalize(q: Float64Array, n: number, p: number): void {
  for (let c = 0; c < p; c++) {
    for (let prev = 0; prev < c; prev++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += (q[r * p + c] as number) * (q[r * p + prev] as number);
      for (let r = 0; r < n; r++) q[r * p + c] = (q[r * p + c] as number) - dot * (q[r * p + prev] as number);
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += (q[r * p + c] as number) ** 2;
    norm = Math.sqrt(norm);
    // A column that vanished (rank-deficient matrix): any unit vector orthogonal to the rest will do; use a basis one.
    if (norm < 1e-300) {
      for (let r = 0; r < n; r++) q[r * p + c] = r === c ? 1 : 0;
      c--;
      continue;
    }
    for (let r = 0; r < n; r++) q[r * p + c] = (q[r * p + c] as number) / norm;
  }
}

function subspaceIteration(a: Float64Array, n: number, k: number, maxIterations: number, tolerance: number): TopEigen {
  const p = Math.min(n, k + 6);
  const rng = createRng(0x5eed);
  let q: Float64Array = Float64Array.from({ length: n * p }, () => rng.normal());
  orthonormalize(q, n, p);
  let values: Float64Array = new Float64Array(k);
  let vectors: Float64Array = new Float64Array(n * k);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const z = multiply(a, q, n, p);
    if (iteration % 5 !== 0 && iteration !== maxIterations) {
      orthonormalize(z, n, p);
      q = z;
      continue;
    }
    // Rayleigh-Ritz: T = Q^T A Q (p x p), rotate Q onto T's eigenvectors.
    const t = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += (q[r * p + i] as number) * (z[r * p + j] as number);
        t[i * p + j] = s;
      }
    }
    const small = symmetricEigen(t, p, { vectors: true });
    const ritz = new Float64Array(n * p);
    const az = new Float64Array(n * p);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < p; c++) {
        let s = 0;
        let sz = 0;
        for (let m = 0; m < p; m++) {
          const w = small.vectors![m * p + c] as number;
          s += (q[r * p + m] as number) * w;
          sz += (z[r * p + m] as number) * w;
        }
        ritz[r * p + c] = s;
        az[r * p + c] = sz;
      }
    }
    values = small.values.slice(0, k);
    vectors = new Float64Array(n * k);
    let worst = 0;
    const scale = Math.max(Math.abs(values[0] as number), 1e-300);
    for (let c = 0; c < k; c++) {
      let residual = 0;
      for (let r = 0; r < n; r++) {
        vectors[r * k + c] = ritz[r * p + c] as number;
        residual += ((az[r * p + c] as number) - (values[c] as number) * (ritz[r * p + c] as number)) ** 2;
      }
      worst = Math.max(worst, Math.sqrt(residual) / scale);
    }
    if (worst <= Math.sqrt(tolerance)) break;
    orthonormalize(az, n, p);
    q = az;
  }
  return { values, vectors };
}
