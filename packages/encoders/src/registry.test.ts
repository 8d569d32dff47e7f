import * as tf from '@tensorflow/tfjs-core';
import type { Encoder, JsonObject } from '@selfsup/tensors';
import { SelfsupError, namedVariable } from '@selfsup/tensors';
import { afterEach, describe, expect, it } from 'vitest';
import { randomTensor } from '../test/helpers.js';
import { alexNetSmall } from './backbones/alexnet-small.js';
import { convNet } from './backbones/conv-net.js';
import { mlp } from './backbones/mlp.js';
import { resnet } from './backbones/resnet.js';
import { defineEncoder } from './define-encoder.js';
import { simSiamPredictionHead } from './heads/presets.js';
import {
  buildEncoder,
  defaultArchitectureConfig,
  describeArchitectures,
  hasArchitecture,
  listArchitectures,
  registerArchitecture,
  unregisterArchitecture,
} from './registry.js';

async function sameOutputs(a: Encoder, b: Encoder, x: tf.Tensor): Promise<void> {
  const [ya, yb] = [a.apply(x), b.apply(x)];
  expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
  tf.dispose([ya, yb]);
}

describe('registry', () => {
  afterEach(() => {
    if (hasArchitecture('bag')) unregisterArchitecture('bag');
  });

  it('rebuilds every built-in architecture from (architecture, config) with the same weights when seeded', async () => {
    const cases: [Encoder, tf.Tensor][] = [
      [mlp({ inputShape: [2, 3], hiddenDims: [4], outputDim: 2, batchNorm: true, seed: 1 }), randomTensor([2, 2, 3], 1)],
      [convNet({ inputShape: [8, 8, 1], channels: [2, 3], norm: 'group', outputDim: 2, seed: 2 }), randomTensor([2, 8, 8, 1], 2)],
      [resnet({ depth: 18, stem: 'imagenet', width: 0.125, seed: 3 }), randomTensor([1, 16, 16, 3], 3)],
      [alexNetSmall({ inputShape: [16, 16, 3], width: 0.0625, outputDim: 4, seed: 4 }), randomTensor([2, 16, 16, 3], 4)],
      [simSiamPredictionHead({ inputDim: 6, hiddenDim: 3, seed: 5 }), randomTensor([2, 6], 5)],
    ];
    for (const [encoder, x] of cases) {
      const rebuilt = buildEncoder(encoder.architecture, encoder.config);
      expect(rebuilt.architecture).toBe(encoder.architecture);
      expect(rebuilt.config).toEqual(encoder.config);
      expect(rebuilt.inputShape).toEqual(encoder.inputShape);
      await sameOutputs(encoder, rebuilt, x);
      encoder.dispose();
      rebuilt.dispose();
      x.dispose();
    }
  });

  it('lists the built-ins and third-party registrations', () => {
    expect(listArchitectures().slice(0, 5)).toEqual(['mlp', 'convNet', 'resnet', 'alexNetSmall', 'projectionHead']);
    const bag = (config: JsonObject): Encoder => {
      const w = namedVariable('w', tf.fill([config['dim'] as number], 2));
      return defineEncoder({ architecture: 'bag', config, inputShape: [-1, config['dim'] as number], outputDim: config['dim'] as number, variables: [w], forward: (x) => tf.mul(tf.sum(x, 1), w.variable) as tf.Tensor2D });
    };
    registerArchitecture('bag', bag);
    expect(hasArchitecture('bag')).toBe(true);
    expect(listArchitectures()).toContain('bag');
    const e = buildEncoder('bag', { dim: 3 });
    const x = tf.ones([2, 5, 3]);
    const y = e.apply(x);
    expect(y.shape).toEqual([2, 3]);
    tf.dispose([x, y]);
    e.dispose();
    expect(() => registerArchitecture('bag', bag)).toThrow(/pass \{ replace: true \}/);
    registerArchitecture('bag', bag, { replace: true });
    expect(unregisterArchitecture('bag')).toBe(true);
    expect(hasArchitecture('bag')).toBe(false);
  });

  it('refuses to replace built-ins, bad names, unknown architectures and lying factories', () => {
    expect(() => registerArchitecture('resnet', () => mlp({ inputDim: 1, outputDim: 1 }))).toThrow(/a name not used by a built-in architecture/);
    expect(() => registerArchitecture('has space', () => mlp({ inputDim: 1, outputDim: 1 }))).toThrow(/name must be an architecture name/);
    expect(() => buildEncoder('vit', {})).toThrow(SelfsupError);
    expect(() => buildEncoder('vit', {})).toThrow(/architecture "vit" is not registered \(known: mlp, convNet, resnet, alexNetSmall, projectionHead/);
    registerArchitecture('bag', () => mlp({ inputDim: 1, outputDim: 1 }));
    expect(() => buildEncoder('bag', {})).toThrow(/the factory registered for "bag" built an encoder of architecture "mlp"/);
  });

  it('validates configs read back (they may come from disk)', () => {
    expect(() => buildEncoder('resnet', { depth: 19, stem: 'cifar' })).toThrow(/options.depth must be one of 18, 34; got 19/);
    expect(() => buildEncoder('convNet', {})).toThrow(/options.inputShape must be an \[H, W, C\] array/);
    expect(() => buildEncoder('projectionHead', { blocks: 3 })).toThrow(/config.blocks must be an array of head blocks/);
    expect(() => buildEncoder('mlp', null as unknown as JsonObject)).toThrow(/config must be a JSON config object for "mlp"/);
  });

  it('describes every architecture, with default configs for the command-line backbones', () => {
    const described = describeArchitectures();
    expect(described.map((a) => a.name)).toEqual(listArchitectures());
    for (const a of described) expect(a.description.length).toBeGreaterThan(0);
    expect(described.filter((a) => a.defaultConfig !== undefined).map((a) => a.name)).toEqual(['mlp', 'convNet', 'resnet']);
    expect(defaultArchitectureConfig('convNet', [28, 28, 1], 3)).toEqual({ inputShape: [28, 28, 1], channels: [32, 64, 128, 256, 256], strides: [1, 2, 2, 2, 2], seed: 3 });
    expect(defaultArchitectureConfig('resnet', [32, 32, 3], 0)).toEqual({ depth: 18, stem: 'cifar', width: 0.25, inputShape: [32, 32, 3], seed: 0 });
    expect(defaultArchitectureConfig('mlp', [8, 8, 1], 1)).toEqual({ inputShape: [8, 8, 1], hiddenDims: [512, 256], outputDim: 128, seed: 1 });
    expect(() => defaultArchitectureConfig('alexNetSmall', [8, 8, 1])).toThrow(/must have a default config \(mlp, convNet, resnet have one.*got "alexNetSmall", which has none/);
    expect(() => defaultArchitectureConfig('vgg', [8, 8, 1])).toThrow(/got "vgg", which is not registered/);
    // -1: any height and width (views smaller than the images); the channels stay fixed.
    expect(defaultArchitectureConfig('convNet', [-1, -1, 1], 0)).toMatchObject({ inputShape: [-1, -1, 1] });
    for (const bad of [[-1, -1, -1], [0, 28, 1], [-2, 28, 1], [28, 28], [28.5, 28, 1]]) {
      expect(() => defaultArchitectureConfig('convNet', bad as unknown as [number, number, number])).toThrow(/^inputShape must be \[height, width, channels\]: positive integers, height and width -1 for any size/);
    }
  });

  it('registers a third-party architecture with a description and a default config', () => {
    const bag = (config: JsonObject): Encoder => {
      const w = namedVariable('w', tf.fill([config['dim'] as number], 2));
      return defineEncoder({ architecture: 'bag', config, inputShape: [-1, config['dim'] as number], outputDim: config['dim'] as number, variables: [w], forward: (x) => tf.mul(tf.sum(x, 1), w.variable) as tf.Tensor2D });
    };
    registerArchitecture('bag', bag, { description: 'a bag of pixels', defaultConfig: (shape) => ({ dim: shape[1] }) });
    const entry = describeArchitectures().find((a) => a.name === 'bag');
    expect(entry?.description).toBe('a bag of pixels');
    expect(entry?.builtIn).toBe(false);
    expect(defaultArchitectureConfig('bag', [4, 5, 1])).toEqual({ dim: 5 });
    expect(() => registerArchitecture('bag2', bag, { defaultConfig: 3 as never })).toThrow(/options.defaultConfig must be a function/);
  });
});
