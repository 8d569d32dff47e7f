import * as tf from '@tensorflow/tfjs-core';
import {
  type ApplyOptions,
  type Batch,
  type StepContext,
  type Encoder,
  type SSLMethod,
  type StepMetrics,
  assertInteger,
  assertOptions,
  assertPositive,
  assertRank,
  invalidArgument,
  KeptTensors,
  disposeAll,
  methodVariables,
  namedVariable,
} from '@selfsup/tensors';
import { type CpcFrontEnd, cpcImage } from '../cpc/front-ends.js';
import { type Gru, gru } from '../cpc/gru.js';
import { infoNCEOverTargets } from '../losses/info-nce-over-targets.js';
import { type SeedOptions, methodRng } from './parts.js';

export interface CpcOptions extends SeedOptions {
  /** Embeds one piece (a patch, or a window of steps): its inputShape must accept the front end's piece shape. */
  readonly encoder: Encoder;
  /** How samples are cut into pieces. Default `cpcImage({ patchSize: 8, stride: 4 })` (a 6 x 6 grid on 28 x 28). */
  readonly frontEnd?: CpcFrontEnd;
  /** [H, W, C] of the samples (to size the grid). */
  readonly inputShape: readonly [number, number, number];
  /** Width of the GRU context. Default 64. */
  readonly contextDim?: number;
  /** K: predict 1..K rows (steps) ahead, one linear map W_k each. Default 3 (at most rows - 1). */
  readonly predictionSteps?: number;
  /** Scales the bilinear scores z^T W_k c. Default 1 (the paper's unscaled log-bilinear model). */
  readonly temperature?: number;
}

/** The CPC method, with its parts exposed. */
export interface CpcMethod extends SSLMethod {
  /** The whole-sample representation probes evaluate: the mean of the piece embeddings. */
  readonly encoder: Encoder;
  /** The piece encoder g_enc. */
  readonly pieceEncoder: Encoder;
  /** The autoregressive context network g_ar. */
  readonly context: Gru;
  readonly frontEnd: CpcFrontEnd;
}

/** z [N, rows, cols, D]: every piece of a batch of whole samples, embedded. */
function embedGrid(
  pieceEncoder: Encoder,
  frontEnd: CpcFrontEnd,
  grid: { readonly rows: number; readonly cols: number },
  images: tf.Tensor4D,
  applyOptions?: ApplyOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const pieces = frontEnd.split(images);
    return tf.reshape(pieceEncoder.apply(pieces, applyOptions), [images.shape[0], grid.rows, grid.cols, pieceEncoder.outputDim]) as tf.Tensor4D;
  });
}

/**
 * The whole-sample encoder CPC hands to the probes (architecture 'cpcPieceMean'): the mean of the piece embeddings of
 * samples of `inputShape`. It owns no variables of its own: `variables` are the piece encoder's. Its config records the
 * piece encoder, the front end and the sample shape, so that `cpcPieceMeanArchitecture` rebuilds it.
 */
export function cpcPieceMeanEncoder(pieceEncoder: Encoder, frontEnd: CpcFrontEnd, inputShape: readonly [number, number, number]): Encoder {
  const { rows, cols } = frontEnd.grid(inputShape);
  const d = pieceEncoder.outputDim;
  return {
    architecture: 'cpcPieceMean',
    config: { pieceEncoder: pieceEncoder.architecture, pieceConfig: pieceEncoder.config, frontEnd: { ...frontEnd.config }, inputShape: [...inputShape] },
    inputShape: [...inputShape],
    outputDim: d,
    variables: pieceEncoder.variables,
    apply(inputs, applyOptions) {
      assertRank('inputs', inputs, 4);
      return tf.tidy(() => tf.mean(tf.reshape(embedGrid(pieceEncoder, frontEnd, { rows, cols }, inputs as tf.Tensor4D, applyOptions), [inputs.shape[0], rows * cols, d]), 1) as tf.Tensor2D);
    },
    dispose: () => pieceEncoder.dispose(),
  };
}

/**
 * Contrastive Predictive Coding (van den Oord, Li & Vinyals 2018, "Representation Learning with Contrastive Predictive
 * Coding"): an encoder embeds every piece of a sample (z), a GRU summarises the pieces so far (c_t), and for each step
 * k a linear map W_k predicts z_{t+k} from c_t. InfoNCE scores each prediction against every target of the same offset
 * in the batch (other positions and other samples are the negatives), f_k = exp(z^T W_k c_t).
 * With images, the GRU runs down each column of the patch grid: context from the rows above predicts the rows below.
 * Loss = mean over k of the InfoNCE of offset k.
 */
