import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertPositive, assertProbability, assertTensor, invalidArgument } from '@selfsup/tensors';
import { rgbToLab } from './lab.js';

/** Bin centres in the ab plane, [a, b] pairs. */
export type AbBins = readonly (readonly [number, number])[];

/** The ab grid step of Zhang et al. (2016). */
export const AB_GRID_STEP = 10;

let srgbBins: AbBins | undefined;

function sortBins(keys: Iterable<string>): AbBins {
  return Object.freeze(
    [...keys]
      .map((k) => k.split(',').map(Number) as [number, number])
      .sort((p, q) => p[0] - q[0] || p[1] - q[1])
      .map((pair) => Object.freeze(pair) as readonly [number, number]),
  );
}

/**
 * The sRGB gamut's ab bins: the grid cells (step 10, centres at multiples of 10) that some sRGB color falls into
 * through {@link rgbToLab}. The gamut is a diffeomorphic image of the RGB cube, so its ab footprint is that of the
 * cube's faces; they are sampled on a 257x257 grid each (denser sampling adds no bin). 262 bins.
 */
function computeSrgbBins(): AbBins {
  const steps = 256;
  const side = steps + 1;
  const rgb = new Float32Array(6 * side * side * 3);
  let k = 0;
  for (let face = 0; face < 6; face++) {
    const axis = face >> 1;
    const value = face & 1;
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        rgb[k + axis] = value;
        rgb[k + ((axis + 1) % 3)] = i / steps;
        rgb[k + ((axis + 2) % 3)] = j / steps;
        k += 3;
      }
    }
  }
  const lab = tf.tidy(() => rgbToLab(tf.tensor2d(rgb, [rgb.length / 3, 3])));
  const values = lab.dataSync();
  lab.dispose();
  const keys = new Set<string>();
  for (let p = 0; p < values.length; p += 3) {
    keys.add(`${AB_GRID_STEP * Math.round(values[p + 1]! / AB_GRID_STEP)},${AB_GRID_STEP * Math.round(values[p + 2]! / AB_GRID_STEP)}`);
  }
  return sortBins(keys);
}

/**
 * The quantised ab output space of Zhang et al. (2016): bin centres on a grid of step 10, sorted by a then b, restricted
 * to the bins the sRGB gamut reaches through {@link rgbToLab} (262 bins; Zhang et al. released a looser set of 313 for
 * their own gamut estimate). Computed once and cached (needs an initialised backend).
 */
export function abBins(options: { readonly gamut?: 'srgb' } = {}): AbBins {
  assertOptions('options', options);
  const gamut = options.gamut ?? 'srgb';
  if (gamut !== 'srgb') invalidArgument('options.gamut', '"srgb"', gamut);
  srgbBins ??= computeSrgbBins();
  return srgbBins;
}

function assertBins(name: string, bins: unknown): asserts bins is AbBins {
  if (
    !Array.isArray(bins) ||
    bins.length === 0 ||
    !bins.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v)))
  ) {
    invalidArgument(name, 'a non-empty array of [a, b] bin centres (see abBins)', bins);
  }
}

function assertAb(name: string, ab: unknown): asserts ab is tf.Tensor {
  assertTensor(name, ab);
  if (ab.rank < 1 || ab.shape[ab.rank - 1] !== 2 || ab.dtype !== 'float32') {
    invalidArgument(name, 'a float32 tensor whose last dimension is 2 ([..., 2] ab values)', ab);
  }
}

/** Squared distances [M, Q] from ab rows [M, 2] to the bins. */
function squaredDistances(ab: tf.Tensor2D, centres: tf.Tensor2D): tf.Tensor2D {
  const rows = tf.sum(tf.square(ab), 1, true);
  const cols = tf.reshape(tf.sum(tf.square(centres), 1), [1, -1]);
  return tf.relu(tf.add(tf.sub(rows, tf.mul(2, tf.matMul(ab, centres, false, true))), cols)) as tf.Tensor2D;
}

/** Rows per chunk: keeps the [rows, Q] distance matrix near 16M entries. */
const CHUNK_ROWS = 1 << 16;

