import * as tf from '@tensorflow/tfjs-core';
import {
  type Batch,
  type Encoder,
  type JsonObject,
  type Rng,
  type SSLMethod,
  type StepContext,
  type StepMetrics,
  SelfsupError,
  assertInteger,
  assertOptions,
  assertPositive,
  assertRng,
  assertShape,
  KeptTensors,
  disposeAll,
  methodVariables,
  invalidArgument,
  l2Normalize,
  namedVariable,
} from '@selfsup/tensors';
import { attend, attentionWeights } from './attention.js';
import { unstackClips } from './clip-dataset.js';
import { type ColorClusterOptions, fitColorClusters } from './color-clusters.js';
import { type EmbeddingNet, type EmbeddingNetConfig, embeddingNet } from './embedding-net.js';
import type { FeatureExtractor } from './features.js';
import { nearestCentroid } from './kmeans.js';
import { rgbToLab } from '@selfsup/augment';
import { defineEncoder } from '@selfsup/encoders';

export interface VideoColorizationConfig {
  /** The embedding CNN. */
  readonly net?: EmbeddingNetConfig;
  /** Color clusters K. Default 16. */
  readonly numClusters?: number;
  /** Frames per training clip: references then target. Must match the clip dataset. Default 4. */
  readonly clipLength?: number;
  /** Softmax temperature of the training attention. Default 0.07 (on L2-normalised features). */
  readonly temperature?: number;
  /** L2-normalise the embeddings before the dot products, as at inference. Default true. */
  readonly normalize?: boolean;
  /** Train on random crops of this [height, width] (same place in every frame of a clip). Default: whole frames. */
  readonly cropSize?: readonly [number, number];
}

/** The method's options: its config and the `seed` of the embedding net's initial weights (default 0). */
export interface VideoColorizationOptions extends VideoColorizationConfig {
  /** Seeds the embedding net's initial weights (recorded in `config`; wins over `net.seed`). Default `net.seed`, else 0. */
  readonly seed?: number;
}

export interface VideoColorization extends SSLMethod {
  readonly net: EmbeddingNet;
  /** The trained embedding as a FeatureExtractor, for `propagateLabels` and `colorize`. */
  readonly featureExtractor: FeatureExtractor;
  /** [K, 2] color cluster centres in ab (a non-trainable variable: saved with the model's checkpoints). */
  readonly colorClusters: tf.Variable;
  /** @deprecated use `colorClusters`. */
  readonly colourClusters: tf.Variable;
  readonly numClusters: number;
  readonly clipLength: number;
  /** Fits the color clusters on (training) frames [T, H, W, 3]; must run before training unless restored. */
  fitColorClusters(frames: tf.Tensor4D, options: Omit<ColorClusterOptions, 'numClusters'>): void;
  /** @deprecated use `fitColorClusters`. */
  fitColourClusters(frames: tf.Tensor4D, options: Omit<ColorClusterOptions, 'numClusters'>): void;
  /** Embeds frames ([N, H, W, 3] sRGB or [N, H, W, 1] lightness / 100) into [N, H / s, W / s, D] (not normalised). */
  embed(frames: tf.Tensor4D, options?: { readonly training?: boolean }): tf.Tensor4D;
}

/** Grey input of the model: Lab lightness / 100 in [0, 1]. [N, H, W, 3] sRGB is converted; [N, H, W, 1] is taken as is. */
export function lightness(frames: tf.Tensor4D): tf.Tensor4D {
  assertShape('frames', frames, [null, null, null, null]);
  const c = frames.shape[3];
  if (c === 1) return tf.clone(frames);
  if (c !== 3) invalidArgument('frames', 'a [N, H, W, 3] sRGB or [N, H, W, 1] lightness tensor', frames);
  return tf.tidy(() => tf.div(tf.slice(rgbToLab(frames), [0, 0, 0, 0], [-1, -1, -1, 1]), 100) as tf.Tensor4D);
}

/** The per-position embedding among the encoder's layers: [N, H / stride, W / stride, D], not normalised. */
export const FEATURE_MAP_LAYER = 'featureMap';

/**
 * The encoder the method hands to the probes (architecture 'video-colorization-embedding'): the embedding net on the
 * frames' lightness, averaged over positions. Its variables are the net's and its config is the net's, so that
 * `videoColorizationEmbeddingArchitecture` rebuilds it. Its layers are `featureMap` (the embedding at every position,
 * what colorization and label propagation attend with) and `embedding`; `embeddingFeatureExtractor` turns a
 * reloaded one back into a `FeatureExtractor`.
 */
