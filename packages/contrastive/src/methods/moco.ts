import { mocoV1Transform, mocoV2Transform } from '@selfsup/augment';
import { type Head, assertHead, emaUpdate, mocoV2ProjectionHead, momentumCopy, projectionHead as buildHead } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, type ProcessGroup, type Rng, type SSLMethod, assertInRange, assertInteger, assertOptions, invalidArgument, l2Normalize, KeptTensors, disposeAll, copyWeights, methodVariables } from '@selfsup/tensors';
import { infoNCE } from '../losses/info-nce.js';
import { assertTemperature } from '../ops/checks.js';
import { stopGradient } from '../ops/stop-gradient.js';
import { MocoQueue } from '../queue/moco-queue.js';
import { type Views, assertEncoder, assertViews, checkHeadSizes, drawViews, imageSize, methodRng, type SeedOptions } from './parts.js';

export interface MocoOptions extends SeedOptions {
  /** The query encoder f_q (what probes evaluate). */
  readonly encoder: Encoder;
  /** The query projection. Default: linear to 128 (v1), `mocoV2ProjectionHead` dense(2048)-ReLU-dense(128) (v2). */
  readonly projectionHead?: Head;
  /** Width of v2's default head's hidden layer. Default 2048. MoCo v1's head is linear: give none. */
  readonly projectorHiddenDim?: number;
  /** Width of the default head's output (the keys' dimension). Default 128. */
  readonly projectorOutputDim?: number;
  /**
   * The key encoder f_k. Default `momentumCopy(encoder)` (@selfsup/encoders: needs a registered architecture). A copy
   * you build yourself must have the same architecture; its weights are overwritten with the query encoder's.
   */
  readonly momentumEncoder?: Encoder;
  /** The key projection. Default `momentumCopy(projectionHead)`; overwritten likewise. */
  readonly momentumHead?: Head;
  /** Default: MoCo v1's (`mocoV1Transform`) or v2's (`mocoV2Transform`) augmentation. */
  readonly views?: Views;
  /** K, the number of negatives kept. Must be a multiple of the batch size. Default 4096 (MoCo's CIFAR setting). */
  readonly queueSize?: number;
  /** m, the key encoder's momentum. Default 0.999. */
  readonly momentum?: number;
  /** T. Default 0.07 (v1) or 0.2 (v2). */
  readonly temperature?: number;
  /**
   * Shuffling BN on one device: queries are encoded in this many sub-batches, keys in as many sub-batches of a random
   * permutation, so that batch-norm statistics cannot tell a query's positive key apart. Default 2 (1 turns it off).
   */
  readonly shuffleGroups?: number;
}

export interface MocoMethod extends SSLMethod {
  readonly projectionHead: Head;
  readonly momentumEncoder: Encoder;
  readonly momentumHead: Head;
  readonly queue: MocoQueue;
}

/** Sizes of `groups` near-equal chunks of n. */
function chunkSizes(n: number, groups: number): number[] {
  const g = Math.min(groups, n);
  return Array.from({ length: g }, (_, i) => Math.floor(n / g) + (i < n % g ? 1 : 0));
}

function embedInGroups(x: tf.Tensor4D, encoder: Encoder, head: Head, groups: number): tf.Tensor2D {
  const parts = tf.split(x, chunkSizes(x.shape[0], groups), 0) as tf.Tensor4D[];
  return tf.concat(parts.map((p) => head.apply(encoder.apply(p, { training: true }), { training: true })), 0) as tf.Tensor2D;
}

/** The inverse of a permutation. */
function inverseOf(order: readonly number[]): number[] {
  const inverse = new Array<number>(order.length);
  order.forEach((o, i) => {
    inverse[o] = i;
  });
  return inverse;
}

/** Rows `rows` of x as a matMul with a one-hot matrix, not a gather: its gradient is a matMul (wasm has no UnsortedSegmentSum). */
function pickRows(x: tf.Tensor2D, rows: readonly number[]): tf.Tensor2D {
  return tf.matMul(tf.cast(tf.oneHot(tf.tensor1d(rows as number[], 'int32'), x.shape[0]), 'float32') as tf.Tensor2D, x);
}

/**
 * Keys in one process: shuffle the batch, encode it in `groups` (each with batch statistics of its own, as separate
 * GPUs would have), unshuffle, so that batch norm cannot tell a query's key by its statistics.
 */
