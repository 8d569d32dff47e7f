import * as tf from '@tensorflow/tfjs-core';
import { type Encoder, type ImageDataset, assertInteger, assertOptions, assertRank, invalidArgument, l2Normalize } from '@selfsup/tensors';
import type { TextEncoder } from './text-encoder.js';

export interface ZeroShotOptions {
  /** Maps images into the joint space (for a CLIP method: its `imageTower`). */
  readonly imageEncoder: Encoder;
  readonly textEncoder: TextEncoder;
  /** For each class, the prompts whose mean embedding stands for it (e.g. `captions.prompts(c)`). */
  readonly classPrompts: readonly (readonly string[])[];
}

export interface ZeroShotClassifier {
  /** [C, D] unit vectors, one per class. */
  readonly classEmbeddings: tf.Tensor2D;
  /** Cosine similarities of the images with every class: [N, C]. */
  logits(images: tf.Tensor4D): tf.Tensor2D;
  /** The most similar class of each image: int32 [N]. */
  predict(images: tf.Tensor4D): tf.Tensor1D;
  /** Top-1 accuracy on a labelled data set. */
  evaluate(dataset: ImageDataset, options?: { readonly batchSize?: number }): Promise<{ readonly top1: number; readonly numSamples: number }>;
  dispose(): void;
}

/**
 * Zero-shot classification as in CLIP (Radford et al. 2021, section 3.1.2): each class is the normalised mean of its
 * prompts' normalised text embeddings (prompt ensembling, section 3.1.4); an image is assigned the class whose
 * embedding is most similar to its own.
 */
export function zeroShotClassifier(options: ZeroShotOptions): ZeroShotClassifier {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const { imageEncoder, textEncoder, classPrompts } = options;
  if (typeof imageEncoder?.apply !== 'function') invalidArgument('options.imageEncoder', 'an Encoder', imageEncoder);
  if (typeof textEncoder?.embedTexts !== 'function') invalidArgument('options.textEncoder', 'a TextEncoder from textEncoder()', textEncoder);
  if (imageEncoder.outputDim !== textEncoder.outputDim) {
    invalidArgument('options.imageEncoder', `an encoder with outputDim ${textEncoder.outputDim} (the text encoder's)`, imageEncoder.outputDim);
  }
  if (!Array.isArray(classPrompts) || classPrompts.length === 0 || classPrompts.some((p) => !Array.isArray(p) || p.length === 0)) {
    invalidArgument('options.classPrompts', 'a non-empty array of non-empty prompt lists', classPrompts);
  }
  const classEmbeddings = tf.tidy(
    () => tf.stack(classPrompts.map((prompts) => l2Normalize(tf.mean(l2Normalize(textEncoder.embedTexts(prompts)), 0)))) as tf.Tensor2D,
  );
  const logits = (images: tf.Tensor4D) => {
    assertRank('images', images, 4);
    return tf.tidy(() => tf.matMul(l2Normalize(imageEncoder.apply(images)), classEmbeddings, false, true) as tf.Tensor2D);
  };
  const predict = (images: tf.Tensor4D) => tf.tidy(() => tf.cast(tf.argMax(logits(images), 1), 'int32') as tf.Tensor1D);
  return {
    classEmbeddings,
    logits,
    predict,
    async evaluate(dataset, evalOptions = {}) {
      const batchSize = evalOptions.batchSize ?? 256;
      assertInteger('options.batchSize', batchSize, 1);
      let correct = 0;
      for (let start = 0; start < dataset.size; start += batchSize) {
        const indices = Array.from({ length: Math.min(batchSize, dataset.size - start) }, (_, i) => start + i);
        const batch = await dataset.getBatch(indices);
        try {
          if (batch.labels === undefined) invalidArgument('dataset', 'a labelled data set', dataset.name);
          const labels = batch.labels;
          correct += tf.tidy(() => tf.sum(tf.cast(tf.equal(predict(batch.images), labels), 'int32')).dataSync()[0] ?? 0);
        } finally {
          batch.images.dispose();
          batch.labels?.dispose();
        }
      }
      return { top1: dataset.size > 0 ? correct / dataset.size : 0, numSamples: dataset.size };
    },
    dispose() {
      classEmbeddings.dispose();
    },
  };
}
