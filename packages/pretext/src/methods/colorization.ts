import * as tf from '@tensorflow/tfjs-core';
import { type AbBins, abBins, annealedMean, labToRgb } from '@selfsup/augment';
import type { Batch, SSLMethod, StepContext, StepMetrics } from '@selfsup/tensors';
import { assertInRange, assertInteger, assertNonNegative, assertOneOf, assertOptions, assertPositive, invalidArgument, namedVariable, KeptTensors, disposeAll, methodVariables } from '@selfsup/tensors';
import { classRebalancing } from '../color/ab-prior.js';
import { type ColorizationTargets, abBinCounts, abRegressionTargets, colorizationTargets } from '../color/colorization-targets.js';
import { AB_SCALE, assertColorImages, normalizeLightness, splitLab } from '../color/lab-channels.js';
import { rebalancedCrossEntropy } from '../losses/rebalanced-cross-entropy.js';
import { type DenseHead, denseHead } from '../nets/dense-head.js';
import type { LabConvNet } from '../nets/lab-conv-net.js';

export interface ColorizationOptions {
  /** A `labConvNet({ input: 'lightness' })`: its trunk reads L*, its pooled features are the representation. */
  readonly encoder: LabConvNet;
  /** 'classification' over the ab bins (Zhang et al., default) or 'regression' (L2 on ab / 110). */
  readonly objective?: 'classification' | 'regression';
  /** ab bin centres. Default `abBins()` (262 bins of the sRGB gamut, step 10). */
  readonly bins?: AbBins;
  /** Soft-encoding width (ab units) and neighbours. Defaults 5 and 5. */
  readonly softEncoding?: { readonly sigma?: number; readonly neighbours?: number };
  /**
   * Class rebalancing: lambda (mix with uniform, default 0.5) and sigma (prior smoothing, default 5), or false for none.
   * Default on.
   */
  readonly rebalancing?: false | { readonly lambda?: number; readonly sigma?: number };
  /**
   * The color prior [Q] the weights come from (e.g. `estimateAbPrior(dataset)`). Default: counted on the fly from the
   * training batches seen so far (a non-trainable variable, so checkpoints keep it).
   */
  readonly prior?: ArrayLike<number>;
  /** Images whose chroma stays below this everywhere are left out of the loss. Default 5. */
  readonly chromaThreshold?: number;
  /** Annealed-mean temperature of the decoding. Default 0.38. */
  readonly temperature?: number;
  /** Channels of the head's hidden 3x3 conv (0: none). Default: the trunk's output channels. */
  readonly headChannels?: number;
  readonly seed?: number;
}

export interface Colorization extends SSLMethod {
  readonly encoder: LabConvNet;
  readonly head: DenseHead;
  readonly bins: AbBins;
  /** The input and targets of a batch at the trunk's resolution (soft ab encoding, grey-image mask). */
  samples(images: tf.Tensor4D): ColorizationTargets;
  /** The color prior the current class weights come from, smoothed ([Q], sums to 1; uniform before any data). */
  smoothedPrior(): Float32Array;
  /** The current class-rebalancing weights [Q] (all 1 without rebalancing). */
  classWeights(): Float32Array;
  /** Predicted ab [N, H, W, 2] for images (RGB or grey; only their lightness is read), at the input size. */
  predictAb(images: tf.Tensor4D, options?: { readonly temperature?: number }): tf.Tensor4D;
  /** Colorized sRGB images [N, H, W, 3]: the input's L* with the predicted ab. */
  colorize(images: tf.Tensor4D, options?: { readonly temperature?: number }): tf.Tensor4D;
}

