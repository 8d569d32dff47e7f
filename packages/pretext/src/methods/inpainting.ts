import * as tf from '@tensorflow/tfjs-core';
import type { MaskBatch } from '@selfsup/augment';
import { convNet } from '@selfsup/encoders';
import type { Batch, Encoder, Optimizer, Rng, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { adam, assertInRange, assertInteger, assertNonNegative, assertOptions, assertPositive, assertPositiveInteger, assertShape, invalidArgument, scopeVariables, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { discriminatorLoss, generatorAdversarialLoss } from '../losses/adversarial.js';
import { weightedL2Loss } from '../losses/weighted-l2.js';
import { type ImageDecoder, imageDecoder } from '../nets/image-decoder.js';
import { assertEncoder } from '../nets/whole-image-encoder.js';
import { type InpaintingMaskOptions, type InpaintingSamples, inpaintingSamples, maskedInputs } from '../samples/inpainting-samples.js';

export interface InpaintingDiscriminatorOptions {
  /** Channels of its stride-2 conv blocks. Default [32, 64, 128]. */
  readonly channels?: readonly number[];
  /** Its Adam learning rate. Default 2e-4 (Pathak et al.). */
  readonly learningRate?: number;
  /** Its Adam beta1. Default 0.5 (Pathak et al., after DCGAN). */
  readonly beta1?: number;
}

export interface InpaintingOptions {
  /** The context encoder: maps images with a filled hole [N, H, W, C] to a code [N, D]. */
  readonly encoder: Encoder;
  /** [H, W] of the training images (the decoder's output size; sides divisible by 2^decoderChannels.length). */
  readonly imageSize: readonly [number, number];
  /** Image channels. Default: the encoder's input channels, or 3 when it accepts any. */
  readonly channels?: number;
  /** Channels of the decoder stages, coarsest first. Default [128, 64, 32]. */
  readonly decoderChannels?: readonly number[];
  /** Hole shape and size. Default: the central square of half the side. */
  readonly mask?: InpaintingMaskOptions;
  /** Overlap band width in pixels. Default 4. */
  readonly overlap?: number;
  /** Weight of the overlap band. Default 10. */
  readonly overlapWeight?: number;
  /** Hole fill of the encoder input (per channel or one value). Default Context Encoders' mean color. */
  readonly fill?: number | readonly number[];
  /** Weight of the masked L2 reconstruction loss. Default 0.999. */
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
  /** [N, H, W, C]: the decoder's whole output. */
  readonly predictions: tf.Tensor4D;
  /** [N, H, W, C]: the context with the predicted hole pasted in. */
  readonly completed: tf.Tensor4D;
}

export interface Inpainting extends SSLMethod {
  readonly decoder: ImageDecoder;
  /** Sees the completed image with the mask as an extra channel and says real (1) or filled (0). */
  readonly discriminator: Encoder;
  /** Masks, masked inputs and loss weights of a batch, from `rng`. */
  samples(images: tf.Tensor4D, rng: Rng): InpaintingSamples;
  /** Fills the holes `masks` ([N, H, W, 1], 1 = hole) of `images` (inference mode). */
  inpaint(images: tf.Tensor4D, masks: MaskBatch): Inpainted;
}

/** The optimizer settings of Context Encoders for `fit`: Adam, learning rate 2e-4, beta1 0.5. */
export const CONTEXT_ENCODER_FIT = Object.freeze({ optimizer: Object.freeze({ type: 'adam' as const, beta1: 0.5 }), learningRate: 2e-4 });

function completeImages(images: tf.Tensor4D, predictions: tf.Tensor4D, masks: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(images, tf.sub(1, masks)), tf.mul(predictions, masks)) as tf.Tensor4D);
}

