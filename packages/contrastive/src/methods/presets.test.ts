import { type JsonObject, type MethodPreset, type SSLMethod, assertMethodPreset, createRng, presetDataKinds, presetRecipe, resolveOptions, resolveTraining } from '@selfsup/tensors';
import {
  type Head,
  byolPredictionHead,
  byolProjectionHead,
  convNet,
  mlp,
  mocoV2ProjectionHead,
  projectionHead,
  simclrProjectionHead,
  simSiamPredictionHead,
  simSiamProjectionHead,
} from '@selfsup/encoders';
import { seededImages } from '@selfsup/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { MocoQueue } from '../queue/moco-queue.js';
import type { CpcMethod } from './cpc.js';
import { byol } from './byol.js';
import { mocoV1 } from './moco.js';
import { byolPreset, contrastivePresets, cpcPreset, mocoQueueSizeFor, mocoV1Preset, mocoV2Preset, presetViews, simclrPreset, simSiamPreset } from './presets.js';
import { simclr } from './simclr.js';
import { simSiam } from './simsiam.js';

describe('contrastive presets', () => {
  it('lists every image method once, each a valid preset', () => {
    expect(contrastivePresets.map((p) => p.name)).toEqual(['simclr', 'moco-v1', 'moco-v2', 'byol', 'simsiam', 'barlow-twins', 'vicreg', 'clip', 'cpc']);
    for (const preset of contrastivePresets) {
      assertMethodPreset(preset.name, preset);
      expect(preset.defaults.learningRate).toBe(preset.name === 'clip' ? 5e-4 : 1e-3);
      expect(preset.defaults.optimizer).toEqual({ type: 'adam' });
    }
  });

  it("keeps the command line's defaults", () => {
    const defaults = Object.fromEntries(contrastivePresets.map((p) => [p.name, p.defaults.options]));
    expect(defaults['simclr']).toMatchObject({ temperature: 0.2, cropScale: [0.3, 1], flipProbability: 0.5, colorJitter: [0.8, 0.8, 0.8, 0.2] });
    expect(defaults['moco-v2']).toMatchObject({ momentum: 0.99, temperature: 0.2 });
    expect(defaults['moco-v1']).toMatchObject({ momentum: 0.999, temperature: 0.07 });
    expect(defaults['byol']).toMatchObject({ baseMomentum: 0.99, blurProbability: [1, 0.1], solarizeProbability: [0, 0.2] });
    expect(defaults['barlow-twins']).toMatchObject({ projectorDim: 512 });
    expect(defaults['vicreg']).toMatchObject({ expanderDim: 512 });
    expect(mocoQueueSizeFor(128)).toBe(4096);
    expect(mocoQueueSizeFor(100)).toBe(4000);
    expect(mocoQueueSizeFor(5000)).toBe(5000);
  });

  it('builds with option values from the schema', () => {
    const encoder = convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 });
    const method = simclrPreset.build({ encoder, inputShape: [8, 8, 1], seed: 0, batchSize: 4, options: resolveOptions(simclrPreset.options, { temperature: 0.2 }) });
    expect(method.config['temperature']).toBe(0.2);
    method.dispose();
    const moco = mocoV2Preset.build({
      encoder: convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 }),
      inputShape: [8, 8, 1],
      seed: 0,
      batchSize: 16,
      options: resolveOptions(mocoV2Preset.options, {}),
    });
    expect(moco.config['queueSize']).toBe(4096);
    expect(moco.config['momentum']).toBe(0.99);
    moco.dispose();
  });

  it('builds the views from the view options: a bad range names its key', () => {
    const encoder = convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 });
    expect(() =>
      simclrPreset.build({ encoder, inputShape: [8, 8, 1], seed: 0, batchSize: 4, options: resolveOptions(simclrPreset.options, { cropScale: [0.9, 0.2] }) }),
    ).toThrow(/options\.cropScale/);
    encoder.dispose();
  });

  it('makes views of the viewSize option (absent: the images\' size), for every method with views', () => {
    const images = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    for (const preset of [simclrPreset, mocoV2Preset, byolPreset, simSiamPreset]) {
      expect(preset.options['viewSize']).toMatchObject({ type: 'integer', min: 1 });
      expect(preset.options['viewSize']).not.toHaveProperty('default');
      for (const [given, side] of [[{ viewSize: 5 }, 5], [{}, 8]] as const) {
        const [a, b] = presetViews(resolveOptions(preset.options, given), [8, 8, 1]);
        for (const view of [a, b]) {
          const out = view(images, createRng(0));
          expect(out.shape).toEqual([2, side, side, 1]);
          out.dispose();
        }
      }
    }
    images.dispose();
  });

  it('simclr: smallViews adds that many small views, 3/7 of the image side unless smallViewSize says', () => {
    expect(simclrPreset.options['smallViews']).toMatchObject({ type: 'integer', default: 0, min: 0 });
    expect(simclrPreset.options['smallCropScale']).toMatchObject({ default: [0.1, 0.3] });
    const images = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    for (const [given, expected] of [
      [{}, [[6, 28, 28, 1]]],
      [{ smallViews: 2 }, [[6, 28, 28, 1], [6, 12, 12, 1]]],
      [{ smallViews: 3, smallViewSize: 9, smallCropScale: [0.2, 0.5] }, [[6, 28, 28, 1], [9, 9, 9, 1]]],
    ] as const) {
      const base = convNet({ inputShape: [-1, -1, 1], channels: [4], seed: 0 });
      const seen: number[][] = [];
      const encoder = {
        ...base,
        apply: (x: tf.Tensor, o?: { training?: boolean }) => {
          seen.push([...x.shape]);
          return base.apply(x, o);
        },
      };
      const method = simclrPreset.build({ encoder, inputShape: [28, 28, 1], seed: 0, batchSize: 3, options: resolveOptions(simclrPreset.options, given) });
      tf.tidy(() => {
        method.loss({ images, indices: [0, 1, 2] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(0) });
      });
      expect(seen).toEqual(expected);
      expect(method.config['smallViews']).toBe(given.smallViews);
      method.dispose();
    }
    images.dispose();
    const encoder = convNet({ inputShape: [-1, -1, 1], channels: [4], seed: 0 });
    const build = (given: JsonObject) => simclrPreset.build({ encoder, inputShape: [28, 28, 1], seed: 0, batchSize: 3, options: resolveOptions(simclrPreset.options, given) });
    expect(() => build({ smallViews: 2, smallCropScale: [0.5, 0.2] })).toThrow(/options\.smallCropScale must be a range \[min, max\]/);
    expect(() => build({ smallViews: -1 })).toThrow(/smallViews/);
    encoder.dispose();
  });

  it('builds, for every preset, a method whose name is the preset name (the CLI name)', () => {
    for (const preset of contrastivePresets) {
      const encoder = convNet({ inputShape: [16, 16, 1], channels: [4], seed: 0 });
      // Image-caption data with named classes: what every method can train on (CLIP needs the captions).
      const data = { captions: ['a small grey bag', 'a large dark shoe'], classNames: ['bag', 'shoe'] };
      const method = preset.build({ encoder, inputShape: [16, 16, 1], seed: 0, batchSize: 8, options: resolveOptions(preset.options, {}), ...data });
      expect(method.name).toBe(preset.name);
      method.dispose();
    }
  });
});

