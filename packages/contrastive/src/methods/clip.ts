import { type Head, assertHead, projectionHead } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import { type ApplyOptions, type Batch, EMBEDDING_LAYER, type Encoder, type JsonObject, type Rng, type SSLMethod, assertOptions, assertRank, invalidArgument, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { type ClipLogitScale, type ClipLogitScaleOptions, clipLogitScale } from '../losses/clip-logit-scale.js';
import { clipLoss } from '../losses/clip-loss.js';
import type { CaptionSource } from '../text/captions.js';
import type { TextEncoder } from '../text/text-encoder.js';
import { type ZeroShotClassifier, zeroShotClassifier } from '../text/zero-shot.js';
import { type ViewFn, assertEncoder, methodRng, type SeedOptions } from './parts.js';

export interface ClipOptions extends SeedOptions {
  /** The image encoder (what probes evaluate). */
  readonly imageEncoder: Encoder;
  /** The second modality's encoder: a {@link TextEncoder} with `captions`, or any Encoder with `pairedInputs`. */
  readonly textEncoder: Encoder;
  /** Captions for each batch (e.g. `classNameCaptions(...)`); needs `textEncoder` to be a TextEncoder. */
  readonly captions?: CaptionSource;
  /** Inputs of the second encoder for a batch, for any modality (overrides `captions`). The method disposes them. */
  readonly pairedInputs?: (batch: Batch, rng: Rng) => tf.Tensor;
  /** Maps image features into the joint space. Default: a linear map to textEncoder.outputDim (CLIP's W_i). */
  readonly imageProjection?: Head;
  /** Image augmentation (CLIP used only a random square crop). Default none. */
  readonly views?: ViewFn;
  /** The learnable logit scale (default: from 1/0.07, clamped at 100), or a fixed number. */
  readonly logitScale?: ClipLogitScaleOptions | number;
}

export interface ClipMethod extends SSLMethod {
  /** The image encoder followed by its projection: images into the joint space. */
  readonly imageTower: Encoder;
  readonly textEncoder: Encoder;
  readonly imageProjection: Head;
  /** The learnable scale, when not fixed. */
  readonly logitScale: ClipLogitScale | undefined;
  /** A zero-shot classifier from per-class prompts (needs a TextEncoder). The caller disposes it. */
  zeroShot(classPrompts: readonly (readonly string[])[]): ZeroShotClassifier;
}

/** The layer of a CLIP image tower that is its image encoder's output, before the projection into the joint space. */
export const TOWER_FEATURES = 'features';

/**
 * CLIP's image tower as one encoder (architecture 'clipImageTower'): the image encoder followed by its projection into
 * the joint space. Its variables are the two parts', scoped `encoder/` and `projection/`. The config records both parts
 * (the projection when it reports an architecture and config, as `projectionHead` does), so that
 * `clipImageTowerArchitecture` rebuilds it. Its layers (for probes) are the image encoder's, then `features` (the image
 * encoder's output) and `embedding` (the projection's).
 */
export function clipImageTowerEncoder(imageEncoder: Encoder, imageProjection: Head): Encoder {
  const projection = imageProjection as Head & Partial<Pick<Encoder, 'architecture' | 'config'>>;
  // Probes may read the image encoder's layers, its output before the projection ('features') and the joint embedding.
  const inner = imageEncoder.layers ?? [EMBEDDING_LAYER];
  const layers = [...inner.filter((l) => l !== EMBEDDING_LAYER), TOWER_FEATURES, EMBEDDING_LAYER];
  const applyLayers = (inputs: tf.Tensor, names: readonly string[], applyOptions?: ApplyOptions): Record<string, tf.Tensor> => {
    if (!Array.isArray(names) || names.some((n) => !layers.includes(n))) invalidArgument('names', `layers of clipImageTower: ${layers.join(', ')}`, names);
    return tf.tidy(() => {
      const wanted = [...new Set(names.map((n) => (n === TOWER_FEATURES ? EMBEDDING_LAYER : n)))];
      const got: Record<string, tf.Tensor> =
        imageEncoder.applyLayers !== undefined ? imageEncoder.applyLayers(inputs, wanted, applyOptions) : { [EMBEDDING_LAYER]: imageEncoder.apply(inputs, applyOptions) };
      const features = got[EMBEDDING_LAYER] as tf.Tensor2D;
      return Object.fromEntries(
        names.map((n) => [n, n === EMBEDDING_LAYER ? imageProjection.apply(features, applyOptions) : n === TOWER_FEATURES ? tf.clone(features) : (got[n] as tf.Tensor)]),
      );
    });
  };
  const described = typeof projection.architecture === 'string' && typeof projection.config === 'object' && projection.config !== null;
  return {
    architecture: 'clipImageTower',
    config: {
      encoder: imageEncoder.architecture,
      encoderConfig: imageEncoder.config,
      outputDim: imageProjection.outputDim,
      ...(described ? { projection: { architecture: projection.architecture as string, config: projection.config as JsonObject } } : {}),
    },
    inputShape: imageEncoder.inputShape,
    outputDim: imageProjection.outputDim,
    variables: [...methodVariables([{ prefix: 'encoder', module: imageEncoder }, { prefix: 'projection', module: imageProjection }])],
    apply: (inputs, applyOptions) => tf.tidy(() => imageProjection.apply(imageEncoder.apply(inputs, applyOptions), applyOptions)),
    ...(inner.includes(TOWER_FEATURES) ? {} : { layers, applyLayers }),
    dispose: () => disposeAll(imageEncoder, imageProjection),
  };
}

/**
 * CLIP (Radford et al. 2021, "Learning Transferable Visual Models From Natural Language Supervision"): an image tower
 * and a text tower trained so that matching image-caption pairs have the highest cosine similarity in the batch, with
 * the symmetric cross-entropy of {@link clipLoss} and a learnable logit scale (clamped to 100 after every step).
 */
export function clip(options: ClipOptions): ClipMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with imageEncoder, textEncoder and captions', options);
  const { imageEncoder, textEncoder, captions, pairedInputs, views } = options;
  assertEncoder('options.imageEncoder', imageEncoder);
  assertEncoder('options.textEncoder', textEncoder);
  const text = textEncoder as Partial<TextEncoder>;
  if (pairedInputs === undefined) {
    if (typeof captions?.captions !== 'function') invalidArgument('options.captions', 'a CaptionSource (or give options.pairedInputs)', captions);
    if (typeof text.tokenize !== 'function') {
      invalidArgument('options.textEncoder', 'a TextEncoder from textEncoder() (or give options.pairedInputs)', textEncoder);
    }
  } else if (typeof pairedInputs !== 'function') {
    invalidArgument('options.pairedInputs', 'a function (batch, rng) => tensor', pairedInputs);
  }
  if (views !== undefined && typeof views !== 'function') invalidArgument('options.views', 'a view function (images, rng) => images', views);
  const { rng, config: seedConfig } = methodRng(options);
  const imageProjection =
    options.imageProjection ?? projectionHead([{ inputDim: imageEncoder.outputDim, outputDim: textEncoder.outputDim }], { preset: 'clipImageProjection', rng });
  assertHead('options.imageProjection', imageProjection, imageEncoder.outputDim);
  if (imageProjection.outputDim !== textEncoder.outputDim) {
    invalidArgument('options.imageProjection', `a head with outputDim ${textEncoder.outputDim} (the text encoder's)`, imageProjection.outputDim);
  }
  const fixedScale = typeof options.logitScale === 'number' ? options.logitScale : undefined;
  if (fixedScale !== undefined && !(fixedScale > 0 && Number.isFinite(fixedScale))) {
    invalidArgument('options.logitScale', 'a finite number > 0 or learnable-scale options', fixedScale);
  }
  const logitScale = fixedScale === undefined ? clipLogitScale((options.logitScale as ClipLogitScaleOptions | undefined) ?? {}) : undefined;

  const imageTower = clipImageTowerEncoder(imageEncoder, imageProjection);
  const secondInputs = (batch: Batch, r: Rng): tf.Tensor =>
    pairedInputs !== undefined
      ? pairedInputs(batch, r)
      : (textEncoder as TextEncoder).tokenize((captions as CaptionSource).captions(batch, r));

  const variables = methodVariables([
    { prefix: 'image/encoder', module: imageEncoder },
    { prefix: 'image/projection', module: imageProjection },
    { prefix: 'text', module: textEncoder },
    ...(logitScale !== undefined ? [{ prefix: 'clip', module: { variables: [logitScale.variable] } }] : []),
  ]);
  const metrics = new KeptTensors();
  return {
    name: 'clip',
    encoder: imageEncoder,
    imageTower,
    textEncoder,
    imageProjection,
    logitScale,
    // Saved beside the image encoder: the text tower (its tokenizer in its config), or whatever encodes the pairs.
    companions: { [typeof text.embedTexts === 'function' ? 'text' : 'paired']: textEncoder },
    config: { method: 'clip', jointDim: textEncoder.outputDim, learnableScale: logitScale !== undefined, ...(fixedScale !== undefined ? { logitScale: fixedScale } : {}), ...seedConfig },
    variables,
    loss(batch, context) {
      assertRank('batch.images', batch.images, 4);
      const paired = secondInputs(batch, context.rng);
      try {
        return tf.tidy(() => {
          const images = views !== undefined ? views(batch.images, context.rng) : batch.images;
          const a = imageTower.apply(images, { training: true });
          const b = textEncoder.apply(paired, { training: true });
          if (b.shape[0] !== a.shape[0]) invalidArgument('pairedInputs', `one item per image (${a.shape[0]})`, b);
          const scale = logitScale !== undefined ? logitScale.value() : (fixedScale as number);
          const loss = clipLoss(a, b, { logitScale: scale, ...(context.processGroup !== undefined ? { processGroup: context.processGroup } : {}) });
          const hits = tf.equal(tf.argMax(tf.matMul(a, b, false, true), 1), tf.range(0, a.shape[0], 1, 'int32'));
          metrics.record({ logitScale: scale, imageToTextTop1: tf.mean(tf.cast(hits, 'float32')) as tf.Scalar });
          return loss;
        });
      } finally {
        paired.dispose();
      }
    },
    metrics: () => metrics.read(),
    afterStep() {
      logitScale?.clamp();
    },
    zeroShot(classPrompts) {
      if (text.embedTexts === undefined) invalidArgument('textEncoder', 'a TextEncoder for zero-shot prompts', textEncoder);
      return zeroShotClassifier({ imageEncoder: imageTower, textEncoder: textEncoder as TextEncoder, classPrompts });
    },
    dispose() {
      metrics.clear();
      disposeAll(imageEncoder, imageProjection, textEncoder);
      logitScale?.dispose();
    },
  };
}
