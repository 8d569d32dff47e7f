import { type Encoder, type JsonObject, type MethodPreset, assertMethodPreset, createRng, presetRecipe, resolveOptions, resolveTraining, trainingFitOptions } from '@selfsup/tensors';
import { buildEncoder, convNet, defaultArchitectureConfig, describeArchitectures, hasArchitecture } from '@selfsup/encoders';
import { maxAbsDiff, seededImages } from '@selfsup/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type LabConvNetOptions, labConvNet } from '../nets/lab-conv-net.js';
import { labConvNetArchitecture, registerPretextArchitectures } from '../nets/register.js';
import type { Colorization } from './colorization.js';
import type { Inpainting } from './inpainting.js';
import { colorizationPreset, inpaintingPreset, jigsawPreset, pretextPresets, relativeLocationPreset, rotNetPreset, splitBrainPreset } from './presets.js';
import type { SplitBrain } from './split-brain.js';

/** A small encoder of what each preset trains: its default architecture (a Lab net, on color images) or a convNet on grey ones. */
function smallEncoderFor(preset: MethodPreset): { encoder: Encoder; inputShape: [number, number, number] } {
  const lab = preset.defaultArchitecture;
  if (lab?.name === 'labConvNet') {
    return { encoder: labConvNet({ ...(lab.config as unknown as LabConvNetOptions), channels: [4, 8], strides: [1, 2], seed: 0 }), inputShape: [24, 24, 3] };
  }
  return { encoder: convNet({ inputShape: [24, 24, 1], channels: [4], seed: 0 }), inputShape: [24, 24, 1] };
}

