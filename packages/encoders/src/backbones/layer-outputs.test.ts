import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { EMBEDDING_LAYER, type Encoder, assertEncoder, resolveLayers } from '@selfsup/tensors';
import { expectNoLeak } from '@selfsup/test-utils';
import { describe, expect, it } from 'vitest';
import { randomTensor } from '../../test/helpers.js';
import { defineEncoder } from '../define-encoder.js';
import { loadEncoder, saveEncoder } from '../node.js';
import { alexNetSmall } from './alexnet-small.js';
import { convNet } from './conv-net.js';
import { mlp } from './mlp.js';
import { resnet } from './resnet.js';

/** Every built-in backbone, small, with its input batch and the shape of each layer's output. */
const cases: { name: string; make: () => Encoder; input: number[]; shapes: Record<string, number[]> }[] = [
  {
    name: 'convNet',
    make: () => convNet({ inputShape: [12, 12, 1], channels: [4, 6, 8], seed: 1 }),
    input: [2, 12, 12, 1],
    shapes: { block0: [2, 12, 12, 4], block1: [2, 6, 6, 6], block2: [2, 3, 3, 8], embedding: [2, 8] },
  },
  {
    name: 'convNet with outputDim',
    make: () => convNet({ inputShape: [8, 8, 3], channels: [4], outputDim: 5, seed: 1 }),
    input: [2, 8, 8, 3],
    shapes: { block0: [2, 8, 8, 4], embedding: [2, 5] },
  },
  {
    name: 'resnet (cifar stem)',
    make: () => resnet({ depth: 18, stem: 'cifar', width: 0.125, seed: 2 }),
    input: [2, 8, 8, 3],
    shapes: { stem: [2, 8, 8, 8], layer1: [2, 8, 8, 8], layer2: [2, 4, 4, 16], layer3: [2, 2, 2, 32], layer4: [2, 1, 1, 64], embedding: [2, 64] },
  },
  {
    name: 'resnet (imagenet stem)',
    make: () => resnet({ depth: 18, stem: 'imagenet', width: 0.125, seed: 2 }),
    input: [1, 32, 32, 3],
    shapes: { stem: [1, 8, 8, 8], layer1: [1, 8, 8, 8], layer2: [1, 4, 4, 16], layer3: [1, 2, 2, 32], layer4: [1, 1, 1, 64], embedding: [1, 64] },
  },
  {
    name: 'mlp',
    make: () => mlp({ inputDim: 5, hiddenDims: [7, 6], outputDim: 3, batchNorm: true, seed: 3 }),
    input: [4, 5],
    shapes: { hidden0: [4, 7], hidden1: [4, 6], embedding: [4, 3] },
  },
  {
    name: 'alexNetSmall',
    make: () => alexNetSmall({ inputShape: [16, 16, 3], width: 0.125, outputDim: 8, seed: 4 }),
    input: [2, 16, 16, 3],
    shapes: { conv1: [2, 16, 16, 8], conv2: [2, 8, 8, 24], conv3: [2, 4, 4, 48], conv4: [2, 4, 4, 32], conv5: [2, 4, 4, 32], embedding: [2, 8] },
  },
];

describe('encoder layers', () => {
  for (const c of cases) {
    it(`${c.name}: names its layers, applyLayers gives each layer's shape in one pass, embedding = apply, no leaks`, () => {
      const encoder = c.make();
      assertEncoder('encoder', encoder);
      expect(encoder.layers).toEqual(Object.keys(c.shapes));
      expect(encoder.layers?.at(-1)).toBe(EMBEDDING_LAYER);
      const x = randomTensor(c.input, 5);
      expectNoLeak(() => {
        const all = encoder.applyLayers?.(x, encoder.layers ?? []) ?? {};
        for (const [name, shape] of Object.entries(c.shapes)) expect(all[name]?.shape, name).toEqual(shape);
        const one = encoder.applyLayers?.(x, [EMBEDDING_LAYER]) ?? {};
        expect(Object.keys(one)).toEqual([EMBEDDING_LAYER]);
        const applied = encoder.apply(x);
        expect(Array.from(one[EMBEDDING_LAYER]?.dataSync() ?? [])).toEqual(Array.from(applied.dataSync()));
        return [all, one, applied];
      });
      expect(() => encoder.applyLayers?.(x, ['nope'])).toThrow(new RegExp(`names\\[0\\] must be a layer of ${encoder.architecture}: ${encoder.layers?.join(', ')}`));
      expect(() => resolveLayers('--layer', encoder, 'nope')).toThrow(/--layer must be a layer of .*embedding or all/);
      expect(resolveLayers('--layer', encoder, 'all')).toEqual(encoder.layers);
      x.dispose();
      encoder.dispose();
    });
  }

  it('layer names survive saveEncoder / loadEncoder, and the reloaded layers give the same outputs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'selfsup-layers-'));
    try {
      for (const c of cases) {
        const encoder = c.make();
        await saveEncoder(path.join(dir, c.name), encoder);
        const loaded = await loadEncoder(path.join(dir, c.name));
        expect(loaded.layers).toEqual(encoder.layers);
        const x = randomTensor(c.input, 6);
        const first = encoder.layers?.[0] as string;
        const [a, b] = [encoder, loaded].map((e) => e.applyLayers?.(x, [first])?.[first] as tf.Tensor);
        expect(Array.from(b?.dataSync() ?? [])).toEqual(Array.from(a?.dataSync() ?? []));
        tf.dispose([a, b, x]);
        encoder.dispose();
        loaded.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('defineEncoder checks the layer names it is given; an encoder without them has none', () => {
    const base = { architecture: 't', config: {}, inputShape: [2], outputDim: 2, variables: [], forward: (x: tf.Tensor) => x as tf.Tensor2D };
    expect(defineEncoder(base).layers).toBeUndefined();
    expect(defineEncoder(base).applyLayers).toBeUndefined();
    expect(() => defineEncoder({ ...base, layers: ['embedding'] })).toThrow(/spec\.layers/);
    expect(() => defineEncoder({ ...base, layers: ['a', 'a'] })).toThrow(/spec\.layers/);
    const untapped = defineEncoder({ ...base, layers: ['hidden'] });
    const x = tf.ones([1, 2]);
    expect(() => untapped.applyLayers?.(x, ['hidden'])).toThrow(/did not tap layer\(s\) hidden/);
    expect(() => assertEncoder('e', { ...untapped, applyLayers: undefined })).toThrow(/e\.applyLayers/);
    expect(() => assertEncoder('e', { ...untapped, layers: ['hidden'] })).toThrow(/e\.layers must be .*ending with "embedding"/);
    x.dispose();
  });
});
