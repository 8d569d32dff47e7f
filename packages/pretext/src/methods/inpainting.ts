import * as tf from '@tensorflow/tfjs-core';
import type { MaskBatch } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import type { Batch, Encoder, Optimizer, Rng, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { adam, assertInRange, assertInteger, assertNonNegative, assertOneOf, assertOptions, assertPositive, assertPositiveInteger, assertShape, invalidArgument, scopeVariables, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { discriminatorLoss, generatorAdversarialLoss } from '../losses/adversarial.js';
import { weightedL2Loss } from '../losses/weighted-l2.js';
import { type ImageDecoder, imageDecoder } from '../nets/image-decoder.js';
import { assertEncoder } from '../nets/whole-image-encoder.js';
import {
  type InpaintingMaskOptions,
  type InpaintingRegion,
  type InpaintingSamples,
  INPAINTING_MASKS,
  assertOverlapFits,
  centerHoleMasks,
  contextEncoderOverlap,
  inpaintingRegion,
  inpaintingSamples,
  maskedInputs,
} from '../samples/inpainting-samples.js';

export interface InpaintingDiscriminatorOptions {
  /** Channels of its stride-2 conv blocks. Default [32, 64, 128]. */
  readonly channels?: readonly number[];
  /**
   * Its Adam learning rate as a fraction of the generator's (the rate `fit` applies at that step,
   * `StepContext.learningRate`, so it follows the schedule). Default 0.1 when 0 < reconstructionWeight < 1, else 1:
   * the reference code (train.lua) runs the generator at 10x the discriminator's rate when 0 < wtl2 < 1.
   */
  readonly learningRateScale?: number;
  /** A fixed Adam learning rate instead, whatever the generator's (not with `learningRateScale`). */
  readonly learningRate?: number;
  /** Its Adam beta1. Default 0.5 (Pathak et al., after DCGAN). */
  readonly beta1?: number;
}

export interface InpaintingOptions {
  /** The context encoder: maps images with a filled hole [N, H, W, C] to a code [N, D]. */
  readonly encoder: Encoder;
  /** [H, W] of the training images: any sides (28 x 28, 32 x 32, ...). */
  readonly imageSize: readonly [number, number];
  /** Image channels. Default: the encoder's input channels, or 3 when it accepts any. */
  readonly channels?: number;
  /** Channels of the decoder stages, coarsest first. Default [128, 64, 32]. */
  readonly decoderChannels?: readonly number[];
  /**
   * Hole shape. Default the reference's: the central region of half the side ('center'), of which the generator
   * predicts all and the input hides all but the overlap border. 'rectangles' and 'blobs' predict the whole image.
   */
  readonly mask?: InpaintingMaskOptions;
  /** Overlap band width in pixels. Default `contextEncoderOverlap(imageSize)`: round(min(H, W) / 32), 4 px at 128. */
  readonly overlap?: number;
  /** Weight of the overlap band. Default 10. */
  readonly overlapWeight?: number;
  /** Hole fill of the encoder input (per channel or one value). Default Context Encoders' mean color. */
  readonly fill?: number | readonly number[];
  /** Weight of the masked L2 reconstruction loss (the reference's wtl2). Default 0.999. */
  readonly reconstructionWeight?: number;
  /** Weight of the adversarial loss. Default 0.001; 0 trains without the discriminator. */
  readonly adversarialWeight?: number;
  readonly discriminator?: InpaintingDiscriminatorOptions;
  readonly seed?: number;
}

/** What `inpaint` returns. */
export interface Inpainted {
  /** [N, H, W, C]: the encoder's input, the hole filled. */
  readonly inputs: tf.Tensor4D;
  /** [N, h, w, C]: the generator's output, the predicted region (`Inpainting.region`: the centre, or the whole image). */
  readonly predictions: tf.Tensor4D;
  /** [N, H, W, C]: the context with the predicted hole pasted in. */
  readonly completed: tf.Tensor4D;
}

export interface Inpainting extends SSLMethod {
  readonly decoder: ImageDecoder;
  /**
   * Says real (1) or predicted (0). With 'center' holes it sees the centre region only (the real one or the
   * generator's), as the reference's; with random holes the completed image and the mask as an extra channel.
   */
  readonly discriminator: Encoder;
  /** Where the generator's output goes in the image: the centre region, or the whole image for random holes. */
  readonly region: InpaintingRegion;
  /** The discriminator's learning rate when the generator's is `generatorLearningRate`. */
  discriminatorLearningRate(generatorLearningRate: number): number;
  /** Masks, masked inputs and loss weights of a batch, from `rng`. */
  samples(images: tf.Tensor4D, rng: Rng): InpaintingSamples;
  /**
   * Fills the holes `masks` ([N, H, W, 1], 1 = hole) of `images` (inference mode). With 'center' holes `masks` may be
   * left out (the training hole) and must lie inside `region`; random holes need it.
   */
  inpaint(images: tf.Tensor4D, masks?: MaskBatch): Inpainted;
}

/**
 * The optimizer settings of Context Encoders' generator for `fit`: Adam, learning rate 2e-3, beta1 0.5 (the reference
 * code's 10 x 2e-4; the discriminator then runs at 2e-4).
 */
export const CONTEXT_ENCODER_FIT = Object.freeze({ optimizer: Object.freeze({ type: 'adam' as const, beta1: 0.5 }), learningRate: 2e-3 });

function completeImages(images: tf.Tensor4D, predictions: tf.Tensor4D, masks: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(images, tf.sub(1, masks)), tf.mul(predictions, masks)) as tf.Tensor4D);
}