describe('the cpc preset', () => {
  const build = (encoder: ReturnType<typeof convNet>, inputShape: [number, number, number], options: JsonObject = {}, dataKind?: 'images' | 'sequences') =>
    cpcPreset.build({ encoder, inputShape, seed: 0, batchSize: 8, options: resolveOptions(cpcPreset.options, options), ...(dataKind !== undefined ? { dataKind } : {}) }) as CpcMethod;

  it('trains on images and sequences, and reloads through cpcPieceMean', () => {
    expect(presetDataKinds(cpcPreset)).toEqual(['images', 'sequences']);
    expect(cpcPreset.architectures?.map((a) => a.name)).toEqual(['cpcPieceMean']);
    // Batch statistics would leak which patches share an image: the default piece encoder normalises per sample.
    expect(cpcPreset.defaultArchitecture).toEqual({ name: 'convNet', config: { norm: 'group' } });
    expect(resolveOptions(cpcPreset.options, {})).toEqual({ patchSize: 8, window: 16, contextDim: 64, temperature: 1 });
  });

  it('cuts images into patches, rebuilding the whole-image backbone (same architecture and seed) for them', () => {
    const before = tf.memory().numTensors;
    const method = build(convNet({ inputShape: [28, 28, 1], channels: [4, 8], seed: 5 }), [28, 28, 1]);
    expect(method.frontEnd.config).toEqual({ kind: 'image', patchSize: 8, stride: 4 });
    expect(method.config).toMatchObject({ grid: [6, 6], predictionSteps: 3, contextDim: 64, temperature: 1, seed: 1 });
    expect(method.pieceEncoder.config).toMatchObject({ inputShape: [8, 8, 1], channels: [4, 8], seed: 5 });
    expect(method.encoder.architecture).toBe('cpcPieceMean');
    const images = seededImages(2, 4, 28, 28, 1);
    const embeddings = method.encoder.apply(images);
    expect(embeddings.shape).toEqual([4, 8]);
    tf.dispose([images, embeddings]);
    method.dispose();
    // The backbone built for whole images was released: nothing is left once the method is gone.
    expect(tf.memory().numTensors).toBe(before);
    const paper = build(convNet({ inputShape: [32, 32, 3], channels: [4], seed: 0 }), [32, 32, 3], presetRecipe(cpcPreset, 'paper').options);
    expect(paper.config).toMatchObject({ grid: [7, 7], predictionSteps: 5 });
    paper.dispose();
  });

  it('cuts sequences into windows; a piece encoder that fits is used as it is', () => {
    const encoder = mlp({ inputShape: [1, 4, 2], hiddenDims: [8], outputDim: 6, seed: 0 });
    const method = build(encoder as ReturnType<typeof convNet>, [1, 20, 2], { window: 4, hop: 2, predictionSteps: 2, contextDim: 8 }, 'sequences');
    expect(method.frontEnd.config).toEqual({ kind: 'sequence', window: 4, hop: 2 });
    expect(method.config).toMatchObject({ grid: [9, 1], predictionSteps: 2, contextDim: 8 });
    expect(method.pieceEncoder).toBe(encoder);
    method.dispose();
  });

  it.each([
    [[12, 12, 1], { patchSize: 16 }, undefined, /^--patch-size must be at most the images' side \(12 x 12\); got 16$/],
    [[12, 12, 1], { patchSize: 8, patchStride: 8 }, undefined, /^--patch-size 8: cpc needs at least 2 rows of patches to predict along; samples of \[12, 12, 1\] give 1$/],
    [[28, 28, 1], { predictionSteps: 6 }, undefined, /^--prediction-steps must be at most 5 \(samples of \[28, 28, 1\] give 6 rows of patches with --patch-size 8\); got 6$/],
    [[1, 10, 1], { window: 12 }, 'sequences', /^--window must be at most the sequences' length \(10 steps\); got 12$/],
    [[1, 10, 1], { window: 8 }, 'sequences', /^--window 8: cpc needs at least 2 windows to predict along; samples of \[1, 10, 1\] give 1$/],
  ] as const)('refuses a grid it cannot predict along, naming the flag (%#)', (shape, options, kind, message) => {
    const before = tf.memory().numTensors;
    const encoder = convNet({ inputShape: [...shape], channels: [4], seed: 0 });
    expect(() => build(encoder, [...shape], options, kind)).toThrow(message);
    // The caller still owns the encoder it passed.
    encoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the paper recipe: Adam at 2e-4, constant, batch 512, K = 5, citing the paper', () => {
    const paper = presetRecipe(cpcPreset, 'paper');
    expect(resolveTraining(cpcPreset, paper)).toMatchObject({ optimizer: 'adam', learningRate: 2e-4, schedule: 'constant', batchSize: 512 });
    expect(paper.options).toEqual({ patchSize: 8, patchStride: 4, predictionSteps: 5, temperature: 1 });
    expect(paper.reference).toMatch(/van den Oord, Li & Vinyals 2018, Sec\. 3\.2/);
    expect(presetRecipe(cpcPreset, 'small').options).toEqual(resolveOptions(cpcPreset.options, {}));
  });
});

// ---- Head sizes: one set of option names across methods; the defaults are what each method built before they were
// options, from the same generator (seed + 1, drawn in the same order), so runs with the defaults do not change.

const INPUT: [number, number, number] = [8, 8, 1];
const smallEncoder = () => convNet({ inputShape: INPUT, channels: [4], seed: 0 });
const build = (preset: MethodPreset, options: JsonObject = {}, seed = 0): SSLMethod =>
  preset.build({ encoder: smallEncoder(), inputShape: INPUT, seed, batchSize: 8, options: resolveOptions(preset.options, options) });
/** Every variable but the encoders' (online and momentum / target): the heads and the queue. */
const headVariables = (method: SSLMethod) => method.variables.filter((v) => !/^(momentum\/|target\/)?encoder\//.test(v.name));
const shapesOf = (method: SSLMethod, prefix: string) =>
  Object.fromEntries(method.variables.filter((v) => v.name.startsWith(`${prefix}/`) && v.name.endsWith('kernel')).map((v) => [v.name.slice(prefix.length + 1), v.variable.shape]));
const bytes = (a: Float32Array | Int32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The heads (and queue) each preset built before its head sizes were options: the same calls, from createRng(seed + 1). */
const BEFORE: [MethodPreset, (inputDim: number, seed: number) => [string, { variables: Head['variables'] }][]][] = [
  [simclrPreset, (d, seed) => [['projector', simclrProjectionHead({ inputDim: d, outputDim: 128, rng: createRng(seed + 1) })]]],
  [
    mocoV1Preset,
    (d, seed) => {
      const rng = createRng(seed + 1);
      const head = projectionHead([{ inputDim: d, outputDim: 128 }], { preset: 'mocoV1Projection', rng });
      return [['projector', head], ['momentum/projector', head], ['', new MocoQueue({ size: mocoQueueSizeFor(8), dim: 128, rng })]];
    },
  ],
  [
    mocoV2Preset,
    (d, seed) => {
      const rng = createRng(seed + 1);
      const head = mocoV2ProjectionHead({ inputDim: d, rng });
      return [['projector', head], ['momentum/projector', head], ['', new MocoQueue({ size: mocoQueueSizeFor(8), dim: 128, rng })]];
    },
  ],
  [
    byolPreset,
    (d, seed) => {
      const rng = createRng(seed + 1);
      const projector = byolProjectionHead({ inputDim: d, rng });
      const predictor = byolPredictionHead({ inputDim: projector.outputDim, rng });
      return [['projector', projector], ['predictor', predictor], ['target/projector', projector]];
    },
  ],
  [
    simSiamPreset,
    (d, seed) => {
      const rng = createRng(seed + 1);
      const projector = simSiamProjectionHead({ inputDim: d, rng });
      return [['projector', projector], ['predictor', simSiamPredictionHead({ inputDim: projector.outputDim, rng })]];
    },
  ],
];

describe('head sizes as preset options', () => {
  it('appear in the schemas, integers >= 1 (layers >= 2), with the sizes the presets built before as defaults', () => {
    const spec = (preset: MethodPreset) =>
      Object.fromEntries(
        Object.entries(preset.options)
          .filter(([k]) => /^(projector|predictor)[A-Z]/.test(k))
          .map(([k, s]) => [k, `${s.type} >= ${s.min} default ${JSON.stringify(s.default)}`]),
      );
    expect(spec(simclrPreset)).toEqual({
      projectorHiddenDim: 'integer >= 1 default undefined', // the encoder's output width
      projectorOutputDim: 'integer >= 1 default 128',
      projectorLayers: 'integer >= 2 default 2',
    });
    expect(spec(mocoV1Preset)).toEqual({ projectorOutputDim: 'integer >= 1 default 128' }); // a linear head
    expect(spec(mocoV2Preset)).toEqual({ projectorHiddenDim: 'integer >= 1 default 2048', projectorOutputDim: 'integer >= 1 default 128' });
    expect(spec(byolPreset)).toEqual({
      projectorHiddenDim: 'integer >= 1 default 4096',
      projectorOutputDim: 'integer >= 1 default 256',
      predictorHiddenDim: 'integer >= 1 default 4096',
    });
    expect(spec(simSiamPreset)).toEqual({
      projectorHiddenDim: 'integer >= 1 default 2048',
      projectorOutputDim: 'integer >= 1 default 2048',
      projectorLayers: 'integer >= 2 default 3',
      predictorHiddenDim: 'integer >= 1 default 512',
    });
    const byName = Object.fromEntries(contrastivePresets.map((p) => [p.name, p]));
    expect(byName['barlow-twins']!.options['projectorDim']).toMatchObject({ type: 'integer', default: 512, min: 1 });
    expect(byName['vicreg']!.options['expanderDim']).toMatchObject({ type: 'integer', default: 512, min: 1 });
  });

  it('the paper recipes set the papers\' sizes', () => {
    const paper = (preset: MethodPreset) => presetRecipe(preset, 'paper').options ?? {};
    expect(paper(simclrPreset)).toMatchObject({ projectorHiddenDim: 2048, projectorOutputDim: 128, projectorLayers: 2 });
    expect(paper(mocoV1Preset)).toMatchObject({ projectorOutputDim: 128 });
    expect(paper(mocoV1Preset)['projectorHiddenDim']).toBeUndefined();
    expect(paper(mocoV2Preset)).toMatchObject({ projectorHiddenDim: 2048, projectorOutputDim: 128 });
    expect(paper(byolPreset)).toMatchObject({ projectorHiddenDim: 4096, projectorOutputDim: 256, predictorHiddenDim: 4096 });
    expect(paper(simSiamPreset)).toMatchObject({ projectorHiddenDim: 2048, projectorOutputDim: 2048, projectorLayers: 3, predictorHiddenDim: 512 });
    const byName = Object.fromEntries(contrastivePresets.map((p) => [p.name, p]));
    expect(paper(byName['barlow-twins']!)).toMatchObject({ projectorDim: 8192 });
    expect(paper(byName['vicreg']!)).toMatchObject({ expanderDim: 8192 });
    // The small recipe keeps the defaults (no head size of its own).
    for (const preset of [simclrPreset, mocoV1Preset, mocoV2Preset, byolPreset, simSiamPreset]) {
      expect(presetRecipe(preset, 'small').options).toEqual(resolveOptions(preset.options, {}));
    }
  });

  it.each(BEFORE.map(([preset, before]) => [preset.name, preset, before] as const))(
    '%s with the default options builds bit for bit the heads it built before',
    async (_name, preset, before) => {
      for (const seed of [0, 7]) {
        const method = build(preset, {}, seed);
        const parts = before(method.encoder.outputDim, seed);
        const expected = parts.flatMap(([prefix, module]) => module.variables.map((v) => [prefix === '' ? v.name : `${prefix}/${v.name}`, v.variable] as const));
        const actual = headVariables(method);
        expect(actual.map((v) => v.name)).toEqual(expected.map(([name]) => name));
        for (const [i, v] of actual.entries()) {
          const want = expected[i]![1];
          expect(v.variable.shape, v.name).toEqual(want.shape);
          expect(bytes(await v.variable.data()).equals(bytes(await want.data())), v.name).toBe(true);
        }
        method.dispose();
        for (const [, module] of parts) for (const v of module.variables) if (!v.variable.isDisposed) v.variable.dispose();
      }
    },
  );

  it('builds heads of the sizes given', () => {
    const sizes = { projectorHiddenDim: 16, projectorOutputDim: 8 };
    const simclrMethod = build(simclrPreset, { ...sizes, projectorLayers: 3 });
    const d = simclrMethod.encoder.outputDim;
    expect(shapesOf(simclrMethod, 'projector')).toEqual({ 'block0/dense/kernel': [d, 16], 'block1/dense/kernel': [16, 16], 'block2/dense/kernel': [16, 8] });
    expect(simclrMethod.config['projectionDim']).toBe(8);
    const v1 = build(mocoV1Preset, { projectorOutputDim: 8 });
    expect(shapesOf(v1, 'projector')).toEqual({ 'block0/dense/kernel': [d, 8] });
    expect(shapesOf(v1, 'momentum/projector')).toEqual({ 'block0/dense/kernel': [d, 8] });
    expect(v1.variables.find((v) => v.name === 'queue/keys')!.variable.shape).toEqual([4096, 8]);
    const v2 = build(mocoV2Preset, sizes);
    expect(shapesOf(v2, 'projector')).toEqual({ 'block0/dense/kernel': [d, 16], 'block1/dense/kernel': [16, 8] });
    expect(shapesOf(v2, 'momentum/projector')).toEqual(shapesOf(v2, 'projector'));
    const byolMethod = build(byolPreset, { ...sizes, predictorHiddenDim: 12 });
    expect(shapesOf(byolMethod, 'projector')).toEqual({ 'block0/dense/kernel': [d, 16], 'block1/dense/kernel': [16, 8] });
    expect(shapesOf(byolMethod, 'target/projector')).toEqual(shapesOf(byolMethod, 'projector'));
    expect(shapesOf(byolMethod, 'predictor')).toEqual({ 'block0/dense/kernel': [8, 12], 'block1/dense/kernel': [12, 8] });
    const simSiamMethod = build(simSiamPreset, { ...sizes, projectorLayers: 2, predictorHiddenDim: 4 });
    expect(shapesOf(simSiamMethod, 'projector')).toEqual({ 'block0/dense/kernel': [d, 16], 'block1/dense/kernel': [16, 8] });
    expect(shapesOf(simSiamMethod, 'predictor')).toEqual({ 'block0/dense/kernel': [8, 4], 'block1/dense/kernel': [4, 8] });
    for (const m of [simclrMethod, v1, v2, byolMethod, simSiamMethod]) m.dispose();
  });

  it.each([
    ['simclr', simclrPreset, 'projectorHiddenDim', 0, 'an integer >= 1'],
    ['simclr', simclrPreset, 'projectorLayers', 1, 'an integer >= 2'],
    ['moco-v2', mocoV2Preset, 'projectorOutputDim', 2.5, 'an integer >= 1'],
    ['byol', byolPreset, 'predictorHiddenDim', -4, 'an integer >= 1'],
    ['simsiam', simSiamPreset, 'projectorOutputDim', '64', 'an integer >= 1'],
  ] as const)('%s: a bad %s is rejected, naming the option', (_name, preset, key, value, expected) => {
    expect(() => resolveOptions(preset.options, { [key]: value }, { name: 'x options' })).toThrow(`x options.${key} must be ${expected}`);
  });

  it('rejects sizes for a head the method does not build: MoCo v1 has no hidden layer', () => {
    expect(() => resolveOptions(mocoV1Preset.options, { projectorHiddenDim: 64 })).toThrow(/unknown option "projectorHiddenDim"/);
  });
});

describe('head sizes as method options', () => {
  it('are checked by the methods too, naming the option', () => {
    const encoder = smallEncoder();
    expect(() => simclr({ encoder, projectorOutputDim: 0 })).toThrow(/options\.projectorOutputDim must be an integer >= 1; got 0/);
    expect(() => simclr({ encoder, projectorLayers: 1 })).toThrow(/options\.projectorLayers must be an integer >= 2; got 1/);
    expect(() => byol({ encoder, predictorHiddenDim: 1.5 })).toThrow(/options\.predictorHiddenDim must be an integer >= 1; got 1\.5/);
    expect(() => simSiam({ encoder, projectorHiddenDim: Number.NaN })).toThrow(/options\.projectorHiddenDim must be an integer >= 1/);
    expect(() => mocoV1({ encoder, projectorHiddenDim: 64 })).toThrow(/options\.projectorHiddenDim must be absent for MoCo v1/);
    const head = simclrProjectionHead({ inputDim: encoder.outputDim, outputDim: 8 });
    expect(() => simclr({ encoder, projectionHead: head, projectorOutputDim: 8 })).toThrow(/options\.projectorOutputDim must be absent when options\.projectionHead is given/);
    head.dispose();
    encoder.dispose();
  });
});
