import * as tf from '@tensorflow/tfjs-core';
import { type Rng, assertOptions, assertPositive, assertPositiveInteger, assertRng, assertShape, invalidArgument } from '@selfsup/tensors';

export interface KMeansOptions {
  /** Draws the k-means++ seeds. Same generator state, same clusters. */
  readonly rng: Rng;
  /** Lloyd iterations at most. Default 50. */
  readonly maxIterations?: number;
  /** Stop when no centroid moves more than this (Euclidean). Default 1e-4. */
  readonly tolerance?: number;
}

export interface KMeansResult {
  /** [K, D] cluster centres. The caller owns the tensor. */
  readonly centroids: tf.Tensor2D;
  /** Cluster of every point. */
  readonly assignments: Int32Array;
  /** Sum of squared distances of the points to their centres. */
  readonly inertia: number;
  /** Lloyd iterations run. */
  readonly iterations: number;
}

function squaredDistance(points: Float32Array, i: number, centres: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) {
    const diff = (points[i * d + c] as number) - (centres[j * d + c] as number);
    s += diff * diff;
  }
  return s;
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): each new seed drawn with probability proportional to D(x)^2. */
function seedCentres(points: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  const centres = new Float32Array(k * d);
  const first = rng.int(0, n);
  centres.set(points.subarray(first * d, first * d + d), 0);
  const nearest = new Float64Array(n);
  for (let i = 0; i < n; i++) nearest[i] = squaredDistance(points, i, centres, 0, d);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += nearest[i] as number;
    let pick = 0;
    if (total > 0) {
      let target = rng.float() * total;
      for (pick = 0; pick < n - 1; pick++) {
        target -= nearest[pick] as number;
        if (target < 0) break;
      }
    } else pick = rng.int(0, n); // every point coincides with a seed already
    centres.set(points.subarray(pick * d, pick * d + d), j * d);
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i] as number, squaredDistance(points, i, centres, j, d));
  }
  return centres;
}

/**
 * k-means with k-means++ seeding and Lloyd iterations on the rows of `points` [N, D]. An emptied cluster is re-seeded
 * with the point farthest from its centre, so all K clusters stay in use while there are K distinct points.
 */
export function kMeans(points: tf.Tensor2D, k: number, options: KMeansOptions): KMeansResult {
  assertShape('points', points, [null, null], { nonEmpty: true, dtype: 'float32' });
  assertPositiveInteger('k', k);
  assertOptions('options', options);
  assertRng('options.rng', options.rng);
  const maxIterations = options.maxIterations ?? 50;
  assertPositiveInteger('options.maxIterations', maxIterations);
  const tolerance = options.tolerance ?? 1e-4;
  assertPositive('options.tolerance', tolerance);
  const [n, d] = points.shape;
  if (k > n) invalidArgument('k', `at most the number of points (${n})`, k);
  const data = points.dataSync() as Float32Array;
  for (const v of data) if (!Number.isFinite(v)) invalidArgument('points', 'finite values', 'a non-finite value');

  const centres = seedCentres(data, n, d, k, options.rng);
  const assignments = new Int32Array(n);
  const distances = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  let iterations = 0;
  const assign = () => {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        const dist = squaredDistance(data, i, centres, j, d);
        if (dist < bestDistance) {
          bestDistance = dist;
          best = j;
        }
      }
      assignments[i] = best;
      distances[i] = bestDistance;
    }
  };
  for (; iterations < maxIterations; ) {
    assign();
    iterations += 1;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const j = assignments[i] as number;
      counts[j] = (counts[j] as number) + 1;
      for (let c = 0; c < d; c++) sums[j * d + c] = (sums[j * d + c] as number) + (data[i * d + c] as number);
    }
    let moved = 0;
    for (let j = 0; j < k; j++) {
      let source: number | undefined;
      if (counts[j] === 0) {
        // Re-seed an empty cluster with the worst-served point, then stop that point from being picked twice.
        let far = 0;
        for (let i = 1; i < n; i++) if ((distances[i] as number) > (distances[far] as number)) far = i;
        source = far;
        distances[far] = 0;
      }
      let shift = 0;
      for (let c = 0; c < d; c++) {
        const next = source !== undefined ? (data[source * d + c] as number) : (sums[j * d + c] as number) / (counts[j] as number);
        shift += (next - (centres[j * d + c] as number)) ** 2;
        centres[j * d + c] = next;
      }
      moved = Math.max(moved, Math.sqrt(shift));
    }
    if (moved <= tolerance) break;
  }
  assign();
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += distances[i] as number;
  return { centroids: tf.tensor2d(centres, [k, d]), assignments, inertia, iterations };
}

/** Index of the nearest centre (squared Euclidean) for every row of `points` [N, D]: int32 [N]. */
export function nearestCentroid(points: tf.Tensor2D, centroids: tf.Tensor2D): tf.Tensor1D {
  assertShape('points', points, [null, null]);
  assertShape('centroids', centroids, [null, points.shape[1]], { nonEmpty: true });
  return tf.tidy(() => {
    // |x - c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 is the same for every centre, so it is left out.
    const cross = tf.matMul(points, centroids, false, true);
    const norms = tf.sum(tf.square(centroids), 1);
    return tf.argMin(tf.sub(norms, tf.mul(cross, 2)), 1) as tf.Tensor1D;
  });
}
