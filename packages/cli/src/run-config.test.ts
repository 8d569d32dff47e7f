import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type JsonObject, trainingFitOptions } from '@selfsup/tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodTable } from './methods.js';
import { runCli } from './program.js';
import { checkRunConfig, resolveRunConfig } from './run-config.js';
import { captureCli } from '../test/helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-run-config-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const capture = () => captureCli();

const table = methodTable();
const resolve = (method: string, sources: Parameters<typeof resolveRunConfig>[1] = {}) => resolveRunConfig(table.find(method), { run: { data: 'mnist' }, ...sources }).config;

describe('run config files', () => {
  it('rejects unknown keys at the top, in training and in options, naming the key and the allowed ones', () => {
    expect(() => checkRunConfig({ method: 'simclr', temperature: 0.2 }, 'run.json')).toThrow(
      /--config run\.json: unknown key "temperature" is not allowed; expected one of: method, recipe, data, arch, archConfig, seed, limit, validation, imageSize, channels, training, options/,
    );
    expect(() => checkRunConfig({ weightDecay: 0.1 }, 'run.json')).toThrow(/put it under "training"/);
    expect(() => checkRunConfig({ training: { learningRat: 0.1 } }, 'run.json')).toThrow(/--config run\.json training: unknown option "learningRat" is not allowed; expected one of: optimizer, learningRate/);
    expect(() => checkRunConfig({ training: { optimizer: 'rmsprop' } }, 'run.json')).toThrow(/training\.optimizer must be a string \(one of "adam", "sgd", "lars"\)/);
    expect(() => checkRunConfig({ seed: -1 }, 'run.json')).toThrow(/"seed" must be an integer >= 0/);
    const file = checkRunConfig({ method: 'simclr', options: { temprature: 0.2 } }, 'run.json');
    expect(() => resolve('simclr', { file, fileName: 'run.json' })).toThrow(/--config run\.json options \(simclr\): unknown option "temprature" is not allowed; expected one of: temperature, projectorHiddenDim, projectorOutputDim, projectorLayers, cropScale/);
  });

  it("takes a method's own encoder when the run names none, its config keys under the run's", () => {
    expect(resolve('simclr')).toMatchObject({ arch: 'convNet' });
    expect(resolve('simclr')['archConfig']).toBeUndefined();
    expect(resolve('split-brain')).toMatchObject({ arch: 'labConvNet', archConfig: { input: 'split', channels: [16, 32, 64] } });
    expect(resolve('split-brain', { run: { data: 'color-shapes', archConfig: { channels: [8, 16], strides: [1, 2] } } })).toMatchObject({
      arch: 'labConvNet',
      archConfig: { input: 'split', channels: [8, 16], strides: [1, 2] },
    });
    // Named explicitly, the method's architecture still gets its keys; another architecture does not.
    const file = checkRunConfig({ arch: 'labConvNet' }, 'run.json');
    expect(resolve('colorization', { file, fileName: 'run.json' })).toMatchObject({ arch: 'labConvNet', archConfig: { input: 'lightness' } });
    const other = resolve('colorization', { run: { data: 'color-shapes', arch: 'convNet' } });
    expect(other['arch']).toBe('convNet');
    expect(other['archConfig']).toBeUndefined();
    expect(resolve('cpc')).toMatchObject({ arch: 'convNet', archConfig: { norm: 'group' } });
  });

  it('takes "validation", a fraction in (0, 1); the flag wins over the file', () => {
    const file = checkRunConfig({ method: 'simclr', validation: 0.2 }, 'run.json');
    expect(file.validation).toBe(0.2);
    expect(resolve('simclr', { file, fileName: 'run.json' })['validation']).toBe(0.2);
    expect(resolve('simclr', { file, fileName: 'run.json', run: { data: 'mnist', validation: 0.1 } })['validation']).toBe(0.1);
    expect(resolve('simclr')).not.toHaveProperty('validation');
    for (const bad of [0, 1, -0.1, 1.5, '0.2', null, [0.2]]) {
      expect(() => checkRunConfig({ validation: bad } as unknown as JsonObject, 'run.json')).toThrow(
        /--config run\.json: "validation" must be a fraction strictly between 0 and 1 \(the share of the training split held out\); got /,
      );
    }
    expect(() => resolve('simclr', { run: { data: 'mnist', validation: Number.NaN } })).toThrow(/--validation must be a fraction strictly between 0 and 1 .*; got NaN/);
  });

  it('layers preset defaults < recipe < file < flags, for training settings and method options', () => {
    const file = checkRunConfig(
      { method: 'moco-v2', seed: 3, training: { optimizer: 'sgd', momentum: 0.8, weightDecay: 1e-4, epochs: 5 }, options: { temperature: 0.1, cropScale: [0.5, 1] } },
      'run.json',
    );
    const config = resolve('moco-v2', { file, fileName: 'run.json', trainingFlags: { momentum: '0.95', warmupEpochs: '1' }, methodFlags: { temperature: '0.3' }, run: { data: 'mnist', seed: 4 } });
    expect(config).toMatchObject({ method: 'moco-v2', recipe: 'small', data: 'mnist', arch: 'convNet', seed: 4 });
    expect(config.training).toEqual({
      optimizer: 'sgd',
      learningRate: 1e-3,
      learningRateScaling: 'none',
      momentum: 0.95,
      nesterov: false,
      weightDecay: 1e-4,
      schedule: 'cosine',
      warmupEpochs: 1,
      finalLearningRate: 0,
      batchSize: 128,
      epochs: 5,
    });
    expect(config.options).toMatchObject({ temperature: 0.3, momentum: 0.99, cropScale: [0.5, 1] });
  });

  it("refuses an optimizer setting the run's optimizer does not take, unless it comes from the recipe", () => {
    expect(() => resolve('simclr', { trainingFlags: { beta1: '0.5', optimizer: 'lars' } })).toThrow(/flags: beta1 is a setting of the adam optimizer; this run's optimizer is lars/);
    // The paper recipe's LARS settings give way to --optimizer adam.
    expect(resolve('simclr', { run: { data: 'mnist', recipe: 'paper' }, trainingFlags: { optimizer: 'adam' } }).training).toMatchObject({ optimizer: 'adam', beta1: 0.9 });
    expect(() => resolve('simclr', { run: { data: 'mnist', recipe: 'huge' } })).toThrow(/--recipe must be one of small, paper for simclr; got "huge"/);
  });
});

const SMALL = { optimizer: 'adam', learningRate: 1e-3, learningRateScaling: 'none', schedule: 'cosine', warmupSteps: 0, batchSize: 128, epochs: 1 };
const LARS = (learningRate: number, weightDecay: number, batchSize: number, epochs: number) => ({
  optimizer: 'lars',
  learningRate,
  learningRateScaling: 'linear',
  momentum: 0.9,
  weightDecay,
  eta: 0.001,
  excludeBiasAndNorm: true,
  schedule: 'cosine',
  warmupEpochs: 10,
  finalLearningRate: 0,
  batchSize,
  epochs,
});
const SGD = (learningRate: number, scaling: string, batchSize: number, epochs: number) => ({
  optimizer: 'sgd',
  learningRate,
  learningRateScaling: scaling,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 1e-4,
  schedule: 'cosine',
  warmupSteps: 0,
  finalLearningRate: 0,
  batchSize,
  epochs,
});
const SIMCLR_VIEWS = { cropScale: [0.08, 1], flipProbability: 0.5, colorJitter: [0.8, 0.8, 0.8, 0.2], colorJitterProbability: 0.8, grayscaleProbability: 0.2, blurProbability: [0.5], solarizeProbability: [0] };
const MOCO_V2_VIEWS = { ...SIMCLR_VIEWS, cropScale: [0.2, 1], colorJitter: [0.4, 0.4, 0.4, 0.1] };
const BYOL_VIEWS = { ...SIMCLR_VIEWS, colorJitter: [0.4, 0.4, 0.2, 0.1], blurProbability: [1, 0.1], solarizeProbability: [0, 0.2] };

const RECIPES: readonly [string, JsonObject, JsonObject, JsonObject][] = [
  // method, paper training, paper options (subset), small options (subset)
  [
    'simclr',
    LARS(0.3, 1e-6, 4096, 100),
    { temperature: 0.1, projectorHiddenDim: 2048, projectorOutputDim: 128, projectorLayers: 2, ...SIMCLR_VIEWS },
    { temperature: 0.2, projectorOutputDim: 128, projectorLayers: 2, ...SIMCLR_VIEWS, cropScale: [0.3, 1] },
  ],
  [
    'moco-v1',
    SGD(0.03, 'none', 256, 200),
    { queueSize: 65536, momentum: 0.999, temperature: 0.07, shuffleGroups: 8, projectorOutputDim: 128, ...SIMCLR_VIEWS, cropScale: [0.2, 1], colorJitter: [0.4, 0.4, 0.4, 0.4], colorJitterProbability: 1, blurProbability: [0] },
    { momentum: 0.999, temperature: 0.07, shuffleGroups: 2, cropScale: [0.3, 1], colorJitterProbability: 1, blurProbability: [0] },
  ],
  [
    'moco-v2',
    SGD(0.03, 'none', 256, 200),
    { queueSize: 65536, momentum: 0.999, temperature: 0.2, projectorHiddenDim: 2048, projectorOutputDim: 128, ...MOCO_V2_VIEWS },
    { momentum: 0.99, temperature: 0.2, projectorHiddenDim: 2048, projectorOutputDim: 128, ...MOCO_V2_VIEWS, cropScale: [0.3, 1] },
  ],
  [
    'byol',
    LARS(0.2, 1.5e-6, 4096, 1000),
    { baseMomentum: 0.996, projectorHiddenDim: 4096, projectorOutputDim: 256, predictorHiddenDim: 4096, ...BYOL_VIEWS },
    { baseMomentum: 0.99, projectorHiddenDim: 4096, projectorOutputDim: 256, predictorHiddenDim: 4096, ...BYOL_VIEWS, cropScale: [0.3, 1] },
  ],
  [
    'simsiam',
    SGD(0.05, 'linear', 512, 100),
    { projectorHiddenDim: 2048, projectorOutputDim: 2048, projectorLayers: 3, predictorHiddenDim: 512, ...MOCO_V2_VIEWS },
    { projectorHiddenDim: 2048, projectorOutputDim: 2048, projectorLayers: 3, predictorHiddenDim: 512, ...MOCO_V2_VIEWS, cropScale: [0.3, 1] },
  ],
  ['barlow-twins', LARS(0.2, 1.5e-6, 2048, 1000), { projectorDim: 8192, lambda: 0.0051, ...BYOL_VIEWS }, { projectorDim: 512, ...BYOL_VIEWS, cropScale: [0.3, 1] }],
  [
    'vicreg',
    LARS(0.2, 1e-6, 2048, 1000),
    { expanderDim: 8192, invarianceWeight: 25, varianceWeight: 25, covarianceWeight: 1, ...BYOL_VIEWS },
    { expanderDim: 512, invarianceWeight: 25, ...BYOL_VIEWS, cropScale: [0.3, 1] },
  ],
];

describe('recipes', () => {
  it.each(RECIPES)('%s: --recipe paper and small resolve to the documented values', (method, paperTraining, paperOptions, smallOptions) => {
    const paper = resolve(method, { run: { data: 'mnist', recipe: 'paper' } });
    expect(paper.recipe).toBe('paper');
    expect(paper.training).toEqual(paperTraining);
    expect(paper.options).toMatchObject(paperOptions);
    const small = resolve(method);
    expect(small.recipe).toBe('small');
    expect(small.training).toMatchObject(SMALL);
    expect(small.options).toMatchObject(smallOptions);
    // A flag still wins over the recipe.
    expect(resolve(method, { run: { data: 'mnist', recipe: 'paper' }, trainingFlags: { batchSize: '64' } }).training['batchSize']).toBe(64);
  });

  it('scales the learning rate linearly with the batch where the recipe says so', () => {
    const fitOptions = trainingFitOptions(resolve('simclr', { run: { data: 'mnist', recipe: 'paper' }, trainingFlags: { batchSize: '512' } }).training);
    expect(fitOptions.learningRate).toBeCloseTo(0.6);
    expect(fitOptions.optimizer).toEqual({ type: 'lars', momentum: 0.9, weightDecay: 1e-6, eta: 0.001, excludeBiasAndNorm: true });
    expect(fitOptions.schedule).toEqual({ type: 'cosine', warmupEpochs: 10, finalLr: 0 });
  });

  it('gives the pretext tasks small (their defaults) and paper recipes', () => {
    // RotNet's batch was chosen on a validation split (32 images x 4 rotations); the rest is the shared small setting.
    expect(resolve('rotnet').training).toMatchObject({ ...SMALL, batchSize: 32 });
    expect(resolve('rotnet', { run: { data: 'mnist', recipe: 'paper' } }).training).toMatchObject({ optimizer: 'sgd', learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, epochs: 100 });
    expect(resolve('jigsaw', { run: { data: 'mnist', recipe: 'paper' } }).options).toMatchObject({ permutations: 1000, tiles: 9 });
    expect(resolve('inpainting').training).toMatchObject({ ...SMALL, learningRate: 2e-3, beta1: 0.5 });
    expect(resolve('inpainting', { run: { data: 'mnist', recipe: 'paper' } }).training).toMatchObject({ optimizer: 'adam', learningRate: 2e-3, beta1: 0.5, schedule: 'constant', batchSize: 64 });
  });

  it('gives a preset without recipes (plugins) its defaults as small, and nothing else', () => {
    const { recipes: _recipes, ...bare } = table.find('rotnet');
    expect(resolveRunConfig(bare, { run: { data: 'mnist' } }).config.training).toMatchObject({ ...SMALL, batchSize: 32 });
    expect(() => resolveRunConfig(bare, { run: { data: 'mnist', recipe: 'paper' } })).toThrow(/--recipe must be one of small for rotnet/);
  });
});

describe('selfsup pretrain with training flags', () => {
  const base = ['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '32', '--batch-size', '16', '--quiet'];

  it('trains with LARS from --optimizer lars, records it, and --resume refuses a differing config', async () => {
    const out = path.join(tmp, 'lars');
    const config = path.join(tmp, 'lars.json');
    await fs.writeFile(config, JSON.stringify({ training: { optimizer: 'adam', weightDecay: 1e-4 }, options: { cropScale: [0.5, 1] } }));
    const c = capture();
    const code = await runCli([...base, '--config', config, '--optimizer', 'lars', '--optimizer-momentum', '0.8', '--warmup-steps', '1', '--out', out], c.io);
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.config).toMatchObject({ method: 'simclr', recipe: 'small', data: 'mnist', arch: 'convNet', seed: 0, limit: 32 });
    expect(run.config.training).toMatchObject({ optimizer: 'lars', momentum: 0.8, weightDecay: 1e-4, warmupSteps: 1, batchSize: 16, epochs: 1 });
    expect(run.config.options).toMatchObject({ cropScale: [0.5, 1], temperature: 0.2 });
    expect(run.method.optimizer).toEqual({ type: 'lars', momentum: 0.8, weightDecay: 1e-4, eta: 0.001, excludeBiasAndNorm: true });
    const log = JSON.parse(await fs.readFile(path.join(out, 'log.json'), 'utf8'));
    expect(log.optimizer.type).toBe('lars');
    // LARS's slot variables are in the checkpoint: the optimizer that ran was LARS.
    const manifest = await fs.readFile(path.join(out, 'checkpoint', 'model.json'), 'utf8');
    expect(manifest).toMatch(/optimizer\//);

    const r = capture();
    expect(await runCli([...base, '--config', config, '--optimizer', 'lars', '--optimizer-momentum', '0.8', '--warmup-steps', '1', '--weight-decay', '0.001', '--out', out, '--resume'], r.io)).toBe(2);
    expect(r.stderr()).toMatch(/--resume: .*run\.json was started with training\.weightDecay 0\.0001, this run has 0\.001 \(--weight-decay\)/);
    const s = capture();
    expect(await runCli([...base, '--config', config, '--optimizer', 'lars', '--optimizer-momentum', '0.8', '--warmup-steps', '1', '--crop-scale', '0.6,1', '--out', out, '--resume'], s.io)).toBe(2);
    expect(s.stderr()).toMatch(/started with options\.cropScale \[0\.5,1\], this run has \[0\.6,1\] \(--crop-scale\)/);
  });

  it('--validation: trains on the rest of the training split only, records it, and --resume refuses another value', async () => {
    const out = path.join(tmp, 'validation');
    const config = path.join(tmp, 'validation.json');
    await fs.writeFile(config, JSON.stringify({ validation: 0.5 }));
    const args = ['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '40', '--batch-size', '8', '--no-monitor', '--out', out];
    const c = capture();
    expect(await runCli([...args, '--config', config, '--validation', '0.25'], c.io)).toBe(0);
    // The flag wins: 40 - 25% = 30 images, 3 steps of 8.
    expect(c.stderr()).toMatch(/data mnist .*, validation: 25% of the training split held out \(seed 0\) \(30 images 28x28x1\)/);
    expect(c.result()).toMatchObject({ steps: 3 });
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.config).toMatchObject({ limit: 40, validation: 0.25 });
    const r = capture();
    expect(await runCli([...args, '--config', config, '--resume', '--quiet'], r.io)).toBe(2);
    expect(r.stderr()).toMatch(/--resume: .*run\.json was started with validation 0\.25, this run has 0\.5 \(--validation\)/);
    const v = capture();
    expect(await runCli([...args, '--validation', '1'], v.io)).toBe(2);
    expect(v.stderr()).toMatch(/option '--validation <fraction>' argument '1' is invalid/);
  });

  it('takes the method and data from the config file, and names a missing one', async () => {
    const config = path.join(tmp, 'full.json');
    await fs.writeFile(config, JSON.stringify({ method: 'simclr', data: 'mnist', limit: 32, training: { batchSize: 16, optimizer: 'sgd' } }));
    const c = capture();
    expect(await runCli(['pretrain', '--config', config, '--quiet', '--out', path.join(tmp, 'full')], c.io)).toBe(0);
    const run = JSON.parse(await fs.readFile(path.join(tmp, 'full', 'run.json'), 'utf8'));
    expect(run.config.training).toMatchObject({ optimizer: 'sgd', batchSize: 16 });
    const m = capture();
    expect(await runCli(['pretrain', '--data', 'mnist', '--quiet', '--out', path.join(tmp, 'none')], m.io)).toBe(2);
    expect(m.stderr()).toMatch(/--method is required \(or "method" in the --config file\)/);
  });
});