export function videoColorizationEncoder(net: EmbeddingNet): Encoder {
  return defineEncoder({
    architecture: 'video-colorization-embedding',
    config: { ...net.config },
    inputShape: [-1, -1, -1],
    outputDim: net.outputDim,
    variables: net.variables,
    layers: [FEATURE_MAP_LAYER],
    checkInput: (x) => {
      const [, h, w, c] = x.shape as [number, number, number, number];
      if ((c !== 1 && c !== 3) || h % net.stride !== 0 || w % net.stride !== 0) {
        invalidArgument('inputs', `[N, H, W, 3] sRGB or [N, H, W, 1] lightness frames, H and W multiples of ${net.stride}`, x);
      }
    },
    forward: (x, training, tap) => {
      const map = net.apply(lightness(x as tf.Tensor4D), { training });
      tap?.(FEATURE_MAP_LAYER, map);
      return tf.mean(map, [1, 2]) as tf.Tensor2D;
    },
  });
}

/**
 * The label-propagation and colorization features of a video-colorization encoder (the method's `encoder`, or one
 * reloaded with `loadEncoder` after `registerVideoColorizeArchitectures()`): its `featureMap` layer, at the net's
 * stride, on sRGB or grey frames. Any other encoder is refused.
 */
export function embeddingFeatureExtractor(encoder: Encoder): FeatureExtractor {
  const expected = "a video-colorization encoder (architecture 'video-colorization-embedding', with a featureMap layer)";
  if (typeof encoder !== 'object' || encoder === null || (encoder as Partial<Encoder>).architecture !== 'video-colorization-embedding') {
    invalidArgument('encoder', expected, encoder);
  }
  const stride = (encoder.config as { stride?: unknown }).stride;
  if ((stride !== 4 && stride !== 8) || typeof encoder.applyLayers !== 'function' || !encoder.layers?.includes(FEATURE_MAP_LAYER)) {
    invalidArgument('encoder', expected, encoder);
  }
  const applyLayers = encoder.applyLayers.bind(encoder);
  return {
    stride,
    channels: 'any',
    extract: (frames) => applyLayers(frames, [FEATURE_MAP_LAYER])[FEATURE_MAP_LAYER] as tf.Tensor4D,
  };
}

/**
 * Tracking emerges by colorizing videos (Vondrick et al. 2018) as an SSLMethod: a CNN embeds grey frames; every
 * target location attends to all locations of the clip's reference frames (softmax of embedding dot products over a
 * temperature); its predicted color distribution is the attention-weighted sum of the references' color-cluster
 * distributions; the loss is the cross-entropy with the target's true clusters. Batches are clips from
 * `videoClipDataset` (frames stacked along channels, the target last). Call `fitColorClusters` first.
 */
