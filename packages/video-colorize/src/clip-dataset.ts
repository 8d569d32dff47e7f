import * as tf from '@tensorflow/tfjs-core';
import { type Batch, type ImageDataset, assertInteger, assertOptions, assertShape, invalidArgument } from '@selfsup/tensors';

export interface ClipDatasetOptions {
  /** Frames per clip: the references then the target. Default 4 (3 references, as Vondrick et al.). */
  readonly clipLength?: number;
  /** Spacings between consecutive clip frames; every spacing gives its own set of clips. Default [1]. */
  readonly frameGaps?: readonly number[];
  readonly name?: string;
}

/** Where a clip comes from. */
export interface ClipSource {
  readonly video: number;
  readonly start: number;
  readonly gap: number;
}

export interface ClipDataset extends ImageDataset {
  readonly clipLength: number;
  /** The video, first frame and spacing of every sample. */
  readonly clips: readonly ClipSource[];
}

/**
 * Short clips cut from videos ([T, H, W, 3] sRGB in [0, 1], all of one size), as an ImageDataset for `fit`: sample i
 * is one clip with its frames stacked along channels, [H, W, 3 x clipLength], the target frame last. Every start frame
 * and gap that fits is a sample. The videos stay the caller's (the dataset neither copies nor disposes them).
 */
export function videoClipDataset(videos: readonly tf.Tensor4D[], options: ClipDatasetOptions = {}): ClipDataset {
  if (!Array.isArray(videos) || videos.length === 0) invalidArgument('videos', 'a non-empty array of [T, H, W, 3] videos', videos);
  assertOptions('options', options);
  const first = videos[0] as tf.Tensor4D;
  assertShape('videos[0]', first, [null, null, null, 3], { nonEmpty: true });
  const [, h, w] = first.shape;
  videos.forEach((v, i) => assertShape(`videos[${i}]`, v, [null, h, w, 3], { nonEmpty: true }));
  const clipLength = options.clipLength ?? 4;
  assertInteger('options.clipLength', clipLength, 2, 64);
  const gaps = options.frameGaps ?? [1];
  if (!Array.isArray(gaps) || gaps.length === 0) invalidArgument('options.frameGaps', 'a non-empty array of positive integers', gaps);
  for (const g of gaps) assertInteger('options.frameGaps[i]', g, 1);
  const clips: ClipSource[] = [];
  videos.forEach((v, video) => {
    for (const gap of gaps) for (let start = 0; start + (clipLength - 1) * gap < v.shape[0]; start++) clips.push({ video, start, gap });
  });
  if (clips.length === 0) invalidArgument('videos', `videos long enough for one clip of ${clipLength} frames`, videos);
  return {
    name: options.name ?? 'video-clips',
    size: clips.length,
    imageShape: [h, w, 3 * clipLength],
    clipLength,
    clips,
    async getBatch(indices: readonly number[]): Promise<Batch> {
      if (!Array.isArray(indices)) invalidArgument('indices', 'an array of sample indices', indices);
      for (const i of indices) assertInteger('indices[i]', i, 0, clips.length - 1);
      const images = tf.tidy(() =>
        tf.stack(
          indices.map((i) => {
            const c = clips[i] as ClipSource;
            const frames = tf.gather(videos[c.video] as tf.Tensor4D, Int32Array.from({ length: clipLength }, (_, k) => c.start + k * c.gap));
            // [L, H, W, 3] -> [H, W, L * 3]
            return tf.reshape(tf.transpose(frames, [1, 2, 0, 3]), [h, w, 3 * clipLength]);
          }),
        ),
      ) as tf.Tensor4D;
      return { images, indices: [...indices] };
    },
  };
}

/** Splits a batch of stacked clips [N, H, W, 3L] into frames [N, L, H, W, 3]. */
export function unstackClips(images: tf.Tensor4D, clipLength: number): tf.Tensor5D {
  // Checked first: the expected shape below is computed from it.
  assertInteger('clipLength', clipLength, 1, 64);
  assertShape('images', images, [null, null, null, 3 * clipLength]);
  const [n, h, w] = images.shape;
  return tf.tidy(() => tf.transpose(tf.reshape(images, [n, h, w, clipLength, 3]), [0, 3, 1, 2, 4]) as tf.Tensor5D);
}