/**
 * Colorization as a pretext task (Zhang, Isola & Efros 2016, "Colorful Image Colorization"): from the L* channel,
 * predict a distribution over the quantised ab bins at every position of the trunk's (1/4-resolution) feature map.
 * Targets are soft-encoded (5 nearest bins, sigma 5), positions are weighted by the class-rebalancing weight of their
 * dominant bin (lambda 0.5, prior smoothed with sigma 5, weights averaging 1 under the prior), images that are grey
 * everywhere are left out, and decoding takes the annealed mean (T = 0.38), bilinearly upsampled to the input size.
 * The 'regression' objective replaces all that by an L2 loss on ab. Metrics: `includedImages` (fraction of the batch
 * in the loss).
 */
export function colorization(options: ColorizationOptions): Colorization {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with an encoder', options);
  const { encoder } = options;
  const trunk = encoder?.lightnessTrunk;
  if (typeof encoder !== 'object' || encoder === null || trunk === undefined || encoder.abTrunk !== undefined) {
    invalidArgument('options.encoder', "a labConvNet({ input: 'lightness' })", encoder);
  }
  const objective = options.objective ?? 'classification';
  assertOneOf('options.objective', objective, ['classification', 'regression'] as const);
  const bins = options.bins ?? abBins();
  const soft = options.softEncoding ?? {};
  const sigma = soft.sigma ?? 5;
  const neighbours = soft.neighbours ?? 5;
  assertPositive('options.softEncoding.sigma', sigma);
  assertInteger('options.softEncoding.neighbours', neighbours, 1, bins.length);
  const rebalancing = options.rebalancing ?? {};
  if (rebalancing !== false) assertOptions('options.rebalancing', rebalancing);
  const lambda = rebalancing === false ? 1 : (rebalancing.lambda ?? 0.5);
  const priorSigma = rebalancing === false ? 0 : (rebalancing.sigma ?? 5);
  assertInRange('options.rebalancing.lambda', lambda, 0, 1);
  assertNonNegative('options.rebalancing.sigma', priorSigma);
  const threshold = options.chromaThreshold ?? 5;
  assertNonNegative('options.chromaThreshold', threshold);
  const temperature = options.temperature ?? 0.38;
  assertPositive('options.temperature', temperature);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const q = bins.length;
  const head = denseHead(
    {
      inChannels: trunk.outChannels,
      outChannels: objective === 'classification' ? q : 2,
      seed,
      ...(options.headChannels !== undefined ? { hiddenChannels: options.headChannels } : {}),
    },
    'head',
  );
  const fixedPrior = options.prior !== undefined ? Float32Array.from(options.prior) : undefined;
  if (fixedPrior !== undefined && fixedPrior.length !== q) invalidArgument('options.prior', `${q} numbers (one per bin)`, options.prior);
  const counts = namedVariable('prior/counts', tf.zeros([q]), false);
  const variables = methodVariables([
    { prefix: 'encoder', module: encoder },
    { prefix: 'head', module: head },
    { prefix: 'colorization', module: { variables: [counts] } },
  ]);
  const kept = new KeptTensors<'batchCounts' | 'included'>();
  const uniform = new Float32Array(q).fill(1 / q);
  let current: { prior: Float32Array; weights: Float32Array } = { prior: uniform, weights: new Float32Array(q).fill(1) };

  /** Class weights for `prior` counts (uniform when empty or when rebalancing is off). */
  const rebalance = (prior: ArrayLike<number>): { prior: Float32Array; weights: Float32Array } => {
    let total = 0;
    for (let i = 0; i < prior.length; i++) total += prior[i]!;
    if (rebalancing === false || !(total > 0)) return { prior: uniform, weights: new Float32Array(q).fill(1) };
    const { smoothedPrior, weights } = classRebalancing(prior, { lambda, sigma: priorSigma, bins });
    const w = weights.dataSync().slice();
    weights.dispose();
    return { prior: smoothedPrior, weights: Float32Array.from(w) };
  };
  if (fixedPrior !== undefined) current = rebalance(fixedPrior);

  const samples = (images: tf.Tensor4D): ColorizationTargets => {
    assertColorImages('images', images);
    const [, h, w] = images.shape;
    return colorizationTargets(images, { outputSize: trunk.outputSize(h, w), bins, sigma, neighbours, chromaThreshold: threshold });
  };

  const logitsFor = (lightnessInput: tf.Tensor4D, training: boolean) => head.apply(trunk.apply(lightnessInput, { training }), { training });

  const predictAb = (images: tf.Tensor4D, predictOptions: { readonly temperature?: number } = {}): tf.Tensor4D => {
    assertColorImages('images', images);
    const t = predictOptions.temperature ?? temperature;
    assertPositive('options.temperature', t);
    return tf.tidy(() => {
      const { lightness } = splitLab(images);
      const out = logitsFor(normalizeLightness(lightness) as tf.Tensor4D, false);
      const ab =
        objective === 'classification' ? (annealedMean(tf.softmax(out), { temperature: t, bins }) as tf.Tensor4D) : tf.mul(out, AB_SCALE);
      return tf.image.resizeBilinear(ab as tf.Tensor4D, [images.shape[1], images.shape[2]], false, true);
    });
  };

  return {
    name: 'colorization',
    encoder,
    head,
    bins,
    config: {
      objective,
      bins: q,
      softEncoding: { sigma, neighbours },
      rebalancing: rebalancing === false ? false : { lambda, sigma: priorSigma },
      prior: fixedPrior !== undefined ? 'fixed' : 'running',
      chromaThreshold: threshold,
      temperature,
      seed,
    },
    variables,
    smoothedPrior: () => current.prior.slice(),
    classWeights: () => current.weights.slice(),
    predictAb,
    colorize(images: tf.Tensor4D, colorOptions: { readonly temperature?: number } = {}): tf.Tensor4D {
      return tf.tidy(() => {
        const ab = predictAb(images, colorOptions);
        const { lightness } = splitLab(images);
        return labToRgb(tf.concat([lightness, ab], 3) as tf.Tensor4D);
      });
    },
    samples,
    loss(batch: Batch, _context: StepContext): tf.Scalar {
      const targets = samples(batch.images);
      try {
        if (objective === 'classification' && fixedPrior === undefined && rebalancing !== false) {
          // The running prior: everything counted so far plus this batch (so the first step has one too).
          const batchCounts = abBinCounts(targets.ab, { bins, sampleMask: targets.sampleMask });
          kept.set('batchCounts', batchCounts);
          const sum = tf.tidy(() => tf.add(counts.variable, batchCounts));
          batchCounts.dispose(); // kept holds its own copy
          current = rebalance(sum.dataSync());
          sum.dispose();
        }
        return tf.tidy(() => {
          kept.set('included', tf.mean(targets.sampleMask));
          const out = logitsFor(targets.input, true);
          if (objective === 'regression') {
            const err = tf.sum(tf.square(tf.sub(out, abRegressionTargets(targets.ab))), [1, 2, 3]);
            const positions = out.shape[1] * out.shape[2] * 2;
            return tf.div(tf.sum(tf.mul(err, targets.sampleMask)), tf.maximum(tf.mul(tf.sum(targets.sampleMask), positions), 1)) as tf.Scalar;
          }
          return rebalancedCrossEntropy(out, targets.soft, {
            classWeights: tf.tensor1d(current.weights),
            sampleMask: targets.sampleMask,
          });
        });
      } finally {
        tf.dispose([targets.input, targets.ab, targets.soft, targets.sampleMask]);
      }
    },
    afterStep(): void {
      const batchCounts = kept.get('batchCounts');
      if (batchCounts === undefined) return;
      tf.tidy(() => counts.variable.assign(tf.add(counts.variable, batchCounts)));
      kept.delete('batchCounts');
    },
    metrics(): StepMetrics {
      return { includedImages: kept.scalar('included') };
    },
    dispose() {
      disposeAll(kept, variables);
    },
  };
}
