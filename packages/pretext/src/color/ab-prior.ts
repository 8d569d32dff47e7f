import * as tf from '@tensorflow/tfjs-core';
import { type AbBins, abBins, rebalancingWeights } from '@selfsup/augment';
import { type ImageDataset, assertDataset, assertInteger, assertNonNegative, assertOptions, invalidArgument } from '@selfsup/tensors';
import { abBinCounts } from './colorization-targets.js';
import { chromaMask, splitLab } from './lab-channels.js';

export interface AbPriorOptions {
  readonly bins?: AbBins;
  /** Images per batch. Default 64. */
  readonly batchSize?: number;
  /** Use at most this many images (the first ones). Default: all. */
  readonly maxImages?: number;
  /** Grey images (chroma below this everywhere) are skipped, as in training. Default 5. */
  readonly chromaThreshold?: number;
}

/**
 * The empirical distribution of quantised ab values over a dataset's color images ([Q], summing to 1): the prior
 * that Zhang et al. (2016) estimate on the training set before training and turn into class-rebalancing weights.
 */
export async function estimateAbPrior(dataset: ImageDataset, options: AbPriorOptions = {}): Promise<Float32Array> {
  assertDataset('dataset', dataset);
  assertOptions('options', options);
  const bins = options.bins ?? abBins();
  const batchSize = options.batchSize ?? 64;
  assertInteger('options.batchSize', batchSize, 1);
  const total = Math.min(dataset.size, options.maxImages ?? dataset.size);
  assertInteger('options.maxImages', total, 1);
  const threshold = options.chromaThreshold ?? 5;
  assertNonNegative('options.chromaThreshold', threshold);
  const counts = new Float64Array(bins.length);
  for (let start = 0; start < total; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, total - start) }, (_, i) => start + i);
    const batch = await dataset.getBatch(indices);
    const part = tf.tidy(() => {
      const { ab } = splitLab(batch.images);
      return abBinCounts(ab, { bins, sampleMask: chromaMask(ab, threshold) });
    });
    batch.images.dispose();
    batch.labels?.dispose();
    const values = await part.data();
    part.dispose();
    for (let q = 0; q < values.length; q++) counts[q] = counts[q]! + values[q]!;
  }
  const sum = counts.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) invalidArgument('dataset', 'a dataset with color images (every image was grey)', dataset.name);
  return Float32Array.from(counts, (c) => c / sum);
}

export interface ClassRebalancingOptions {
  /** Weight of the uniform distribution in the mix, Zhang et al.'s lambda. Default 0.5. */
  readonly lambda?: number;
  /** Width of the Gaussian that smooths the prior over the ab plane. Default 5 (Zhang et al.); 0 turns it off. */
  readonly sigma?: number;
  readonly bins?: AbBins;
}

/** A color prior and the class weights derived from it. */
export interface ClassRebalancing {
  /** [Q] the prior after smoothing, summing to 1: the distribution the weights average to 1 under. */
  readonly smoothedPrior: Float32Array;
  /** [Q] w_q proportional to ((1 - lambda) p~_q + lambda / Q)^-1 with sum_q p~_q w_q = 1. */
  readonly weights: tf.Tensor1D;
}

/**
 * Zhang et al.'s (2016, eq. 4) class rebalancing: the prior smoothed with a Gaussian over the ab plane, mixed with the
 * uniform distribution, inverted and normalised so that the expected weight under the smoothed prior is 1. Returns the
 * smoothed prior with the weights so that callers can check (and log) what the weights average to 1 under.
 */
export function classRebalancing(prior: ArrayLike<number>, options: ClassRebalancingOptions = {}): ClassRebalancing {
  assertOptions('options', options);
  const bins = options.bins ?? abBins();
  const sigma = options.sigma ?? 5;
  assertNonNegative('options.sigma', sigma);
  if (prior === null || typeof prior !== 'object' || prior.length !== bins.length) {
    invalidArgument('prior', `${bins.length} non-negative numbers (one per bin)`, prior);
  }
  let total = 0;
  for (let q = 0; q < prior.length; q++) {
    const p = prior[q]!;
    if (!(p >= 0) || !Number.isFinite(p)) invalidArgument('prior', 'finite non-negative numbers', p);
    total += p;
  }
  if (!(total > 0)) invalidArgument('prior', 'numbers with a positive sum', prior);
  const p = Float64Array.from({ length: prior.length }, (_, q) => prior[q]! / total);
  let smoothed = p;
  if (sigma > 0) {
    smoothed = new Float64Array(p.length);
    const twoSigma2 = 2 * sigma * sigma;
    for (let i = 0; i < p.length; i++) {
      let s = 0;
      for (let j = 0; j < p.length; j++) {
        const da = bins[i]![0] - bins[j]![0];
        const db = bins[i]![1] - bins[j]![1];
        s += p[j]! * Math.exp(-(da * da + db * db) / twoSigma2);
      }
      smoothed[i] = s;
    }
    const sum = smoothed.reduce((a, b) => a + b, 0);
    for (let i = 0; i < smoothed.length; i++) smoothed[i] = smoothed[i]! / sum;
  }
  const smoothedPrior = Float32Array.from(smoothed);
  return { smoothedPrior, weights: rebalancingWeights(smoothedPrior, { lambda: options.lambda ?? 0.5 }) };
}