function cropRegion(images: tf.Tensor4D, r: InpaintingRegion): tf.Tensor4D {
  if (r.top === 0 && r.left === 0 && r.height === images.shape[1] && r.width === images.shape[2]) return images;
  return tf.slice(images, [0, r.top, r.left, 0], [-1, r.height, r.width, -1]);
}

/** The region's predictions placed in an [N, H, W, C] frame (zeros elsewhere). */
function placeRegion(predictions: tf.Tensor4D, r: InpaintingRegion, size: readonly [number, number]): tf.Tensor4D {
  const pads: [number, number][] = [[0, 0], [r.top, size[0] - r.top - r.height], [r.left, size[1] - r.left - r.width], [0, 0]];
  return pads.every(([a, b]) => a === 0 && b === 0) ? predictions : tf.pad(predictions, pads);
}

/**
 * Context Encoders (Pathak, Krähenbühl, Donahue, Darrell & Efros 2016, "Context Encoders: Feature Learning by
 * Inpainting"), as the authors' code (pathak22/context-encoder, train.lua) builds its default, central mode: the
 * central region of half the side (64 of 128 px) is the part the generator predicts; the encoder reads the image with
 * that region hidden except for its `overlap`-pixel border (4 px at 128; scaled: round(min(H, W) / 32)); the decoder
 * paints that region only; the loss is 0.999 x the weighted mean squared error over the region (the border weighted
 * 10x) + 0.001 x an adversarial loss from a discriminator that sees only the region, the real one or the predicted.
 * The discriminator is its own module with its own Adam (beta1 0.5) at a tenth of the generator's rate (when
 * 0 < reconstructionWeight < 1, as the reference: `discriminator.learningRateScale`), stepped in `afterStep` of the
 * same `fit` loop; its weights and Adam slots are listed in `variables` as non-trainable, so `fit`'s optimizer leaves
 * them alone and checkpoints hold them. Train the generator with `CONTEXT_ENCODER_FIT`. Random holes ('rectangles',
 * 'blobs') predict the whole image and the discriminator judges the completion with the mask. Metrics:
 * `reconstruction`, `adversarial`, `discriminator`.
 */
