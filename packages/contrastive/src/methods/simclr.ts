import { multiView, simclrTransform } from '@selfsup/augment';
import * as tf from '@tensorflow/tfjs-core';
import { type Head, assertHead, simclrProjectionHead } from '@selfsup/encoders';
import { type Encoder, type SSLMethod, assertInteger, assertOptions, cosineSimilarity, invalidArgument, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { multiViewNtXent } from '../losses/multi-view-nt-xent.js';
import { ntXent } from '../losses/nt-xent.js';
import { assertTemperature } from '../ops/checks.js';
import { type ViewFn, type Views, assertEncoder, assertViews, checkHeadSizes, drawViews, embedBoth, embedViews, imageSize, methodRng, type SeedOptions } from './parts.js';

export interface SimclrOptions extends SeedOptions {
  readonly encoder: Encoder;
  /** g(.), whose output the loss sees. Default `simclrProjectionHead`: dense(D)-ReLU-dense(128), D the encoder's width. */
  readonly projectionHead?: Head;
  /** Width of the default head's hidden layers. Default: the encoder's `outputDim` (SimCLR's: 2048 for ResNet-50). */
  readonly projectorHiddenDim?: number;
  /** Width of the default head's output z. Default 128. */
  readonly projectorOutputDim?: number;
  /** Dense layers of the default head: 2 (SimCLR) or more (3 is SimCLR v2's, with batch norm). Default 2. */
  readonly projectorLayers?: number;
  /**
   * The augmentation that makes each view. Default: SimCLR's (`simclrTransform`: random resized crop and flip, color
   * distortion, grayscale; blur only above 32 pixels, strength 0.5 at 32 pixels and below as in the CIFAR-10 setting).
   */
  readonly views?: Views;
  /** tau. Default 0.5 (the paper's choice for CIFAR-10; 0.1 for ImageNet with large batches). */
  readonly temperature?: number;
  /**
   * Multi-crop (Caron et al. 2020): `count` more views of each image from `views`, typically small crops (fewer pixels,
   * cheaper), embedded in one pass of their own; the loss is then `multiViewNtXent` over all 2 + count views. Default
   * none: two views and `ntXent`.
   */
  readonly smallViews?: SmallViews;
}

/** Multi-crop's extra views: `count` views of each image, each drawn with `views`. */
export interface SmallViews {
  readonly views: ViewFn;
  /** Extra views per image, an integer >= 0 (0: plain SimCLR). */
  readonly count: number;
}

export interface SimclrMethod extends SSLMethod {
  readonly projectionHead: Head;
}

function defaultSimclrViews(encoder: Encoder): Views {
  const size = imageSize(encoder, 'options.views');
  const small = Math.max(...size) <= 32;
  return simclrTransform({ size, strength: small ? 0.5 : 1, blur: !small });
}

/**
 * SimCLR (Chen, Kornblith, Norouzi & Hinton 2020, "A Simple Framework for Contrastive Learning of Visual
 * Representations"): two augmented views of each image go through the encoder f and the projection head g, and
 * NT-Xent pulls each view's projection to its twin's among the 2N views of the batch.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { fit, initBackend, tensorDataset } from '@selfsup/tensors';
 * import { convNet } from '@selfsup/encoders';
 * import { simclr } from '@selfsup/contrastive';
 *
 * await initBackend();
 * const method = simclr({ encoder: convNet({ inputShape: [16, 16, 1], channels: [8, 16], seed: 0 }), temperature: 0.5 });
 * const data = tensorDataset(tf.randomUniform([32, 16, 16, 1], 0, 1, 'float32', 0) as tf.Tensor4D);
 * const { losses } = await fit(method, data, { batchSize: 16, epochs: 2, seed: 0, progress: false });
 * console.log(losses); // four finite NT-Xent values
 * method.dispose();
 * ```
 */
export function simclr(options: SimclrOptions): SimclrMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with encoder, projectionHead and views', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const { rng, config: seedConfig } = methodRng(options);
  checkHeadSizes(options, { projectorHiddenDim: 'projectionHead', projectorOutputDim: 'projectionHead', projectorLayers: 'projectionHead' });
  const projectionHead =
    options.projectionHead ??
    simclrProjectionHead({
      inputDim: encoder.outputDim,
      hiddenDim: options.projectorHiddenDim ?? encoder.outputDim,
      outputDim: options.projectorOutputDim ?? 128,
      layers: options.projectorLayers ?? 2,
      rng,
    });
  const views = options.views ?? defaultSimclrViews(encoder);
  assertHead('options.projectionHead', projectionHead, encoder.outputDim);
  assertViews('options.views', views);
  const temperature = options.temperature ?? 0.5;
  assertTemperature('options.temperature', temperature);
  const small = checkSmallViews('options.smallViews', options.smallViews);
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'projector', module: projectionHead },
  ]);
  const metrics = new KeptTensors();
  return {
    name: 'simclr',
    encoder,
    projectionHead,
    config: { method: 'simclr', temperature, projectionDim: projectionHead.outputDim, ...(small !== undefined ? { smallViews: small.count } : {}), ...seedConfig },
    variables,
    loss(batch, context) {
      return tf.tidy(() => {
        const [v1, v2] = drawViews(views, batch.images, context.rng);
        const [z1, z2] = embedBoth(v1, v2, encoder, [projectionHead]);
        // In a data-parallel run every rank's views are negatives (global negatives, as SimCLR's TPU pods had).
        const group = context.processGroup !== undefined ? { processGroup: context.processGroup } : {};
        // The small views in one pass of their own (batch norm sees them apart from the large views, as in SwAV).
        const loss =
          small === undefined
            ? ntXent(z1, z2, { temperature, ...group })
            : multiViewNtXent([z1, z2, ...embedViews(multiView(small.views, small.count)(batch.images, context.rng), encoder, [projectionHead])], { temperature, ...group });
        metrics.record({ positiveCosine: tf.mean(cosineSimilarity(z1, z2)) as tf.Scalar });
        return loss;
      });
    },
    metrics: () => metrics.read(),
    dispose() {
      metrics.clear();
      disposeAll(encoder, projectionHead);
    },
  };
}

function checkSmallViews(name: string, value: SmallViews | undefined): SmallViews | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) invalidArgument(name, 'an object { views, count }', value);
  if (typeof value.views !== 'function') invalidArgument(`${name}.views`, 'a view function (images, rng) => images', value.views);
  assertInteger(`${name}.count`, value.count, 0);
  return value.count === 0 ? undefined : value;
}

/** @deprecated use `SimclrOptions`. */
export type SimClrOptions = SimclrOptions;
/** @deprecated use `SimclrMethod`. */
export type SimClrMethod = SimclrMethod;
