import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '@selfsup/tensors';
import { SelfsupError } from '@selfsup/tensors';
import { saveCheckpoint } from '@selfsup/tensors/node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak } from '@selfsup/test-utils';
import { randomTensor } from '../test/helpers.js';
import { alexNetSmall } from './backbones/alexnet-small.js';
import { convNet } from './backbones/conv-net.js';
import { mlp } from './backbones/mlp.js';
import { resnet } from './backbones/resnet.js';
import { byolProjectionHead } from './heads/presets.js';
import { momentumCopy } from './momentum.js';
import { loadEncoder, restoreEncoder, saveEncoder } from './node.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'selfsup-encoders-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function outputs(encoder: Encoder, x: tf.Tensor): Promise<Float32Array> {
  const y = encoder.apply(x);
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return data;
}

describe('saveEncoder / loadEncoder', () => {
  it('save then load gives bit-identical outputs, running statistics included, for every architecture', async () => {
    const makers: [() => Encoder, number[]][] = [
      [() => mlp({ inputDim: 5, hiddenDims: [6], outputDim: 3, batchNorm: true, seed: 1 }), [4, 5]],
      [() => convNet({ inputShape: [10, 10, 2], channels: [3, 4], outputDim: 2, seed: 2 }), [3, 10, 10, 2]],
      [() => resnet({ depth: 18, stem: 'cifar', width: 0.125, seed: 3 }), [2, 8, 8, 3]],
      [() => alexNetSmall({ inputShape: [16, 16, 1], width: 0.0625, outputDim: 4, seed: 4 }), [2, 16, 16, 1]],
      [() => byolProjectionHead({ inputDim: 4, hiddenDim: 8, outputDim: 3, seed: 5 }), [3, 4]],
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: makers.length - 1 }), fc.integer({ min: 1, max: 10_000 }), async (which, seed) => {
        const [make, shape] = makers[which]!;
        const encoder = make();
        // Train-mode passes move the batch-norm statistics away from their initial values.
        const warm = randomTensor(shape, seed);
        encoder.apply(warm, { training: true }).dispose();
        const target = path.join(dir, `prop-${which}-${seed}`);
        await saveEncoder(target, encoder);
        const loaded = await loadEncoder(target);
        expect(loaded.architecture).toBe(encoder.architecture);
        expect(loaded.config).toEqual(encoder.config);
        const x = randomTensor(shape, seed + 1);
        expect(Array.from(await outputs(loaded, x))).toEqual(Array.from(await outputs(encoder, x)));
        tf.dispose([warm, x]);
        encoder.dispose();
        loaded.dispose();
      }),
      { numRuns: 10 },
    );
  });

  it('a full ResNet-18 (CIFAR stem) round-trips bit for bit and leaks nothing', async () => {
    const encoder = resnet({ depth: 18, stem: 'cifar', seed: 7 });
    const target = path.join(dir, 'resnet18');
    await saveEncoder(target, encoder);
    const before = tf.memory().numTensors;
    const loaded = await loadEncoder(target, { architecture: 'resnet' });
    expect(tf.memory().numTensors - before).toBe(loaded.variables.length);
    const x = randomTensor([2, 32, 32, 3], 1);
    expect(Array.from(await outputs(loaded, x))).toEqual(Array.from(await outputs(encoder, x)));
    await expectNoLeak(async () => {
      const e = await loadEncoder(target);
      e.dispose();
    });
    x.dispose();
    encoder.dispose();
    loaded.dispose();
  });

  it('a momentum copy saves and loads like its online encoder', async () => {
    const online = mlp({ inputDim: 3, hiddenDims: [4], seed: 1 });
    const target = momentumCopy(online);
    await saveEncoder(path.join(dir, 'target'), target);
    const loaded = await loadEncoder(path.join(dir, 'target'));
    const x = randomTensor([2, 3], 2);
    expect(Array.from(await outputs(loaded, x))).toEqual(Array.from(await outputs(online, x)));
    x.dispose();
    for (const e of [online, target, loaded]) e.dispose();
  });

  it('a checkpoint of another architecture is a clear SelfsupError', async () => {
    const encoder = mlp({ inputDim: 3, outputDim: 2 });
    const target = path.join(dir, 'mlp');
    await saveEncoder(target, encoder);
    await expect(loadEncoder(target, { architecture: 'resnet' })).rejects.toThrow(/holds a "mlp" encoder, not the "resnet" expected/);
    const other = convNet({ inputShape: [8, 8, 1], channels: [2] });
    const error = await restoreEncoder(target, other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelfsupError);
    expect((error as SelfsupError).code).toBe('CHECKPOINT_MISMATCH');
    expect((error as SelfsupError).message).toMatch(/holds a "mlp" encoder; it cannot be restored into a "convNet"/);
    encoder.dispose();
    other.dispose();
  });

  it('restoreEncoder loads weights into an encoder of the same architecture, checking shapes', async () => {
    const a = mlp({ inputDim: 3, outputDim: 2, seed: 1 });
    const b = mlp({ inputDim: 3, outputDim: 2, seed: 2 });
    const wider = mlp({ inputDim: 4, outputDim: 2 });
    await saveEncoder(path.join(dir, 'a'), a);
    await restoreEncoder(path.join(dir, 'a'), b);
    const x = randomTensor([2, 3], 3);
    expect(Array.from(await outputs(b, x))).toEqual(Array.from(await outputs(a, x)));
    await expect(restoreEncoder(path.join(dir, 'a'), wider)).rejects.toThrow(/variable "output\/kernel" has shape \[3, 2\], the encoder expects \[4, 2\]/);
    x.dispose();
    for (const e of [a, b, wider]) e.dispose();
  });

  it('refuses checkpoints that were not written by saveEncoder, and missing ones', async () => {
    const plain = path.join(dir, 'plain');
    const v = tf.zeros([2]);
    await saveCheckpoint(plain, [{ name: 'w', tensor: v }], { step: 3 });
    v.dispose();
    await expect(loadEncoder(plain)).rejects.toThrow(/records no encoder \{ architecture, config \}; it was not written by saveEncoder/);
    await expect(loadEncoder(path.join(dir, 'nothing-here'))).rejects.toMatchObject({ code: 'CHECKPOINT_MISSING' });
    await expect(loadEncoder(plain, { architecture: 3 as unknown as string })).rejects.toThrow(/options.architecture must be an architecture name/);
  });
});
