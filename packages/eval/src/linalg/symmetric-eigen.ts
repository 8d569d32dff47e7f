import { SelfsupError, assertInteger, invalidArgument } from '@selfsup/tensors';

/** Eigen-decomposition of a real symmetric matrix: A = V diag(values) V^T. */
export interface SymmetricEigen {
  /** Eigenvalues, in descending order. */
  readonly values: Float64Array;
  /** Eigenvectors as columns of an n x n row-major matrix (column j belongs to values[j]); absent if not asked for. */
  readonly vectors?: Float64Array;
  readonly n: number;
}

/**
 * Eigenvalues (and optionally eigenvectors) of a symmetric n x n matrix (row-major, float64): Householder reduction
 * to tridiagonal form, then the implicit QL algorithm (the EISPACK tred2/tql2 pair, as in the public-domain JAMA
 * library). O(n^3); exact to rounding, unlike iterative methods. Only the lower triangle of `matrix` is read.
 */
export function symmetricEigen(matrix: Float64Array | readonly number[], n: number, options: { vectors?: boolean } = {}): SymmetricEigen {
  assertInteger('n', n, 1);
  if (matrix.length !== n * n) invalidArgument('matrix', `${n * n} values (an ${n} x ${n} matrix)`, `${matrix.length} values`);
  const wantVectors = options.vectors ?? false;
  const V: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      // Symmetrise from the lower triangle.
      const v = i >= j ? (matrix[i * n + j] as number) : (matrix[j * n + i] as number);
      if (!Number.isFinite(v)) invalidArgument('matrix', 'finite values', v);
      row[j] = v;
    }
    V.push(row);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(V, d, e, n);
  diagonalize(V, d, e, n, wantVectors);
  // Descending order.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (d[b] as number) - (d[a] as number) || a - b);
  const values = Float64Array.from(order, (i) => d[i] as number);
  if (!wantVectors) return { values, n };
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const row = V[r] as Float64Array;
    for (let c = 0; c < n; c++) vectors[r * n + c] = row[order[c] as number] as number;
  }
  return { values, vectors, n };
}

/** Householder tridiagonalisation (tred2): on return d is the diagonal, e the sub-diagonal, V the transformation. */
function tridiagonalize(V: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  const row = (i: number) => V[i] as Float64Array;
  for (let j = 0; j < n; j++) d[j] = row(n - 1)[j] as number;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = row(i - 1)[j] as number;
        row(i)[j] = 0;
        row(j)[i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = (d[k] as number) / scale;
        h += (d[k] as number) * (d[k] as number);
      }
      let f = d[i - 1] as number;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        row(j)[i] = f;
        g = (e[j] as number) + (row(j)[j] as number) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = row(k)[j] as number;
          g += vkj * (d[k] as number);
          e[k] = (e[k] as number) + vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = (e[j] as number) / h;
        f += (e[j] as number) * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = (e[j] as number) - hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        for (let k = j; k <= i - 1; k++) row(k)[j] = (row(k)[j] as number) - (f * (e[k] as number) + g * (d[k] as number));
        d[j] = row(i - 1)[j] as number;
        row(i)[j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    row(n - 1)[i] = row(i)[i] as number;
    row(i)[i] = 1;
    const h = d[i + 1] as number;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = (row(k)[i + 1] as number) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += (row(k)[i + 1] as number) * (row(k)[j] as number);
        for (let k = 0; k <= i; k++) row(k)[j] = (row(k)[j] as number) - g * (d[k] as number);
      }
    }
    for (let k = 0; k <= i; k++) row(k)[i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = row(n - 1)[j] as number;
    row(n - 1)[j] = 0;
  }
  row(n - 1)[n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal matrix (tql2). Rotations are applied to V only when vectors are wanted. */
function diagonalize(V: Float64Array[], d: Float64Array, e: Float64Array, n: number, wantVectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m] as number) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iterations = 0;
      do {
        iterations++;
        if (iterations > 100) {
          throw new SelfsupError('UNSUPPORTED', `symmetricEigen: QL iteration did not converge for eigenvalue ${l}`, { n });
        }
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          if (wantVectors) {
            for (let k = 0; k < n; k++) {
              const vk = V[k] as Float64Array;
              const t = vk[i + 1] as number;
              vk[i + 1] = s * (vk[i] as number) + c * t;
              vk[i] = c * (vk[i] as number) - s * t;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
}
