// What the data-parallel tests train, shared by the worker processes and the single-process reference: small methods
// whose results can be compared exactly, i.e. with deterministic views and no batch norm (batch statistics are still
// per rank; synchronised batch norm is not there yet).
import * as tf from '@tensorflow/tfjs-core';
import { convNet, projectionHead } from '@selfsup/encoders';
import { type SSLMethod, createRng } from '@selfsup/tensors';
import { barlowTwins } from '../src/methods/barlow-twins.js';
import { mocoV2 } from '../src/methods/moco.js';
import { vicreg } from '../src/methods/vicreg.js';
import { simclr } from '../src/methods/simclr.js';

/** Two views that do not depend on the run's generator: the image, and the image mirrored left-right. */
const fixedViews = [(x: tf.Tensor4D) => tf.clone(x), (x: tf.Tensor4D) => tf.reverse(x, 2)] as const;

/**
 * SGD with momentum, not Adam: Adam divides each update by the root of the squared gradients, so for a weight whose
 * gradient is nearly zero it turns float32 noise into steps of size lr, and the comparison would test the noise.
 */
export const SCENARIO_FIT = { batchSize: 4, maxSteps: 4, epochs: 1, learningRate: 0.05, optimizer: { type: 'sgd', momentum: 0.9 }, seed: 3, progress: false } as const;
/** The single process's batch: what 2 ranks of SCENARIO_FIT.batchSize see together. */
export const SCENARIO_SINGLE_BATCH = 8;

export function scenarioImages(): tf.Tensor4D {
  return tf.tensor4d(createRng(9).uniformArray(32 * 8 * 8), [32, 8, 8, 1]);
}

export function scenarioEmbeddings(rank: number): [tf.Tensor2D, tf.Tensor2D] {
  const rng = createRng(50 + rank);
  return [tf.tensor2d(rng.normalArray(3 * 5), [3, 5]), tf.tensor2d(rng.normalArray(3 * 5), [3, 5])];
}

/** Scenarios that train with batch norm, synchronised across the ranks (`fit`'s syncBatchNorm). */
export const SYNC_BATCH_NORM_SCENARIOS = ['simclr-sync-bn'];

export function buildScenario(name: string, seed: number): { method: SSLMethod; images: tf.Tensor4D } {
  const bn = SYNC_BATCH_NORM_SCENARIOS.includes(name);
  const encoder = convNet({ inputShape: [8, 8, 1], channels: [4, 8], strides: [1, 2], norm: bn ? 'batch' : 'none', seed });
  const head = () =>
    projectionHead([{ inputDim: encoder.outputDim, outputDim: 6, activation: 'relu', batchNorm: bn }, { inputDim: 6, outputDim: 5 }], { seed: seed + 10 });
  const images = scenarioImages();
  if (name === 'simclr-multi-crop') {
    // Two more views that do not depend on the generator either: the image upside down, twice.
    const small = { views: (x: tf.Tensor4D) => tf.reverse(x, 1), count: 2 };
    return { method: simclr({ encoder, projectionHead: head(), views: fixedViews, smallViews: small, temperature: 0.5, seed }), images };
  }
  if (name === 'simclr' || name === 'simclr-sync-bn') return { method: simclr({ encoder, projectionHead: head(), views: fixedViews, temperature: 0.5, seed }), images };
  if (name === 'moco-v2') {
    return { method: mocoV2({ encoder, projectionHead: head(), views: fixedViews, queueSize: 16, momentum: 0.9, temperature: 0.2, seed }), images };
  }
  if (name === 'barlow-twins') return { method: barlowTwins({ encoder, projector: head(), views: fixedViews, lambda: 0.05, seed }), images };
  if (name === 'vicreg') return { method: vicreg({ encoder, expander: head(), views: fixedViews, seed }), images };
  throw new Error(`unknown scenario ${name}`);
}