function shuffledKeys(v2: tf.Tensor4D, order: readonly number[], encoder: Encoder, head: Head, groups: number): tf.Tensor2D {
  const shuffled = tf.gather(v2, tf.tensor1d(order as number[], 'int32'));
  return pickRows(embedInGroups(shuffled, encoder, head, groups), inverseOf(order));
}

/**
 * Keys in a data-parallel run, as the official implementation's batch_shuffle_ddp: every rank's key views are gathered,
 * shuffled by one permutation (rank 0's, broadcast), each rank encodes its share of the shuffled batch (batch norm over
 * ranks' mixed samples), and the keys are gathered back and unshuffled; each rank keeps the keys of its own samples.
 */
function shuffledKeysAcrossRanks(v2: tf.Tensor4D, group: ProcessGroup, rng: Rng, encoder: Encoder, head: Head): tf.Tensor2D {
  const n = v2.shape[0];
  const total = n * group.worldSize;
  const everyView = group.allGather(v2) as tf.Tensor4D;
  // Rank 0's permutation, drawn from its step's generator, for every rank (indices < 2^24 are exact in float32).
  const drawn = tf.tensor1d(group.rank === 0 ? rng.permutation(total) : new Array<number>(total).fill(0), 'float32');
  const order = Array.from(group.broadcast(drawn, 0).dataSync(), Math.round);
  const mine = tf.gather(everyView, tf.tensor1d(order.slice(group.rank * n, (group.rank + 1) * n), 'int32'));
  const everyKey = group.allGather(head.apply(encoder.apply(mine, { training: true }), { training: true })) as tf.Tensor2D;
  const inverse = inverseOf(order);
  return pickRows(everyKey, inverse.slice(group.rank * n, (group.rank + 1) * n));
}