export function inpainting(options: InpaintingOptions): Inpainting {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with an encoder and imageSize', options);
  const { encoder } = options;
  assertEncoder('options.encoder', encoder);
  const size = options.imageSize;
  if (!Array.isArray(size) || size.length !== 2) invalidArgument('options.imageSize', 'a [height, width] pair', size);
  assertInteger('options.imageSize[0]', size[0], 1);
  assertInteger('options.imageSize[1]', size[1], 1);
  const encoderChannels = encoder.inputShape.length === 3 ? encoder.inputShape[2]! : -1;
  const channels = options.channels ?? (encoderChannels > 0 ? encoderChannels : 3);
  assertPositiveInteger('options.channels', channels);
  if (channels !== 1 && channels !== 3) invalidArgument('options.channels', '1 (grey) or 3 (RGB)', channels);
  const reconstructionWeight = options.reconstructionWeight ?? 0.999;
  const adversarialWeight = options.adversarialWeight ?? 0.001;
  assertNonNegative('options.reconstructionWeight', reconstructionWeight);
  assertNonNegative('options.adversarialWeight', adversarialWeight);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const maskOptions = options.mask ?? {};
  assertOptions('options.mask', maskOptions);
  const kind = maskOptions.kind ?? 'center';
  assertOneOf('options.mask.kind', kind, INPAINTING_MASKS);
  const center = kind === 'center';
  if (center && maskOptions.centerFraction !== undefined) assertInRange('options.mask.centerFraction', maskOptions.centerFraction, 0, 1);
  const region = inpaintingRegion([size[0], size[1]], maskOptions);
  const overlap = options.overlap ?? contextEncoderOverlap([size[0], size[1]]);
  if (center) assertOverlapFits('options.overlap', overlap, region);
  else assertInteger('options.overlap', overlap, 0, 1024);
  const d = options.discriminator ?? {};
  assertOptions('options.discriminator', d);
  if (d.learningRate !== undefined && d.learningRateScale !== undefined) {
    invalidArgument('options.discriminator', 'learningRate or learningRateScale, not both', d);
  }
  if (d.learningRate !== undefined) assertPositive('options.discriminator.learningRate', d.learningRate);
  // train.lua: optimStateG's rate is 10 x optimStateD's when 0 < wtl2 < 1, equal otherwise.
  const learningRateScale = d.learningRateScale ?? (reconstructionWeight > 0 && reconstructionWeight < 1 ? 0.1 : 1);
  assertPositive('options.discriminator.learningRateScale', learningRateScale);
  const dBeta1 = d.beta1 ?? 0.5;
  assertInRange('options.discriminator.beta1', dBeta1, 0, 0.999999);
  const discriminatorLearningRate = (generatorLearningRate: number) => {
    assertPositive('generatorLearningRate', generatorLearningRate);
    return d.learningRate ?? generatorLearningRate * learningRateScale;
  };
  const sampleOptions = {
    ...maskOptions,
    overlap,
    overlapWeight: options.overlapWeight ?? 10,
    ...(options.fill !== undefined ? { fill: options.fill } : {}),
  };
  const decoder = imageDecoder({
    inputDim: encoder.outputDim,
    imageSize: [region.height, region.width],
    outChannels: channels,
    seed,
    ...(options.decoderChannels !== undefined ? { channels: options.decoderChannels } : {}),
  });
  const dChannels = [...(d.channels ?? [32, 64, 128])];
  // No batch norm: the generator's step runs it on predictions only, which would skew running statistics.
  const discriminator = convNet({
    inputShape: center ? [region.height, region.width, channels] : [size[0], size[1], channels + 1],
    channels: dChannels,
    strides: dChannels.map(() => 2),
    norm: 'none',
    activation: 'leakyRelu',
    outputDim: 1,
    seed: seed + 1,
  });
  const dOptimizer: Optimizer = adam(discriminator.variables, { beta1: dBeta1 });
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'decoder', module: decoder },
    { prefix: 'discriminator', module: discriminator, frozen: true },
    { prefix: 'discriminator', module: { variables: scopeVariables('adam', dOptimizer.variables) }, frozen: true },
  ]);
  const dTrainable = discriminator.variables.filter((v) => v.trainable).map((v) => v.variable);
  const kept = new KeptTensors<'reconstruction' | 'adversarial' | 'discriminator' | 'real' | 'fake'>();
  const samples = (images: tf.Tensor4D, rng: Rng) => inpaintingSamples(images, rng, sampleOptions);
  const checkImages = (images: tf.Tensor4D) => assertShape('images', images, [null, size[0], size[1], channels], { dtype: 'float32' });
  // What the discriminator judges: the region alone (centre), or the completed image with the mask (random holes).
  const judged = (images: tf.Tensor4D, predictions: tf.Tensor4D, masks: tf.Tensor4D) =>
    center
      ? { real: cropRegion(images, region), fake: predictions }
      : { real: tf.concat([images, masks], 3) as tf.Tensor4D, fake: tf.concat([completeImages(images, predictions, masks), masks], 3) as tf.Tensor4D };
  const judge = (x: tf.Tensor4D) => discriminator.apply(x, { training: true });

  return {
    name: 'inpainting',
    encoder,
    decoder,
    discriminator,
    region,
    discriminatorLearningRate,
    config: {
      imageSize: [size[0], size[1]],
      channels,
      decoderChannels: decoder.config.channels,
      mask: JSON.parse(JSON.stringify({ ...maskOptions, kind })),
      region: { ...region },
      overlap,
      overlapWeight: sampleOptions.overlapWeight,
      reconstructionWeight,
      adversarialWeight,
      discriminator: {
        channels: dChannels,
        ...(d.learningRate !== undefined ? { learningRate: d.learningRate } : { learningRateScale }),
        beta1: dBeta1,
      },
      seed,
    },
    variables,
    samples,
    inpaint(images: tf.Tensor4D, masks?: MaskBatch): Inpainted {
      checkImages(images);
      const n = images.shape[0];
      if (masks === undefined && !center) invalidArgument('masks', `hole masks [${n}, ${size[0]}, ${size[1]}, 1] (random holes: draw them with inpaintingMasks)`, masks);
      if (masks !== undefined) {
        assertShape('masks', masks, [n, size[0], size[1], 1], { dtype: 'float32' });
        const outside = tf.tidy(() => tf.sum(tf.sub(masks, tf.mul(masks, placeRegion(tf.ones([n, region.height, region.width, 1]), region, size)))).dataSync()[0]!);
        if (outside > 0) {
          invalidArgument('masks', `holes inside the predicted region (rows ${region.top}-${region.top + region.height - 1}, columns ${region.left}-${region.left + region.width - 1})`, masks);
        }
      }
      return tf.tidy(() => {
        const holes = masks ?? centerHoleMasks(n, [size[0], size[1]], overlap, maskOptions);
        const inputs = maskedInputs(images, holes, sampleOptions.fill);
        const predictions = decoder.apply(encoder.apply(inputs));
        return { inputs, predictions, completed: completeImages(images, placeRegion(predictions, region, size), holes) };
      });
    },
    loss(batch: Batch, context: StepContext): tf.Scalar {
      checkImages(batch.images);
      const s = samples(batch.images, context.rng);
      try {
        return tf.tidy(() => {
          const predictions = decoder.apply(encoder.apply(s.inputs, { training: true }), { training: true });
          const reconstruction = weightedL2Loss(predictions, cropRegion(batch.images, region), cropRegion(s.weights, region));
          kept.set('reconstruction', reconstruction);
          let total: tf.Scalar = tf.mul(reconstruction, reconstructionWeight);
          if (adversarialWeight > 0) {
            const { real, fake } = judged(batch.images, predictions, s.masks);
            const adversarial = generatorAdversarialLoss(judge(fake));
            kept.set('adversarial', adversarial);
            total = tf.add(total, tf.mul(adversarial, adversarialWeight));
            // The discriminator's step (afterStep) trains on this step's real and predicted inputs, as values.
            kept.set('real', real);
            kept.set('fake', fake);
          }
          return total;
        });
      } finally {
        tf.dispose([s.masks, s.inputs, s.weights]);
      }
    },
    afterStep(_batch: Batch, context: StepContext): void {
      const real = kept.get('real') as tf.Tensor4D | undefined;
      const fake = kept.get('fake') as tf.Tensor4D | undefined;
      if (real === undefined || fake === undefined) return;
      // Outside fit (no rate in the context) the generator's rate is taken to be CONTEXT_ENCODER_FIT's.
      const lr = discriminatorLearningRate(context.learningRate ?? CONTEXT_ENCODER_FIT.learningRate);
      const { value, grads } = tf.variableGrads(() => discriminatorLoss(judge(real), judge(fake)), dTrainable);
      const list = dTrainable.map((v) => grads[v.name] ?? tf.zerosLike(v));
      dOptimizer.applyGradients(list, lr);
      tf.dispose(list);
      tf.dispose(grads);
      kept.set('discriminator', value);
      value.dispose();
      kept.delete('real');
      kept.delete('fake');
    },
    metrics(): StepMetrics {
      return {
        reconstruction: kept.scalar('reconstruction'),
        ...(adversarialWeight > 0 ? { adversarial: kept.scalar('adversarial'), discriminator: kept.scalar('discriminator') } : {}),
      };
    },
    dispose() {
      kept.clear();
      // The discriminator's Adam slots are among `variables`.
      disposeAll(variables);
    },
  };
}
