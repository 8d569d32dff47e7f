import * as tf from '@tensorflow/tfjs-core';
import { type AbBins, abBins } from '@selfsup/augment';
import type { Batch, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { assertInteger, assertNonNegative, assertOptions, invalidArgument, sparseCrossEntropy, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { assertColorImages } from '../color/lab-channels.js';
import { lightnessBins as lightnessBinCentres } from '../color/lightness-bins.js';
import { type DenseHead, denseHead } from '../nets/dense-head.js';
import type { LabConvNet } from '../nets/lab-conv-net.js';
import { type SplitBrainTargets, splitBrainTargets } from '../samples/split-brain-targets.js';

export interface SplitBrainOptions {
  /** A `labConvNet({ input: 'split' })`: one trunk over L*, one over a*b*; the representation concatenates both. */
  readonly encoder: LabConvNet;
  /** ab bin centres (the L -> ab classes). Default `abBins()`. */
  readonly abBins?: AbBins;
  /** Equal-width L* bins (the ab -> L classes). Default 50. */
  readonly lightnessBins?: number;
  /** Grey images are left out of the L -> ab loss. Default 5 (chroma units). */
  readonly chromaThreshold?: number;
  /** Weight of the ab -> L loss relative to the L -> ab loss. Default 1. */
  readonly lightnessLossWeight?: number;
  /** Channels of each head's hidden 3x3 conv (0: none). Default: the trunk's output channels. */
  readonly headChannels?: number;
  readonly seed?: number;
}

export interface SplitBrain extends SSLMethod {
  readonly encoder: LabConvNet;
  /** Classifies ab bins from the L trunk's features. */
  readonly abHead: DenseHead;
  /** Classifies L* bins from the ab trunk's features. */
  readonly lightnessHead: DenseHead;
  /** Centres of the L* bins. */
  readonly lightnessBins: readonly number[];
  readonly abBins: AbBins;
  /** The inputs and quantised targets of a batch at the trunks' resolution. */
  samples(images: tf.Tensor4D): SplitBrainTargets;
}

function perPositionCrossEntropy(logits: tf.Tensor4D, labels: tf.Tensor3D, sampleMask?: tf.Tensor1D): tf.Scalar {
  const [n, h, w, q] = logits.shape;
  const flatLogits = tf.reshape(logits, [n * h * w, q]) as tf.Tensor2D;
  const flatLabels = tf.reshape(labels, [n * h * w]) as tf.Tensor1D;
  const weights = sampleMask ? (tf.reshape(tf.tile(tf.reshape(sampleMask, [n, 1]), [1, h * w]), [-1]) as tf.Tensor1D) : undefined;
  return sparseCrossEntropy(flatLogits, flatLabels, weights ? { weights } : {}) as tf.Scalar;
}

/**
 * Split-brain autoencoders (Zhang, Isola & Efros 2017, "Split-Brain Autoencoders: Unsupervised Learning by
 * Cross-Channel Prediction"): the network is split in two halves along its channels; one predicts ab from L, the other
 * L from ab, each by classification over quantised values at every position of its feature map (cross-entropy), and
 * the representation is the concatenation of both halves' features. Grey images are left out of the L -> ab loss.
 * Metrics: `abLoss`, `lightnessLoss`, `abAccuracy`, `lightnessAccuracy`.
 */
export function splitBrain(options: SplitBrainOptions): SplitBrain {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with an encoder', options);
  const { encoder } = options;
  const lTrunk = encoder?.lightnessTrunk;
  const abTrunk = encoder?.abTrunk;
  if (typeof encoder !== 'object' || encoder === null || lTrunk === undefined || abTrunk === undefined) {
    invalidArgument('options.encoder', "a labConvNet({ input: 'split' })", encoder);
  }
  const bins = options.abBins ?? abBins();
  const lCount = options.lightnessBins ?? 50;
  assertInteger('options.lightnessBins', lCount, 2, 1000);
  const threshold = options.chromaThreshold ?? 5;
  assertNonNegative('options.chromaThreshold', threshold);
  const lWeight = options.lightnessLossWeight ?? 1;
  assertNonNegative('options.lightnessLossWeight', lWeight);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const hidden = options.headChannels !== undefined ? { hiddenChannels: options.headChannels } : {};
  const abHead = denseHead({ inChannels: lTrunk.outChannels, outChannels: bins.length, seed, ...hidden }, 'abHead');
  const lightnessHead = denseHead({ inChannels: abTrunk.outChannels, outChannels: lCount, seed: seed + 1, ...hidden }, 'lightnessHead');
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'heads', module: abHead },
    { prefix: 'heads', module: lightnessHead },
  ]);
  const kept = new KeptTensors<'abLoss' | 'lightnessLoss' | 'abAccuracy' | 'lightnessAccuracy'>();
  const samples = (images: tf.Tensor4D) => {
    assertColorImages('images', images);
    const [, h, w] = images.shape;
    return splitBrainTargets(images, { outputSize: lTrunk.outputSize(h, w), abBins: bins, lightnessBins: lCount, chromaThreshold: threshold });
  };
  const positionAccuracy = (logits: tf.Tensor4D, labels: tf.Tensor3D) =>
    tf.mean(tf.cast(tf.equal(tf.argMax(logits, 3), labels), 'float32'));
  return {
    name: 'split-brain',
    encoder,
    abHead,
    lightnessHead,
    lightnessBins: lightnessBinCentres(lCount),
    abBins: bins,
    config: { abBins: bins.length, lightnessBins: lCount, chromaThreshold: threshold, lightnessLossWeight: lWeight, seed },
    variables,
    samples,
    loss(batch: Batch, _context: StepContext): tf.Scalar {
      const t = samples(batch.images);
      try {
        return tf.tidy(() => {
          const abLogits = abHead.apply(lTrunk.apply(t.lightnessInput, { training: true }), { training: true });
          const lLogits = lightnessHead.apply(abTrunk.apply(t.abInput, { training: true }), { training: true });
          const abLoss = perPositionCrossEntropy(abLogits, t.abLabels, t.sampleMask);
          const lLoss = perPositionCrossEntropy(lLogits, t.lightnessLabels);
          kept.set('abLoss', abLoss);
          kept.set('lightnessLoss', lLoss);
          kept.set('abAccuracy', positionAccuracy(abLogits, t.abLabels));
          kept.set('lightnessAccuracy', positionAccuracy(lLogits, t.lightnessLabels));
          return tf.add(abLoss, tf.mul(lLoss, lWeight)) as tf.Scalar;
        });
      } finally {
        tf.dispose([t.lightnessInput, t.abInput, t.abLabels, t.lightnessLabels, t.sampleMask]);
      }
    },
    metrics(): StepMetrics {
      return {
        abLoss: kept.scalar('abLoss'),
        lightnessLoss: kept.scalar('lightnessLoss'),
        abAccuracy: kept.scalar('abAccuracy'),
        lightnessAccuracy: kept.scalar('lightnessAccuracy'),
      };
    },
    dispose() {
      disposeAll(kept, variables);
    },
  };
}