/** The nearest bin of each ab value: [..., 2] -> int32 [...] indices into `bins` (default `abBins()`). */
export function quantizeAb(ab: tf.Tensor, options: { readonly bins?: AbBins } = {}): tf.Tensor {
  assertAb('ab', ab);
  assertOptions('options', options);
  const bins = options.bins ?? abBins();
  assertBins('options.bins', bins);
  const outShape = ab.shape.slice(0, -1);
  return tf.tidy(() => {
    const flat = tf.reshape(ab, [-1, 2]) as tf.Tensor2D;
    const m = flat.shape[0];
    const centres = tf.tensor2d(bins as unknown as number[][]);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < m; start += CHUNK_ROWS) {
      const rows = tf.slice(flat, [start, 0], [Math.min(CHUNK_ROWS, m - start), 2]);
      parts.push(tf.argMin(squaredDistances(rows, centres), 1));
    }
    const indices = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    return tf.reshape(m === 0 ? tf.zeros([0], 'int32') : indices, outShape);
  });
}

export interface SoftEncodeOptions {
  /** Gaussian width in ab units. Default 5 (Zhang et al. 2016). */
  readonly sigma?: number;
  /** Nearest bins that share the mass. Default 5. */
  readonly neighbours?: number;
  readonly bins?: AbBins;
}

/**
 * Zhang et al.'s (2016) soft encoding of ground-truth color: each ab value spreads its mass over its `neighbours`
 * nearest bins with Gaussian weights exp(-d^2 / (2 sigma^2)), normalised to sum to 1.
 * [..., 2] -> [..., Q] (Q = bins.length).
 */
export function softEncodeAb(ab: tf.Tensor, options: SoftEncodeOptions = {}): tf.Tensor {
  assertAb('ab', ab);
  assertOptions('options', options);
  const bins = options.bins ?? abBins();
  assertBins('options.bins', bins);
  const sigma = options.sigma ?? 5;
  const neighbours = options.neighbours ?? 5;
  assertPositive('options.sigma', sigma);
  assertInteger('options.neighbours', neighbours, 1, bins.length);
  const q = bins.length;
  const outShape = [...ab.shape.slice(0, -1), q];
  return tf.tidy(() => {
    const flat = tf.reshape(ab, [-1, 2]) as tf.Tensor2D;
    const m = flat.shape[0];
    if (m === 0) return tf.zeros(outShape);
    const centres = tf.tensor2d(bins as unknown as number[][]);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < m; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, m - start);
      const rows = tf.slice(flat, [start, 0], [count, 2]);
      const { values, indices } = tf.topk(tf.neg(squaredDistances(rows, centres)), neighbours, true);
      // values are -d^2; subtracting the row max (the nearest) keeps exp from underflowing far from every bin.
      const logits = tf.div(tf.sub(values, tf.max(values, 1, true)), 2 * sigma * sigma);
      const weights = tf.div(tf.exp(logits), tf.sum(tf.exp(logits), 1, true));
      const rowIds = tf.tile(tf.reshape(tf.range(0, count, 1, 'int32'), [count, 1]), [1, neighbours]);
      const coords = tf.stack([tf.reshape(rowIds, [-1]), tf.reshape(indices, [-1])], 1);
      parts.push(tf.scatterND(coords, tf.reshape(weights, [-1]), [count, q]));
    }
    return tf.reshape(parts.length === 1 ? parts[0]! : tf.concat(parts, 0), outShape);
  });
}

/**
 * The empirical distribution of quantised ab values (a class prior): the share of the values in `ab` ([..., 2])
 * nearest each bin. [Q] float32, summing to 1 (all zeros for an empty input).
 */
export function abHistogram(ab: tf.Tensor, options: { readonly bins?: AbBins } = {}): tf.Tensor1D {
  assertAb('ab', ab);
  assertOptions('options', options);
  const bins = options.bins ?? abBins();
  assertBins('options.bins', bins);
  return tf.tidy(() => {
    const indices = tf.reshape(quantizeAb(ab, { bins }), [-1]) as tf.Tensor1D;
    const counts = tf.bincount(indices, tf.tensor1d([], 'float32'), bins.length);
    return tf.div(counts, Math.max(1, indices.shape[0])) as tf.Tensor1D;
  });
}

export interface RebalancingOptions {
  /** Weight of the uniform distribution in the mix, Zhang et al.'s lambda. Default 0.5. */
  readonly lambda?: number;
  /** Smooth the prior over the ab plane with a Gaussian of this width first (Zhang et al. use 5). Default 0: off. */
  readonly sigma?: number;
  /** Bin centres, needed with `sigma` (default `abBins()`; the prior must have one entry per bin). */
  readonly bins?: AbBins;
}

