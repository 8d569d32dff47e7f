import * as tf from '@tensorflow/tfjs-core';
import {
  assertPositiveInteger,
  createRng,
  disposeAll,
  type Encoder,
  methodVariables,
  namedVariable,
  type NamedVariable,
  type SSLMethod,
} from '@selfsup/tensors';
import { spectralContrastiveLoss } from './spectral-contrastive-loss.js';
import { cropFlipNoise, type ViewPair } from './views.js';

export interface SpectralContrastiveOptions {
  /** Any Encoder: one of @selfsup/encoders, or your own. The method trains it; probes evaluate it. */
  readonly encoder: Encoder;
  /** Makes the two views of each image. Default {@link cropFlipNoise}. */
  readonly views?: ViewPair;
  /** Width of the projection head's hidden layer. Default 128. */
  readonly hiddenDim?: number;
  /** Size of the projection the loss sees. Default 64. */
  readonly projectionDim?: number;
  /** Seeds the head's initial weights. Default 0. */
  readonly seed?: number;
}

export interface SpectralContrastiveMethod extends SSLMethod {
  /** The projection head (an MLP on the encoder's output), its variables included in the method's. */
  project(embeddings: tf.Tensor2D): tf.Tensor2D;
}

/** A two-layer projection head made of plain named variables (He-initialised). */
function projectionHead(inputDim: number, hiddenDim: number, outputDim: number, seed: number) {
  const rng = createRng(seed);
  const dense = (name: string, fanIn: number, fanOut: number): NamedVariable[] => [
    namedVariable(`${name}/kernel`, tf.tensor2d(rng.normalArray(fanIn * fanOut, 0, Math.sqrt(2 / fanIn)), [fanIn, fanOut])),
    namedVariable(`${name}/bias`, tf.zeros([fanOut])),
  ];
  const variables = [...dense('hidden', inputDim, hiddenDim), ...dense('output', hiddenDim, outputDim)];
  const [w1, b1, w2, b2] = variables.map((v) => v.variable) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const apply = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2) as tf.Tensor2D);
  return { variables, apply };
}

/**
 * Spectral contrastive learning as an `SSLMethod`: two views of each image, encoder, projection head, and
 * {@link spectralContrastiveLoss}. Nothing here comes from @selfsup/contrastive: `fit` trains it because it
 * implements the contract, and every probe of @selfsup/eval evaluates its `encoder`.
 */
export function spectralContrastive(options: SpectralContrastiveOptions): SpectralContrastiveMethod {
  const { encoder } = options;
  const hiddenDim = options.hiddenDim ?? 128;
  const projectionDim = options.projectionDim ?? 64;
  assertPositiveInteger('options.hiddenDim', hiddenDim);
  assertPositiveInteger('options.projectionDim', projectionDim);
  const views = options.views ?? cropFlipNoise();
  const head = projectionHead(encoder.outputDim, hiddenDim, projectionDim, options.seed ?? 0);
  const project = (embeddings: tf.Tensor2D) => head.apply(embeddings);
  // The toolkit of @selfsup/tensors names each part's variables under a prefix (checkpoints key on the names).
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'head', module: head },
  ]);
  return {
    name: 'spectral',
    encoder,
    config: { hiddenDim, projectionDim, encoder: encoder.architecture },
    variables,
    project,
    loss: ({ images }, { rng }) =>
      tf.tidy(() => {
        const [a, b] = views(images, rng);
        const z = (x: tf.Tensor4D) => project(encoder.apply(x, { training: true }));
        return spectralContrastiveLoss(z(a), z(b));
      }),
    dispose: () => disposeAll(encoder, head.variables),
  };
}