/**
 * Context Encoders (Pathak, Krähenbühl, Donahue, Darrell & Efros 2016, "Context Encoders: Feature Learning by
 * Inpainting"): the encoder reads an image with a hole, a decoder paints the whole image back from the code, and the
 * loss is 0.999 x the masked L2 reconstruction (the hole plus a 4-pixel overlap band weighted 10x) + 0.001 x an
 * adversarial loss from a discriminator that sees the completed image (the context with the filled region pasted in)
 * and the mask. The discriminator is its own module with its own Adam (2e-4, beta1 0.5), stepped in `afterStep` of the
 * same `fit` loop on the real images and the completions of that step; its weights and Adam slots are listed in
 * `variables` as non-trainable, so `fit`'s optimizer leaves them alone and checkpoints hold them.
 * Train the generator with `CONTEXT_ENCODER_FIT`. Metrics: `reconstruction`, `adversarial`, `discriminator`.
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
  const d = options.discriminator ?? {};
  assertOptions('options.discriminator', d);
  const dLearningRate = d.learningRate ?? 2e-4;
  const dBeta1 = d.beta1 ?? 0.5;
  assertPositive('options.discriminator.learningRate', dLearningRate);
  assertInRange('options.discriminator.beta1', dBeta1, 0, 0.999999);
  const sampleOptions = {
    ...(options.mask ?? {}),
    overlap: options.overlap ?? 4,
    overlapWeight: options.overlapWeight ?? 10,
    ...(options.fill !== undefined ? { fill: options.fill } : {}),
  };
  const decoder = imageDecoder({
    inputDim: encoder.outputDim,
    imageSize: size,
    outChannels: channels,
    seed,
    ...(options.decoderChannels !== undefined ? { channels: options.decoderChannels } : {}),
  });
  const dChannels = [...(d.channels ?? [32, 64, 128])];
  // No batch norm: the generator's step runs it on completions only, which would skew running statistics.
  const discriminator = convNet({
    inputShape: [size[0], size[1], channels + 1],
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
  const kept = new KeptTensors<'reconstruction' | 'adversarial' | 'discriminator' | 'completed' | 'masks'>();
  const samples = (images: tf.Tensor4D, rng: Rng) => inpaintingSamples(images, rng, sampleOptions);
  const checkImages = (images: tf.Tensor4D) => assertShape('images', images, [null, size[0], size[1], channels], { dtype: 'float32' });
  const judge = (images: tf.Tensor4D, masks: tf.Tensor4D, training: boolean) =>
    discriminator.apply(tf.concat([images, masks], 3) as tf.Tensor4D, { training });

  return {
    name: 'inpainting',
    encoder,
    decoder,
    discriminator,
    config: {
      imageSize: [size[0], size[1]],
      channels,
      decoderChannels: decoder.config.channels,
      mask: JSON.parse(JSON.stringify(options.mask ?? { kind: 'center' })),
      overlap: sampleOptions.overlap,
      overlapWeight: sampleOptions.overlapWeight,
      reconstructionWeight,
      adversarialWeight,
      discriminator: { channels: dChannels, learningRate: dLearningRate, beta1: dBeta1 },
      seed,
    },
    variables,
    samples,
    inpaint(images: tf.Tensor4D, masks: MaskBatch): Inpainted {
      checkImages(images);
      assertShape('masks', masks, [images.shape[0], size[0], size[1], 1], { dtype: 'float32' });
      return tf.tidy(() => {
        const inputs = maskedInputs(images, masks, sampleOptions.fill);
        const predictions = decoder.apply(encoder.apply(inputs));
        return { inputs, predictions, completed: completeImages(images, predictions, masks) };
      });
    },
    loss(batch: Batch, context: StepContext): tf.Scalar {
      checkImages(batch.images);
      const s = samples(batch.images, context.rng);
      try {
        return tf.tidy(() => {
          const predictions = decoder.apply(encoder.apply(s.inputs, { training: true }), { training: true });
          const reconstruction = weightedL2Loss(predictions, batch.images, s.weights);
          const completed = completeImages(batch.images, predictions, s.masks);
          kept.set('reconstruction', reconstruction);
          let total: tf.Scalar = tf.mul(reconstruction, reconstructionWeight);
          if (adversarialWeight > 0) {
            const adversarial = generatorAdversarialLoss(judge(completed, s.masks, true));
            kept.set('adversarial', adversarial);
            total = tf.add(total, tf.mul(adversarial, adversarialWeight));
            // The discriminator's step (afterStep) trains on these completions, as values.
            kept.set('completed', completed);
            kept.set('masks', s.masks);
          }
          return total;
        });
      } finally {
        tf.dispose([s.masks, s.inputs, s.weights]);
      }
    },
    afterStep(batch: Batch): void {
      const completed = kept.get('completed') as tf.Tensor4D | undefined;
      const masks = kept.get('masks') as tf.Tensor4D | undefined;
      if (completed === undefined || masks === undefined) return;
      const { value, grads } = tf.variableGrads(
        () => discriminatorLoss(judge(batch.images, masks, true), judge(completed, masks, true)),
        dTrainable,
      );
      const list = dTrainable.map((v) => grads[v.name] ?? tf.zerosLike(v));
      dOptimizer.applyGradients(list, dLearningRate);
      tf.dispose(list);
      tf.dispose(grads);
      kept.set('discriminator', value);
      value.dispose();
      kept.delete('completed');
      kept.delete('masks');
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