describe('pretext presets', () => {
  it('lists every task that trains any image encoder once, each a valid preset', () => {
    expect(pretextPresets.map((p) => p.name)).toEqual(['rotnet', 'rotation-regression', 'relative-location', 'jigsaw', 'inpainting', 'colorization', 'split-brain']);
    for (const preset of pretextPresets) assertMethodPreset(preset.name, preset);
  });

  it("keeps the command line's defaults", () => {
    expect(inpaintingPreset.defaults).toMatchObject({ learningRate: 2e-3, optimizer: { type: 'adam', beta1: 0.5 } });
    expect(jigsawPreset.defaults.options['permutations']).toBe(100);
    for (const preset of pretextPresets.filter((p) => p !== inpaintingPreset)) {
      expect(preset.defaults).toMatchObject({ learningRate: 1e-3, optimizer: { type: 'adam' } });
    }
  });

  it('builds with option values from the schema', () => {
    const encoder = convNet({ inputShape: [12, 12, 1], channels: [4], seed: 0 });
    const method = jigsawPreset.build({ encoder, inputShape: [12, 12, 1], seed: 0, batchSize: 4, options: resolveOptions(jigsawPreset.options, { permutations: 10, tiles: 4 }) });
    expect(method.config['permutations']).toBe(10);
    method.dispose();
  });

  it('inpainting builds for 28x28 grey images: the centre region, the 1 px overlap, the discriminator at a tenth of the rate', () => {
    const build = (options: JsonObject) => {
      const encoder = convNet({ inputShape: [28, 28, 1], channels: [4], seed: 0 });
      return inpaintingPreset.build({ encoder, inputShape: [28, 28, 1], seed: 0, batchSize: 8, options: resolveOptions(inpaintingPreset.options, options) }) as Inpainting;
    };
    const method = build({});
    expect(method.region).toEqual({ top: 7, left: 7, height: 14, width: 14 });
    expect(method.config['overlap']).toBe(1);
    expect(method.discriminatorLearningRate(2e-3)).toBeCloseTo(2e-4, 12);
    const tuned = build({ discriminatorLearningRateScale: 0.5, overlap: 3 });
    expect(tuned.config).toMatchObject({ overlap: 3, discriminator: { learningRateScale: 0.5 } });
    expect(tuned.discriminatorLearningRate(2e-3)).toBeCloseTo(1e-3, 12);
    method.dispose();
    tuned.dispose();
  });

  it('exposes the shortcut guards with the references’ defaults and hands them to the methods', () => {
    const defaults = (preset: typeof jigsawPreset) => resolveOptions(preset.options, {});
    expect(defaults(relativeLocationPreset)).toMatchObject({ minGap: 3, minJitter: 1, colorDrop: true, downUpSample: true, downUpSampleProbability: 0.33, normalize: true });
    expect(defaults(jigsawPreset)).toMatchObject({ tileSlack: 11 / 75, minTileSlack: 2, normalize: true });
    const build = (preset: typeof jigsawPreset, values: JsonObject) =>
      preset.build({ encoder: convNet({ inputShape: [28, 28, 1], channels: [4], seed: 0 }), inputShape: [28, 28, 1], seed: 0, batchSize: 4, options: resolveOptions(preset.options, values) });
    const location = build(relativeLocationPreset, {});
    expect(location.config).toMatchObject({ minGap: 3, minJitter: 1, downUpSample: true, downUpSampleProbability: 0.33, normalize: true });
    location.dispose();
    const changed = build(relativeLocationPreset, { minGap: 5, minJitter: 2, downUpSampleProbability: 0.5, normalize: false });
    expect(changed.config).toMatchObject({ minGap: 5, minJitter: 2, downUpSampleProbability: 0.5, normalize: false });
    changed.dispose();
    const off = build(relativeLocationPreset, { downUpSample: false });
    expect(off.config['downUpSample']).toBe(false);
    expect(off.config['downUpSampleProbability']).toBeUndefined();
    off.dispose();
    const puzzles = build(jigsawPreset, { minTileSlack: 0, tileSlack: 0.3 });
    expect(puzzles.config).toMatchObject({ minTileSlack: 0, tileSlack: 0.3 });
    puzzles.dispose();
  });

  it('builds, for every preset, a method whose name is the preset name (the CLI name)', () => {
    for (const preset of pretextPresets) {
      const { encoder, inputShape } = smallEncoderFor(preset);
      const method = preset.build({ encoder, inputShape, seed: 0, batchSize: 8, options: resolveOptions(preset.options, {}) });
      expect(method.name).toBe(preset.name);
      method.dispose();
    }
  });

  it('declares the architecture of every encoder it trains that is not built in, and that declaration rebuilds it', () => {
    const builtIn = describeArchitectures()
      .filter((a) => a.builtIn)
      .map((a) => a.name);
    for (const preset of pretextPresets) {
      const { encoder, inputShape } = smallEncoderFor(preset);
      const images = seededImages(3, 2, 24, 24, inputShape[2]);
      const method = preset.build({ encoder, inputShape, seed: 0, batchSize: 8, options: resolveOptions(preset.options, {}) });
      const trained = method.encoder;
      const declared = preset.architectures?.find((a) => a.name === trained.architecture);
      if (declared === undefined) {
        // A built-in backbone reloads without help.
        expect(builtIn, `${preset.name} trains a "${trained.architecture}" encoder`).toContain(trained.architecture);
      } else {
        // Fresh weights from the same seeded config: the rebuilt encoder embeds as the trained one before training.
        const rebuilt = declared.factory(trained.config);
        expect(rebuilt.architecture).toBe(trained.architecture);
        expect(rebuilt.config).toEqual(trained.config);
        const [a, b] = [trained.apply(images), rebuilt.apply(images)];
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
        tf.dispose([a, b]);
        rebuilt.dispose();
      }
      method.dispose();
      images.dispose();
    }
    expect(jigsawPreset.architectures?.map((a) => a.name)).toEqual(['wholeImage']);
    expect(relativeLocationPreset.architectures?.map((a) => a.name)).toEqual(['wholeImage']);
    expect(colorizationPreset.architectures?.map((a) => a.name)).toEqual(['labConvNet']);
    expect(splitBrainPreset.architectures?.map((a) => a.name)).toEqual(['labConvNet']);
  });
});

