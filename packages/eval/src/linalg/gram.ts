/**
 * The Gram matrix of an [n, d] row-major matrix in double precision, on its smaller side: Z^T Z (d x d) when n >= d,
 * else Z Z^T (n x n). Both have the squared singular values of Z as non-zero eigenvalues. Double precision matters:
 * a float32 Gram matrix blurs singular values below ~3e-4 of the largest, which would inflate an effective rank.
 * With `center`, column means are subtracted first (the covariance, up to a factor n - 1).
 */
export function gramMatrix(values: Float32Array | Float64Array, n: number, d: number, options: { center?: boolean } = {}): { gram: Float64Array; size: number } {
  const z = Float64Array.from(values);
  if (options.center) {
    for (let j = 0; j < d; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += z[i * d + j] as number;
      mean /= n;
      for (let i = 0; i < n; i++) z[i * d + j] = (z[i * d + j] as number) - mean;
    }
  }
  if (n >= d) {
    // Z^T Z, accumulated row by row (cache-friendly), lower triangle then mirrored.
    const gram = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const base = i * d;
      for (let a = 0; a < d; a++) {
        const za = z[base + a] as number;
        if (za === 0) continue;
        const rowA = a * d;
        for (let b = 0; b <= a; b++) gram[rowA + b] = (gram[rowA + b] as number) + za * (z[base + b] as number);
      }
    }
    mirror(gram, d);
    return { gram, size: d };
  }
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (z[a * d + j] as number) * (z[b * d + j] as number);
      gram[a * n + b] = s;
    }
  }
  mirror(gram, n);
  return { gram, size: n };
}

function mirror(m: Float64Array, size: number): void {
  for (let a = 0; a < size; a++) for (let b = a + 1; b < size; b++) m[a * size + b] = m[b * size + a] as number;
}
