import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertObject, assertOneOf, assertOptions, assertPositive, assertShape, invalidArgument, l2Normalize } from '@selfsup/tensors';
import { type ContextBlock, neighbourhoodBias, topKAttention } from './attention.js';
import { type FeatureExtractor, assertFeatureExtractor, assertFramesFor, depthToSpace, spaceToDepth } from './features.js';

export interface PropagationOptions {
  /** The embedding: a trained model's `featureExtractor`, or `labPixelFeatures()` for the raw-pixel baseline. */
  readonly features: FeatureExtractor;
  /** Short-term context: the previous n frames (besides the first frame). Default 20. */
  readonly contextFrames?: number;
  /** Short-term attention is restricted to cells within this many feature cells (square window). Default 12. */
  readonly radius?: number;
  /** Affinities kept per target cell. Default 10. */
  readonly topK?: number;
  /** Softmax temperature over the kept affinities. Default 0.07. */
  readonly temperature?: number;
  /** L2-normalise the features (cosine affinities). Default true. */
  readonly normalize?: boolean;
  /** Frames embedded at once. Default 8. */
  readonly batchFrames?: number;
  /** Target cells attended at once. Default 512. */
  readonly chunkSize?: number;
  /**
   * 'pixel' (default): a cell carries the s x s block of its pixels' labels, so labels keep full resolution and a frame
   * identical to the reference gets its mask back exactly; 'cell': a cell carries its label shares, upsampled
   * bilinearly at the end (the read-out of Jabri et al.'s code).
   */
  readonly labelResolution?: 'pixel' | 'cell';
}

export interface PropagationResult {
  /** [T, H, W] int32 object ids; frame 0 is the given mask. */
  readonly masks: tf.Tensor3D;
  /** Number of labels propagated (background included): max id + 1. */
  readonly numLabels: number;
}

/** Embeds frames in batches (bounding the memory of the network's activations), L2-normalised when asked. */
export function embedFrames(frames: tf.Tensor4D, features: FeatureExtractor, options: { normalize?: boolean; batchFrames?: number } = {}): tf.Tensor4D {
  assertFeatureExtractor('features', features);
  assertFramesFor('frames', frames, features);
  assertOptions('options', options);
  const batch = options.batchFrames ?? 8;
  assertInteger('options.batchFrames', batch, 1);
  const t = frames.shape[0];
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    for (let start = 0; start < t; start += batch) {
      const size = Math.min(batch, t - start);
      parts.push(
        tf.tidy(() => {
          const f = features.extract(tf.slice(frames, [start, 0, 0, 0], [size, -1, -1, -1]));
          return options.normalize === false ? f : l2Normalize(f);
        }),
      );
    }
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor4D;
  });
}

/**
 * Label propagation (the evaluation protocol of Jabri et al. 2020, after Vondrick et al. 2018): the first frame's mask
 * (integer object ids, 0 background, any number of objects) is carried through the video by attention between
 * feature maps. Each frame attends to the first frame (everywhere) and to the previous `contextFrames` frames (within
 * `radius` cells); the top-k affinities, softmaxed at `temperature`, weight the context's soft labels; the prediction
 * then joins the context of later frames. Labels are propagated at feature resolution and upsampled bilinearly.
 */
export function propagateLabels(video: tf.Tensor4D, firstFrameMask: tf.Tensor2D, options: PropagationOptions): PropagationResult {
  assertObject('options', options, 'an options object with features');
  assertFeatureExtractor('options.features', options.features);
  const features = options.features;
  assertFramesFor('video', video, features);
  const [t, h, w] = video.shape;
  assertShape('firstFrameMask', firstFrameMask, [h, w]);
  const contextFrames = options.contextFrames ?? 20;
  assertInteger('options.contextFrames', contextFrames, 0);
  const radius = options.radius ?? 12;
  assertInteger('options.radius', radius, 0);
  const topK = options.topK ?? 10;
  assertInteger('options.topK', topK, 1);
  const temperature = options.temperature ?? 0.07;
  assertPositive('options.temperature', temperature);
  const resolution = options.labelResolution ?? 'pixel';
  assertOneOf('options.labelResolution', resolution, ['pixel', 'cell'] as const);
  const ids = firstFrameMask.dataSync();
  let maxId = 0;
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0) invalidArgument('firstFrameMask', 'non-negative integer object ids', id);
    maxId = Math.max(maxId, id);
  }
  const numLabels = maxId + 1;
  const s = features.stride;
  const [fh, fw] = [h / s, w / s];
  const cells = fh * fw;

  const masks = tf.tidy(() => {
    const embedded = embedFrames(video, features, {
      normalize: options.normalize ?? true,
      ...(options.batchFrames !== undefined ? { batchFrames: options.batchFrames } : {}),
    });
    const d = embedded.shape[3];
    const keys = tf.unstack(tf.reshape(embedded, [t, cells, d])) as tf.Tensor2D[];
    // One-hot by comparison (tf.oneHot refuses depth 1, a background-only mask).
    const oneHot = tf.cast(tf.equal(tf.reshape(tf.cast(firstFrameMask, 'int32'), [1, h, w, 1]), tf.range(0, numLabels, 1, 'int32')), 'float32') as tf.Tensor4D;
    // A cell's labels: its pixels' one-hot labels ('pixel') or their shares ('cell').
    const cellLabels = resolution === 'pixel' ? spaceToDepth(oneHot, s) : (tf.avgPool(oneHot, s, s, 'valid') as tf.Tensor4D);
    const v = cellLabels.shape[3];
    const first = tf.reshape(cellLabels, [cells, v]) as tf.Tensor2D;
    const labels: tf.Tensor2D[] = [first];
    const bias = contextFrames > 0 ? neighbourhoodBias(fh, fw, radius) : undefined;
    for (let f = 1; f < t; f++) {
      const context: ContextBlock[] = [{ keys: keys[0] as tf.Tensor2D, values: labels[0] as tf.Tensor2D, restricted: false }];
      for (let p = Math.max(1, f - contextFrames); p < f; p++) {
        context.push({ keys: keys[p] as tf.Tensor2D, values: labels[p] as tf.Tensor2D, restricted: true });
      }
      labels.push(
        topKAttention(keys[f] as tf.Tensor2D, context, {
          topK,
          temperature,
          ...(bias !== undefined ? { bias } : {}),
          ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
        }),
      );
    }
    const soft = tf.reshape(tf.stack(labels), [t, fh, fw, v]) as tf.Tensor4D;
    const upsampled = resolution === 'pixel' ? depthToSpace(soft, s) : tf.image.resizeBilinear(soft, [h, w], false, true);
    const predicted = tf.cast(tf.argMax(upsampled, 3), 'int32') as tf.Tensor3D;
    // Frame 0 is given: keep it exactly.
    return tf.concat([tf.expandDims(tf.cast(firstFrameMask, 'int32'), 0), tf.slice(predicted, [1, 0, 0], [t - 1, h, w])], 0) as tf.Tensor3D;
  });
  return { masks, numLabels };
}