describe('colorization and split-brain presets', () => {
  const colorImages = () => seededImages(5, 4, 16, 16, 3);

  it('train a labConvNet by default (split-brain: two halves of half the width), which the registry builds from a default config', () => {
    expect(colorizationPreset.defaultArchitecture).toEqual({ name: 'labConvNet', config: { input: 'lightness' } });
    expect(splitBrainPreset.defaultArchitecture).toEqual({ name: 'labConvNet', config: { input: 'split', channels: [16, 32, 64] } });
    registerPretextArchitectures();
    expect(hasArchitecture('labConvNet')).toBe(true);
    const config = defaultArchitectureConfig('labConvNet', [32, 32, 3], 4);
    expect(config).toEqual({ input: 'lightness', channels: [32, 64, 128], strides: [1, 2, 2], seed: 4 });
    expect(labConvNetArchitecture.defaultConfig?.([32, 32, 3], 4)).toEqual(config);
    const split = buildEncoder('labConvNet', { ...config, ...splitBrainPreset.defaultArchitecture?.config });
    expect(split.outputDim).toBe(128);
    split.dispose();
  });

  it.each([
    [colorizationPreset, 'lightness'],
    [splitBrainPreset, 'split'],
  ] as const)('%s refuses grey images and any encoder but its labConvNet, naming the flag', (preset, input) => {
    const options = resolveOptions(preset.options, {});
    const grey = labConvNet({ input, channels: [4], seed: 0 });
    expect(() => preset.build({ encoder: grey, inputShape: [28, 28, 1], seed: 0, batchSize: 4, options })).toThrow(
      new RegExp(`^--data: ${preset.name} needs color images \\(RGB, 3 channels\\), e\\.g\\. --data images:<dir> or --data color-shapes; got grey images of \\[28, 28, 1\\]$`),
    );
    grey.dispose();
    const conv = convNet({ inputShape: [16, 16, 3], channels: [4], seed: 0 });
    expect(() => preset.build({ encoder: conv, inputShape: [16, 16, 3], seed: 0, batchSize: 4, options })).toThrow(
      new RegExp(`--arch: ${preset.name} trains a labConvNet reading "${input}" \\(its default architecture\\); got --arch convNet`),
    );
    conv.dispose();
    const other = labConvNet({ input: input === 'split' ? 'lightness' : 'split', channels: [4], seed: 0 });
    expect(() => preset.build({ encoder: other, inputShape: [16, 16, 3], seed: 0, batchSize: 4, options })).toThrow(/set --arch-config '\{"input":"/);
    other.dispose();
  });

  it('hand every option to the method', () => {
    const lab = labConvNet({ input: 'lightness', channels: [4, 8], strides: [1, 2], seed: 0 });
    const options = resolveOptions(colorizationPreset.options, { objective: 'regression', rebalancing: false, softEncodingSigma: 3, softEncodingNeighbours: 2, chromaThreshold: 2, temperature: 0.5, headChannels: 0 });
    const method = colorizationPreset.build({ encoder: lab, inputShape: [16, 16, 3], seed: 2, batchSize: 4, options }) as Colorization;
    expect(method.config).toMatchObject({ objective: 'regression', rebalancing: false, softEncoding: { sigma: 3, neighbours: 2 }, chromaThreshold: 2, temperature: 0.5, seed: 3 });
    expect(method.head.variables.some((v) => v.name.includes('hidden'))).toBe(false);
    method.dispose();
    const rebalanced = colorizationPreset.build({
      encoder: labConvNet({ input: 'lightness', channels: [4], seed: 0 }),
      inputShape: [16, 16, 3],
      seed: 0,
      batchSize: 4,
      options: resolveOptions(colorizationPreset.options, { rebalancingLambda: 0.25, rebalancingSigma: 0 }),
    });
    expect(rebalanced.config['rebalancing']).toEqual({ lambda: 0.25, sigma: 0 });
    rebalanced.dispose();
    const split = splitBrainPreset.build({
      encoder: labConvNet({ input: 'split', channels: [4], seed: 0 }),
      inputShape: [16, 16, 3],
      seed: 0,
      batchSize: 4,
      options: resolveOptions(splitBrainPreset.options, { lightnessBins: 20, lightnessLossWeight: 0.5, chromaThreshold: 1 }),
    }) as SplitBrain;
    expect(split.config).toMatchObject({ lightnessBins: 20, lightnessLossWeight: 0.5, chromaThreshold: 1, seed: 1 });
    expect(split.lightnessBins).toHaveLength(20);
    split.dispose();
  });

  it('build methods whose loss on color images is finite and leaks nothing', () => {
    const images = colorImages();
    for (const preset of [colorizationPreset, splitBrainPreset]) {
      // The method owns the encoder and the tensors it keeps between steps (metrics): disposing it frees them all.
      const before = tf.memory().numTensors;
      const { encoder } = smallEncoderFor(preset);
      const method = preset.build({ encoder, inputShape: [16, 16, 3], seed: 0, batchSize: 4, options: resolveOptions(preset.options, {}) });
      const context = { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) };
      const batch = { images, indices: [0, 1, 2, 3] };
      const loss = method.loss(batch, context);
      expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
      loss.dispose();
      method.afterStep?.(batch, context);
      method.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    images.dispose();
  });
});

const ROTNET_PAPER = {
  optimizer: 'sgd',
  learningRate: 0.1,
  learningRateScaling: 'none',
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  schedule: 'cosine',
  warmupSteps: 0,
  finalLearningRate: 8e-4,
  batchSize: 128,
  epochs: 100,
};

const ZHANG_SOLVER = {
  optimizer: 'adam',
  learningRate: 3e-5,
  learningRateScaling: 'none',
  beta1: 0.9,
  beta2: 0.99,
  epsilon: 1e-8,
  weightDecay: 1e-3,
  decoupledWeightDecay: false,
  schedule: 'cosine',
  warmupSteps: 0,
  finalLearningRate: 3e-6,
  batchSize: 40,
  epochs: 14,
};

// preset name, the paper recipe's resolved training settings, its option values (the documented ones)
const PAPER: readonly [string, JsonObject, JsonObject][] = [
  ['rotnet', ROTNET_PAPER, { hiddenDims: [] }],
  ['rotation-regression', { ...ROTNET_PAPER, gradientClip: 1 }, { hiddenDims: [256], zoomToFit: true, range: [-Math.PI, Math.PI] }],
  [
    'relative-location',
    { optimizer: 'sgd', learningRate: 2.56e-3, learningRateScaling: 'linear', momentum: 0, nesterov: false, weightDecay: 0, schedule: 'constant', warmupSteps: 0, batchSize: 256, epochs: 1 },
    { hiddenDims: [4096, 4096], colorDrop: true, downUpSample: true, downUpSampleProbability: 0.33, normalize: true },
  ],
  [
    'jigsaw',
    { optimizer: 'sgd', learningRate: 0.01, learningRateScaling: 'none', momentum: 0.9, nesterov: false, weightDecay: 5e-4, schedule: 'cosine', warmupSteps: 0, finalLearningRate: 1e-5, batchSize: 256, epochs: 70 },
    { permutations: 1000, permutationSeed: 0, tiles: 9, tileSlack: 11 / 75, normalize: true, hiddenDims: [4096] },
  ],
  [
    'inpainting',
    { optimizer: 'adam', learningRate: 2e-3, learningRateScaling: 'none', beta1: 0.5, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false, schedule: 'constant', warmupSteps: 0, batchSize: 64, epochs: 1 },
    { reconstructionWeight: 0.999, adversarialWeight: 0.001, overlapWeight: 10 },
  ],
  [
    'colorization',
    ZHANG_SOLVER,
    { objective: 'classification', softEncodingSigma: 5, softEncodingNeighbours: 5, rebalancing: true, rebalancingLambda: 0.5, rebalancingSigma: 5, chromaThreshold: 5, temperature: 0.38 },
  ],
  ['split-brain', ZHANG_SOLVER, { lightnessBins: 100, lightnessLossWeight: 1, chromaThreshold: 5 }],
];

describe('pretext recipes', () => {
  it('gives every preset a small and a paper recipe, each with a description and a reference, that assertMethodPreset accepts', () => {
    for (const preset of pretextPresets) {
      expect(Object.keys(preset.recipes ?? {})).toEqual(['small', 'paper']);
      for (const name of ['small', 'paper']) {
        const recipe = presetRecipe(preset, name);
        expect(recipe.description.length).toBeGreaterThan(0);
        expect(recipe.reference?.length).toBeGreaterThan(0);
      }
      expect(() => assertMethodPreset(preset.name, preset)).not.toThrow();
    }
    expect(PAPER.map(([name]) => name)).toEqual(pretextPresets.map((p) => p.name));
  });

  it('small is the defaults written out: the same training settings and options as no recipe', () => {
    for (const preset of pretextPresets) {
      const small = presetRecipe(preset, 'small');
      expect(small.reference).toMatch(/CPU defaults for 28-32 px images/);
      expect(resolveTraining(preset, small)).toEqual(resolveTraining(preset, undefined));
      expect(resolveOptions(preset.options, small.options)).toEqual(resolveOptions(preset.options, {}));
      expect(small.options).toEqual(preset.defaults.options);
    }
    expect(resolveTraining(inpaintingPreset, presetRecipe(inpaintingPreset, 'small'))).toMatchObject({ optimizer: 'adam', learningRate: 2e-3, beta1: 0.5, batchSize: 128 });
    // RotNet's batch was chosen on a validation split: 32 images, each in its four rotations.
    expect(resolveTraining(rotNetPreset, presetRecipe(rotNetPreset, 'small'))).toMatchObject({ optimizer: 'adam', learningRate: 1e-3, batchSize: 32 });
    expect(rotNetPreset.defaults.batchSize).toBe(32);
  });

  it.each(PAPER)('%s: the paper recipe carries the documented values', (name, training, options) => {
    const preset = pretextPresets.find((p) => p.name === name)!;
    const paper = presetRecipe(preset, 'paper');
    expect(resolveTraining(preset, paper)).toEqual(training);
    expect(paper.options).toEqual(options);
    // The options resolve against the schema, and the training settings turn into fit options.
    expect(resolveOptions(preset.options, paper.options)).toMatchObject(options);
    expect(() => trainingFitOptions(resolveTraining(preset, paper))).not.toThrow();
  });

  it('cites each paper and says what is approximated', () => {
    const reference = (preset: (typeof pretextPresets)[number]) => presetRecipe(preset, 'paper').reference ?? '';
    expect(reference(rotNetPreset)).toMatch(/Gidaris, Singh & Komodakis 2018, Sec\. 3\.1/);
    expect(reference(rotNetPreset)).toMatch(/approximated by a cosine/);
    expect(reference(pretextPresets[1]!)).toMatch(/no paper of its own/);
    expect(reference(pretextPresets[1]!)).toMatch(/gradient clip .* is this package's addition/);
    expect(reference(relativeLocationPreset)).toMatch(/Doersch, Gupta & Efros 2015/);
    expect(reference(jigsawPreset)).toMatch(/Noroozi & Favaro 2016/);
    expect(reference(jigsawPreset)).toMatch(/approximated by a cosine/);
    expect(reference(inpaintingPreset)).toMatch(/Pathak, Krähenbühl, Donahue, Darrell & Efros 2016/);
    expect(reference(colorizationPreset)).toMatch(/Zhang, Isola & Efros 2016, Sec\. 2 .* approximated by a cosine/);
    expect(reference(splitBrainPreset)).toMatch(/Zhang, Isola & Efros 2017, Sec\. 3 .* an assumption/);
  });

  it("relative location: the code's summed-loss rate of 1e-5 per pair, at any batch", () => {
    const paper = presetRecipe(relativeLocationPreset, 'paper');
    for (const batchSize of [64, 256, 512]) {
      const fitOptions = trainingFitOptions(resolveTraining(relativeLocationPreset, paper, [{ name: 'flags', values: { batchSize } }]));
      expect(fitOptions.learningRate).toBeCloseTo(1e-5 * batchSize, 12);
      expect(fitOptions.schedule).toEqual({ type: 'constant', warmupSteps: 0 });
      expect(fitOptions.optimizer).toEqual({ type: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 });
    }
  });

  it('builds every preset with its paper options', () => {
    for (const preset of pretextPresets) {
      const { encoder, inputShape } = smallEncoderFor(preset);
      const options = resolveOptions(preset.options, presetRecipe(preset, 'paper').options);
      const method = preset.build({ encoder, inputShape, seed: 0, batchSize: 8, options });
      expect(method.name).toBe(preset.name);
      method.dispose();
    }
  });
});
