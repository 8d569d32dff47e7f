import * as tf from '@tensorflow/tfjs-core';
import type { Batch, ImageDataset } from '../contracts.js';
import { invalidArgument } from '../errors.js';
import { assertInteger, assertShape } from '../validate.js';

export interface TensorDatasetOptions {
  readonly name?: string;
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
  /** One caption per image (image-caption data): batches carry theirs in `captions`. */
  readonly captions?: readonly string[];
}

/** Checks batch indices against a dataset size. */
export function assertIndices(indices: readonly number[], size: number): void {
  if (!Array.isArray(indices)) invalidArgument('indices', 'an array of sample indices', indices);
  for (const i of indices) assertInteger('indices[i]', i, 0, size - 1);
}

/**
 * An in-memory dataset over a [N, H, W, C] float tensor in [0, 1] (kept, not copied: the dataset owns it after this
 * call) and optional int32 class ids.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, tensorDataset } from '@selfsup/tensors';
 *
 * await initBackend();
 * const images = tf.randomUniform([6, 8, 8, 3]) as tf.Tensor4D; // [N, H, W, C] in [0, 1]
 * const data = tensorDataset(images, [0, 1, 2, 0, 1, 2], { classNames: ['a', 'b', 'c'] });
 * const batch = await data.getBatch([0, 3]);
 * console.log(data.size, data.numClasses, batch.images.shape, await batch.labels!.array()); // 6 3 [2, 8, 8, 3] [0, 0]
 * tf.dispose([batch.images, batch.labels]);
 * data.dispose!();
 * ```
 */
export function tensorDataset(
  images: tf.Tensor4D,
  labels?: Int32Array | readonly number[],
  options: TensorDatasetOptions = {},
): ImageDataset {
  assertShape('images', images, [null, null, null, null], { dtype: 'float32' });
  const [n, h, w, c] = images.shape;
  let labelArray: Int32Array | undefined;
  if (labels !== undefined) {
    labelArray = labels instanceof Int32Array ? labels : Int32Array.from(labels);
    if (labelArray.length !== n) invalidArgument('labels', `${n} labels (one per image)`, `${labelArray.length} labels`);
    for (const l of labelArray) if (l < 0) invalidArgument('labels', 'non-negative class ids', l);
  }
  if (options.captions !== undefined && (!Array.isArray(options.captions) || options.captions.length !== n || options.captions.some((c) => typeof c !== 'string'))) {
    invalidArgument('options.captions', `an array of ${n} strings (one caption per image)`, options.captions);
  }
  const captions = options.captions !== undefined ? Object.freeze([...options.captions]) : undefined;
  const numClasses =
    options.numClasses ?? options.classNames?.length ?? (labelArray !== undefined && n > 0 ? Math.max(...labelArray) + 1 : undefined);
  const dataset: ImageDataset = {
    name: options.name ?? 'tensor',
    size: n,
    imageShape: [h, w, c],
    ...(numClasses !== undefined ? { numClasses } : {}),
    ...(options.classNames !== undefined ? { classNames: options.classNames } : {}),
    async getBatch(indices: readonly number[]): Promise<Batch> {
      assertIndices(indices, n);
      const tensors = tf.tidy(() => {
        const idx = tf.tensor1d(Int32Array.from(indices), 'int32');
        const batch: Batch = {
          images: tf.gather(images, idx) as tf.Tensor4D,
          indices: [...indices],
          ...(labelArray !== undefined ? { labels: tf.tensor1d(Int32Array.from(indices, (i) => labelArray[i] ?? 0), 'int32') } : {}),
        };
        return batch as unknown as tf.TensorContainer;
      }) as unknown as Batch;
      return captions !== undefined ? { ...tensors, captions: indices.map((i) => captions[i] ?? '') } : tensors;
    },
    ...(labelArray !== undefined ? { labels: async () => Int32Array.from(labelArray) } : {}),
    ...(captions !== undefined ? { captions: async () => captions } : {}),
    dispose() {
      images.dispose();
    },
  };
  return dataset;
}