export function cpc(options: CpcOptions): CpcMethod {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with encoder and inputShape', options);
  const { encoder: pieceEncoder } = options;
  if (typeof pieceEncoder?.apply !== 'function' || !Array.isArray(pieceEncoder.variables)) {
    invalidArgument('options.encoder', 'an Encoder', pieceEncoder);
  }
  const { rng, config: seedConfig } = methodRng(options);
  const inputShape = options.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    invalidArgument('options.inputShape', 'an [H, W, C] array of positive integers', inputShape);
  }
  const frontEnd = options.frontEnd ?? cpcImage({ patchSize: 8, stride: 4 });
  if (typeof frontEnd?.split !== 'function') invalidArgument('options.frontEnd', 'cpcSequence(...) or cpcImage(...)', frontEnd);
  const { rows, cols, pieceShape } = frontEnd.grid(inputShape);
  if (rows < 2) invalidArgument('options.frontEnd', 'a grid with at least 2 rows (steps) to predict along', `${rows} row(s)`);
  pieceEncoder.inputShape.forEach((d, i) => {
    if (d !== -1 && d !== pieceShape[i]) {
      invalidArgument('options.encoder', `an encoder whose inputShape accepts pieces of [${pieceShape.join(', ')}]`, `[${pieceEncoder.inputShape.join(', ')}]`);
    }
  });
  const contextDim = options.contextDim ?? 64;
  assertInteger('options.contextDim', contextDim, 1);
  const steps = options.predictionSteps ?? Math.min(3, rows - 1);
  assertInteger('options.predictionSteps', steps, 1, rows - 1);
  const temperature = options.temperature ?? 1;
  assertPositive('options.temperature', temperature);
  const d = pieceEncoder.outputDim;

  const context = gru({ inputDim: d, hiddenDim: contextDim, rng, name: 'context' });
  const limit = Math.sqrt(6 / (contextDim + d));
  const predictors = Array.from({ length: steps }, (_, k) =>
    namedVariable(`predictor/W${k + 1}`, tf.tensor2d(rng.uniformArray(contextDim * d, -limit, limit), [contextDim, d])),
  );

  const embedPieces = (images: tf.Tensor4D, applyOptions?: ApplyOptions) => embedGrid(pieceEncoder, frontEnd, { rows, cols }, images, applyOptions);
  const encoder = cpcPieceMeanEncoder(pieceEncoder, frontEnd, inputShape);

  const variables = methodVariables([{ prefix: 'encoder', module: pieceEncoder }, { module: context }, { module: { variables: predictors } }]);
  const metrics = new KeptTensors();

  return {
    name: 'cpc',
    encoder,
    pieceEncoder,
    context,
    frontEnd,
    config: { method: 'cpc', frontEnd: frontEnd.config, contextDim, predictionSteps: steps, temperature, grid: [rows, cols], ...seedConfig },
    variables,
    loss(batch: Batch, step?: StepContext) {
      assertRank('batch.images', batch.images, 4);
      const group = step?.processGroup;
      const n = batch.images.shape[0];
      return tf.tidy(() => {
        const z = embedPieces(batch.images, { training: true }); // [N, R, Q, D]
        // One sequence per (sample, column), running down the rows.
        const columns = tf.reshape(tf.transpose(z, [0, 2, 1, 3]), [n * cols, rows, d]) as tf.Tensor3D;
        const c = context.run(columns); // [N*Q, R, H]
        const perStep = predictors.map((w, index) => {
          const k = index + 1;
          const m = n * cols * (rows - k);
          const contexts = tf.reshape(tf.slice(c, [0, 0, 0], [n * cols, rows - k, contextDim]), [m, contextDim]);
          const targets = tf.reshape(tf.slice(columns, [0, k, 0], [n * cols, rows - k, d]), [m, d]) as tf.Tensor2D;
          const predictions = tf.matMul(contexts, w.variable as tf.Tensor2D) as tf.Tensor2D;
          // Data parallel: every rank's targets are candidates (global negatives).
          return infoNCEOverTargets(predictions, targets, { temperature, ...(group !== undefined ? { processGroup: group } : {}) });
        });
        perStep.forEach((s, i) => metrics.set(`infoNCE_k${i + 1}`, s));
        return tf.div(tf.addN(perStep), steps) as tf.Scalar;
      });
    },
    metrics: (): StepMetrics => metrics.read(),
    dispose() {
      disposeAll(metrics, pieceEncoder, context, predictors);
    },
  };
}