/** MoCo, both versions: `mocoV1` and `mocoV2` fill in their defaults. */
export function moco(version: 'v1' | 'v2', options: MocoOptions): MocoMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with encoder and views', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const { rng, config: seedConfig } = methodRng(options);
  if (version === 'v1' && options.projectorHiddenDim !== undefined) {
    invalidArgument('options.projectorHiddenDim', "absent for MoCo v1 (its head is linear: set projectorOutputDim, or use mocoV2's MLP head)", options.projectorHiddenDim);
  }
  checkHeadSizes(options, { projectorHiddenDim: 'projectionHead', projectorOutputDim: 'projectionHead' });
  const outputDim = options.projectorOutputDim ?? 128;
  const projectionHead =
    options.projectionHead ??
    (version === 'v1'
      ? buildHead([{ inputDim: encoder.outputDim, outputDim }], { preset: 'mocoV1Projection', rng })
      : mocoV2ProjectionHead({ inputDim: encoder.outputDim, hiddenDim: options.projectorHiddenDim ?? 2048, outputDim, rng }));
  const momentumEncoder = options.momentumEncoder ?? momentumCopy(encoder);
  const momentumHead = options.momentumHead ?? momentumCopy(projectionHead as Encoder & Head);
  const size = (): [number, number] => imageSize(encoder, 'options.views');
  const views = options.views ?? (version === 'v1' ? mocoV1Transform({ size: size() }) : mocoV2Transform({ size: size() }));
  assertHead('options.projectionHead', projectionHead, encoder.outputDim);
  assertEncoder('options.momentumEncoder', momentumEncoder);
  assertHead('options.momentumHead', momentumHead, encoder.outputDim);
  if (momentumEncoder === encoder) invalidArgument('options.momentumEncoder', 'a separate copy of the encoder', 'the encoder itself');
  assertViews('options.views', views);
  const queueSize = options.queueSize ?? 4096;
  assertInteger('options.queueSize', queueSize, 1);
  const momentum = options.momentum ?? 0.999;
  assertInRange('options.momentum', momentum, 0, 1);
  const temperature = options.temperature ?? (version === 'v1' ? 0.07 : 0.2);
  assertTemperature('options.temperature', temperature);
  const shuffleGroups = options.shuffleGroups ?? 2;
  assertInteger('options.shuffleGroups', shuffleGroups, 1);
  // f_k starts as f_q (MoCo: "initialised as the query encoder"), and never gets gradients.
  copyWeights(momentumEncoder, encoder);
  copyWeights(momentumHead, projectionHead);
  for (const v of [...momentumEncoder.variables, ...momentumHead.variables]) v.variable.trainable = false;
  const queue = new MocoQueue({ size: queueSize, dim: projectionHead.outputDim, rng });
  const variables = [
    ...methodVariables([
      { prefix: 'encoder', module: encoder },
      { prefix: 'projector', module: projectionHead },
      { prefix: 'momentum/encoder', module: momentumEncoder, frozen: true },
      { prefix: 'momentum/projector', module: momentumHead, frozen: true },
    ]),
    ...queue.variables,
  ];
  const metrics = new KeptTensors();
  let pendingKeys: tf.Tensor2D | undefined;

  return {
    name: version === 'v1' ? 'moco-v1' : 'moco-v2',
    encoder,
    projectionHead,
    momentumEncoder,
    momentumHead,
    queue,
    config: { method: version === 'v1' ? 'moco-v1' : 'moco-v2', queueSize, momentum, temperature, shuffleGroups, projectionDim: projectionHead.outputDim, ...seedConfig },
    variables,
    loss(batch, context) {
      const n = batch.images.shape[0];
      // Data-parallel: every rank enqueues the keys of all ranks (in rank order, as one process holding the
      // concatenated batch would), so the ranks' queues stay identical and hold worldSize x N keys per step.
      const group = context.processGroup !== undefined && context.processGroup.worldSize > 1 ? context.processGroup : undefined;
      const enqueued = n * (group?.worldSize ?? 1);
      if (queueSize % enqueued !== 0) {
        invalidArgument('batch', `a batch whose size${group !== undefined ? ` x ${group.worldSize} ranks` : ''} divides options.queueSize (${queueSize})`, `a batch of ${n}`);
      }
      pendingKeys?.dispose();
      pendingKeys = undefined;
      return tf.tidy(() => {
        const [v1, v2] = drawViews(views, batch.images, context.rng);
        const q = l2Normalize(embedInGroups(v1, encoder, projectionHead, shuffleGroups));
        const k = stopGradient(
          l2Normalize(
            group !== undefined
              ? shuffledKeysAcrossRanks(v2, group, context.rng, momentumEncoder, momentumHead)
              : shuffledKeys(v2, context.rng.permutation(n), momentumEncoder, momentumHead, shuffleGroups),
          ),
        );
        const loss = infoNCE(q, k, queue.keys(), { temperature, normalize: false });
        pendingKeys = tf.keep(group !== undefined ? (group.allGather(k) as tf.Tensor2D) : tf.clone(k));
        metrics.record({ positiveCosine: tf.mean(tf.sum(tf.mul(q, k), 1)) as tf.Scalar });
        return loss;
      });
    },
    metrics: () => metrics.read(),
    afterStep() {
      emaUpdate(momentumEncoder, encoder, momentum);
      emaUpdate(momentumHead, projectionHead, momentum);
      if (pendingKeys !== undefined) {
        queue.enqueue(pendingKeys);
        pendingKeys.dispose();
        pendingKeys = undefined;
      }
    },
    dispose() {
      metrics.clear();
      pendingKeys?.dispose();
      disposeAll(encoder, projectionHead, momentumEncoder, momentumHead, queue);
    },
  };
}

/**
 * MoCo v1 (He, Fan, Wu, Xie & Girshick 2020, "Momentum Contrast for Unsupervised Visual Representation Learning"):
 * queries from f_q, keys from the momentum encoder f_k (m = 0.999), InfoNCE against the positive key and a queue of K
 * past keys (T = 0.07), a linear 128-d head. Keys join the queue after the loss; the oldest leave.
 */
export function mocoV1(options: MocoOptions): MocoMethod {
  return moco('v1', options);
}

/**
 * MoCo v2 (Chen, Fan, Girshick & He 2020, "Improved Baselines with Momentum Contrastive Learning"): MoCo v1 with an MLP
 * head, SimCLR-style augmentation (blur, stronger color), T = 0.2 and a cosine learning-rate schedule (fit's default
 * schedule).
 */
export function mocoV2(options: MocoOptions): MocoMethod {
  return moco('v2', options);
}

/** @deprecated use `MocoOptions`. */
export type MoCoOptions = MocoOptions;
/** @deprecated use `MocoMethod`. */
export type MoCoMethod = MocoMethod;