export function videoColorization(options?: VideoColorizationOptions): VideoColorization;
/** @deprecated pass one options object: `videoColorization({ ...config, seed })`. */
export function videoColorization(config: VideoColorizationConfig, rng: Rng): VideoColorization;
export function videoColorization(options: VideoColorizationOptions = {}, rng?: Rng): VideoColorization {
  // The options are still called `config` in messages: the deprecated form's first argument.
  const config = options;
  assertOptions('config', config);
  if (rng !== undefined) {
    assertRng('rng', rng);
    if (options.seed !== undefined) invalidArgument('config.seed', 'absent when rng is given (pass one of rng, seed)', options.seed);
  } else if (options.seed !== undefined) {
    assertInteger('config.seed', options.seed);
  }
  const seed = rng === undefined ? (options.seed ?? options.net?.seed ?? 0) : undefined;
  const numClusters = config.numClusters ?? 16;
  assertInteger('config.numClusters', numClusters, 2, 1024);
  const clipLength = config.clipLength ?? 4;
  assertInteger('config.clipLength', clipLength, 2, 64);
  const temperature = config.temperature ?? 0.07;
  assertPositive('config.temperature', temperature);
  const normalize = config.normalize ?? true;
  const crop = config.cropSize;
  if (crop !== undefined) {
    if (!Array.isArray(crop) || crop.length !== 2) invalidArgument('config.cropSize', 'a [height, width] pair', crop);
    assertInteger('config.cropSize[0]', crop[0], 1);
    assertInteger('config.cropSize[1]', crop[1], 1);
  }
  const { seed: _netSeed, ...netConfig } = config.net ?? {};
  const net = seed === undefined ? embeddingNet(netConfig, rng) : embeddingNet({ ...netConfig, seed });
  // The checkpoint name keeps its British spelling: checkpoints saved before the color rename still restore.
  const clusters = namedVariable('colour/clusters', tf.fill([numClusters, 2], Number.NaN), false);
  const variables = methodVariables([{ module: net }, { module: { variables: [clusters] } }]);
  let clustersReady = false;
  const kept = new KeptTensors<'colorAccuracy'>();

  const ensureClusters = () => {
    if (!clustersReady) clustersReady = (clusters.variable.dataSync() as Float32Array).every(Number.isFinite);
    if (!clustersReady) {
      throw new SelfsupError('INVALID_ARGUMENT', 'color clusters are not fitted: call fitColorClusters(frames, { rng }) before training (or restore a checkpoint)');
    }
  };

  const embed = (frames: tf.Tensor4D, options: { readonly training?: boolean } = {}): tf.Tensor4D =>
    tf.tidy(() => {
      const grey = lightness(frames);
      return net.apply(grey, { training: options.training ?? false });
    });

  const featureExtractor: FeatureExtractor = {
    stride: net.stride,
    channels: 'any',
    extract: (frames) => embed(frames),
  };

  const encoder = videoColorizationEncoder(net);

  const methodConfig: JsonObject = {
    net: { ...net.config },
    numClusters,
    clipLength,
    temperature,
    normalize,
    ...(crop !== undefined ? { cropSize: [crop[0], crop[1]] } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };

  const fitClusters = (frames: tf.Tensor4D, clusterOptions: Omit<ColorClusterOptions, 'numClusters'>) => {
    assertOptions('options', clusterOptions);
    const centres = fitColorClusters(frames, { ...clusterOptions, numClusters });
    clusters.variable.assign(centres);
    centres.dispose();
    clustersReady = true;
  };

  return {
    name: 'video-colorization',
    encoder,
    config: methodConfig,
    variables,
    net,
    featureExtractor,
    colorClusters: clusters.variable,
    numClusters,
    clipLength,
    embed,
    colourClusters: clusters.variable,
    fitColorClusters: fitClusters,
    fitColourClusters: fitClusters,
    loss(batch: Batch, context: StepContext): tf.Scalar {
      ensureClusters();
      assertShape('batch.images', batch.images, [null, null, null, 3 * clipLength], { nonEmpty: true });
      let [n, h, w] = batch.images.shape;
      let top = 0;
      let left = 0;
      if (crop !== undefined) {
        if (crop[0] > h || crop[1] > w) invalidArgument('config.cropSize', `at most the frame size ${h}x${w}`, crop);
        top = context.rng.int(0, h - crop[0] + 1);
        left = context.rng.int(0, w - crop[1] + 1);
        [h, w] = crop;
      }
      const s = net.stride;
      if (h % s !== 0 || w % s !== 0) invalidArgument('batch.images', `frames (or crops) whose sides are multiples of ${s}`, batch.images);
      const cells = (h / s) * (w / s);
      const refs = clipLength - 1;
      return tf.tidy(() => {
        const cropped = tf.slice(batch.images, [0, top, left, 0], [n, h, w, -1]) as tf.Tensor4D;
        const frames = tf.reshape(unstackClips(cropped, clipLength), [n * clipLength, h, w, 3]) as tf.Tensor4D;
        const lab = rgbToLab(frames);
        const grey = tf.div(tf.slice(lab, [0, 0, 0, 0], [-1, -1, -1, 1]), 100) as tf.Tensor4D;
        const ab = tf.reshape(tf.slice(lab, [0, 0, 0, 1], [-1, -1, -1, 2]), [-1, 2]) as tf.Tensor2D;
        // Color-cluster distribution of every cell: the share of its pixels in each cluster.
        const oneHot = tf.cast(tf.oneHot(nearestCentroid(ab, clusters.variable as tf.Tensor2D), numClusters), 'float32');
        const cellColors = tf.reshape(tf.avgPool(tf.reshape(oneHot, [n * clipLength, h, w, numClusters]) as tf.Tensor4D, s, s, 'valid'), [
          n,
          clipLength,
          cells,
          numClusters,
        ]);
        let emb = net.apply(grey, { training: true });
        if (normalize) emb = l2Normalize(emb);
        const d = emb.shape[3];
        const e = tf.reshape(emb, [n, clipLength, cells, d]);
        const refKeys = tf.reshape(tf.slice(e, [0, 0, 0, 0], [n, refs, cells, d]), [n, refs * cells, d]);
        const refColors = tf.reshape(tf.slice(cellColors, [0, 0, 0, 0], [n, refs, cells, numClusters]), [n, refs * cells, numClusters]);
        const targetKeys = tf.reshape(tf.slice(e, [0, refs, 0, 0], [n, 1, cells, d]), [n, cells, d]);
        const targetColors = tf.reshape(tf.slice(cellColors, [0, refs, 0, 0], [n, 1, cells, numClusters]), [n, cells, numClusters]);
        const predicted = attend(attentionWeights(targetKeys, refKeys, temperature), refColors);
        const crossEntropy = tf.neg(tf.mean(tf.sum(tf.mul(targetColors, tf.log(tf.add(predicted, 1e-6))), 2)));
        kept.set('colorAccuracy', tf.mean(tf.cast(tf.equal(tf.argMax(predicted, 2), tf.argMax(targetColors, 2)), 'float32')));
        return crossEntropy as tf.Scalar;
      });
    },
    metrics: (): StepMetrics => (kept.has('colorAccuracy') ? kept.read() : {}),
    dispose() {
      disposeAll(kept, variables);
    },
  };
}