/**
 * Class-rebalancing weights of Zhang et al. (2016, eq. 4): w proportional to ((1 - lambda) p + lambda / Q)^-1,
 * normalised so that the expected weight under the prior, sum_q p_q w_q, is 1. Rare colors weigh more; lambda = 1
 * gives uniform weights. `prior` ([Q], non-negative) is normalised first; with `sigma` it is smoothed over the ab
 * plane with a Gaussian kernel, as in the paper.
 */
export function rebalancingWeights(prior: tf.Tensor1D | ArrayLike<number>, options: RebalancingOptions = {}): tf.Tensor1D {
  assertOptions('options', options);
  const lambda = options.lambda ?? 0.5;
  assertProbability('options.lambda', lambda);
  const sigma = options.sigma ?? 0;
  if (typeof sigma !== 'number' || !(sigma >= 0) || !Number.isFinite(sigma)) invalidArgument('options.sigma', 'a finite number >= 0', sigma);
  let values: Float64Array;
  if (prior instanceof tf.Tensor) {
    assertTensor('prior', prior);
    if (prior.rank !== 1) invalidArgument('prior', 'a [Q] tensor or array of probabilities', prior);
    values = Float64Array.from(prior.dataSync());
  } else if (prior !== null && typeof prior === 'object' && typeof (prior as ArrayLike<number>).length === 'number') {
    if (Array.prototype.some.call(prior, (v: unknown) => typeof v !== 'number')) invalidArgument('prior', 'a [Q] tensor or array of probabilities', prior);
    values = Float64Array.from(prior as ArrayLike<number>);
  } else {
    invalidArgument('prior', 'a [Q] tensor or array of probabilities', prior);
  }
  const q = values.length;
  let total = 0;
  for (const v of values) total += v;
  if (q === 0 || values.some((v) => !(v >= 0) || !Number.isFinite(v)) || !(total > 0)) {
    invalidArgument('prior', 'a non-empty array of finite non-negative numbers with a positive sum', prior);
  }
  let p = Float64Array.from(values, (v) => v / total);
  if (sigma > 0) {
    const bins = options.bins ?? abBins();
    assertBins('options.bins', bins);
    if (bins.length !== q) invalidArgument('options.bins', `${q} bins (one per prior entry)`, bins);
    const smooth = new Float64Array(q);
    for (let i = 0; i < q; i++) {
      let s = 0;
      for (let j = 0; j < q; j++) {
        const da = bins[i]![0] - bins[j]![0];
        const db = bins[i]![1] - bins[j]![1];
        s += p[j]! * Math.exp(-(da * da + db * db) / (2 * sigma * sigma));
      }
      smooth[i] = s;
    }
    const sum = smooth.reduce((acc, v) => acc + v, 0);
    p = smooth.map((v) => v / sum);
  }
  if (lambda === 0 && p.some((v) => v === 0)) {
    invalidArgument('options.lambda', 'a number > 0 when the prior has empty bins (their weight would be infinite)', lambda);
  }
  const raw = p.map((v) => 1 / ((1 - lambda) * v + lambda / q));
  let expected = 0;
  for (let i = 0; i < q; i++) expected += p[i]! * raw[i]!;
  return tf.tensor1d(Float32Array.from(raw, (w) => w / expected));
}

/**
 * Zhang et al.'s (2016) annealed-mean decoding: from bin probabilities [..., Q], re-normalise p^(1/T) and take the
 * mean bin centre. T = 1 is the mean, T -> 0 the mode; the paper uses T = 0.38 (default). Returns [..., 2] ab values.
 */
export function annealedMean(probabilities: tf.Tensor, options: { readonly temperature?: number; readonly bins?: AbBins } = {}): tf.Tensor {
  assertTensor('probabilities', probabilities);
  assertOptions('options', options);
  const bins = options.bins ?? abBins();
  assertBins('options.bins', bins);
  if (probabilities.rank < 1 || probabilities.shape[probabilities.rank - 1] !== bins.length) {
    invalidArgument('probabilities', `a [..., ${bins.length}] tensor (one probability per bin)`, probabilities);
  }
  const temperature = options.temperature ?? 0.38;
  assertPositive('options.temperature', temperature);
  return tf.tidy(() => {
    const flat = tf.reshape(probabilities, [-1, bins.length]);
    const annealed = tf.softmax(tf.div(tf.log(tf.maximum(flat, 1e-12)), temperature));
    const ab = tf.matMul(annealed, tf.tensor2d(bins as unknown as number[][]));
    return tf.reshape(ab, [...probabilities.shape.slice(0, -1), 2]);
  });
}
