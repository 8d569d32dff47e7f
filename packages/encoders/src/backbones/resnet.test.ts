import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '@selfsup/tensors';
import { SelfsupError, countParameters } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectNoLeak, onBackends } from '@selfsup/test-utils';
import { onTrainingBackend, randomTensor, variablesWithoutGradient } from '../../test/helpers.js';
import { withoutInitialisation } from '../init.js';
import { dense } from '../layers/dense.js';
import { resnet } from './resnet.js';

describe('resnet', () => {
  it('ResNet-18 with the CIFAR stem and a 10-way classifier has 11,173,962 parameters (torchvision, 3x3 stem)', () => {
    // Counts do not depend on the values: skip drawing 11M initial weights.
    const encoder = withoutInitialisation(() => resnet({ depth: 18, stem: 'cifar' }));
    const classifier = dense({ inputDim: encoder.outputDim, outputDim: 10 });
    expect(encoder.outputDim).toBe(512);
    expect(countParameters(encoder) + countParameters(classifier)).toBe(11_173_962);
    // 20 convs and 20 batch norms (4 variables each, 2 of them running statistics).
    expect(encoder.variables.length).toBe(100);
    expect(encoder.variables.filter((v) => !v.trainable).length).toBe(40);
    encoder.dispose();
    classifier.dispose();
  });

  it('matches torchvision counts with the ImageNet stem: ResNet-18 11,689,512 and ResNet-34 21,797,672 with a 1000-way fc', () => {
    for (const [depth, total] of [
      [18, 11_689_512],
      [34, 21_797_672],
    ] as const) {
      const encoder = withoutInitialisation(() => resnet({ depth, stem: 'imagenet', width: 1 }));
      expect(countParameters(encoder) + 512 * 1000 + 1000).toBe(total);
      encoder.dispose();
    }
  });

  it('names variables after torchvision and scales channels with width', () => {
    const encoder = resnet({ depth: 18, stem: 'cifar', width: 0.5 });
    const names = encoder.variables.map((v) => v.name);
    expect(names.slice(0, 4)).toEqual(['stem/conv/kernel', 'stem/bn/gamma', 'stem/bn/beta', 'stem/bn/runningMean']);
    expect(names).toContain('layer2/0/downsample/conv/kernel');
    expect(names).toContain('layer4/1/bn2/runningVar');
    expect(names).not.toContain('layer1/0/downsample/conv/kernel');
    expect(encoder.outputDim).toBe(256);
    expect(encoder.variables.find((v) => v.name === 'layer4/1/conv2/kernel')!.variable.shape).toEqual([3, 3, 256, 256]);
    expect(encoder.config).toEqual({ depth: 18, stem: 'cifar', width: 0.5, inputShape: [-1, -1, 3], zeroInitResidual: false });
    encoder.dispose();
  });

  it('outputs [N, 512 * width] for any batch size and image size, with both stems, in both modes', async () => {
    const encoders = {
      cifar: resnet({ depth: 18, stem: 'cifar', width: 0.125, seed: 1 }),
      imagenet: resnet({ depth: 18, stem: 'imagenet', width: 0.125, seed: 2 }),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'cifar' | 'imagenet'>('cifar', 'imagenet'),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 4, max: 24 }),
        fc.integer({ min: 4, max: 24 }),
        fc.boolean(),
        async (stem, n, h, w, training) => {
          const x = randomTensor([n, h, w, 3], n * h * w);
          // Training-mode batch norm needs 2+ values per channel at the last stage.
          const lastSide = (s: number) => Math.ceil(s / (stem === 'cifar' ? 8 : 32));
          const trainOk = n * lastSide(h) * lastSide(w) >= 2;
          const y = encoders[stem].apply(x, { training: training && trainOk });
          expect(y.shape).toEqual([n, 64]);
          expect((await y.data()).every(Number.isFinite)).toBe(true);
          tf.dispose([x, y]);
        },
      ),
      { numRuns: 20 },
    );
    encoders.cifar.dispose();
    encoders.imagenet.dispose();
  });

  it('with a fixed inputShape rejects other sizes, and always rejects wrong rank, channels, dtype, empty batch', () => {
    const fixed = resnet({ depth: 18, stem: 'cifar', width: 0.125, inputShape: [32, 32, 3] });
    const bad: [tf.Tensor, RegExp][] = [
      [tf.zeros([2, 28, 28, 3]), /inputs must be a float32 batch for resnet of shape \[N, 32, 32, 3\]; got a float32 tensor of shape \[2, 28, 28, 3\]/],
      [tf.zeros([2, 32, 32, 1]), /of shape \[N, 32, 32, 3\]; got a float32 tensor of shape \[2, 32, 32, 1\]/],
      [tf.zeros([32, 32, 3]), /\(rank 4\); got a float32 tensor of shape \[32, 32, 3\]/],
      [tf.zeros([2, 32, 32, 3], 'int32'), /\(dtype float32\)/],
      [tf.zeros([0, 32, 32, 3]), /with N >= 1/],
    ];
    for (const [x, message] of bad) {
      expect(() => fixed.apply(x)).toThrow(SelfsupError);
      expect(() => fixed.apply(x)).toThrow(message);
      x.dispose();
    }
    const any = resnet({ depth: 18, stem: 'cifar', width: 0.125 });
    const gray = tf.zeros([1, 8, 8, 1]);
    expect(() => any.apply(gray)).toThrow(/of shape \[N, \*, \*, 3\]/);
    gray.dispose();
    fixed.dispose();
    any.dispose();
  });

  it('rejects bad options', () => {
    expect(() => resnet({ depth: 50 as 18, stem: 'cifar' })).toThrow(/options.depth must be one of 18, 34; got 50/);
    expect(() => resnet({ depth: 18, stem: 'tiny' as 'cifar' })).toThrow(/options.stem must be one of "cifar", "imagenet"/);
    expect(() => resnet({ depth: 18, stem: 'cifar', width: 0.3 })).toThrow(/options.width/);
    expect(() => resnet({ depth: 18, stem: 'cifar', inputShape: [32, 32, 0] })).toThrow(/options.inputShape/);
  });

  it('the same seed gives the same weights and outputs; another seed does not', async () => {
    const x = randomTensor([2, 8, 8, 3], 1);
    const outputs = await Promise.all(
      [3, 3, 4].map(async (seed) => {
        const e = resnet({ depth: 18, stem: 'cifar', width: 0.125, seed });
        const y = e.apply(x);
        const data = Array.from(await y.data());
        y.dispose();
        e.dispose();
        return data;
      }),
    );
    expect(outputs[0]).toEqual(outputs[1]);
    expect(outputs[0]).not.toEqual(outputs[2]);
    x.dispose();
  });

  it('batch norm: training mode depends on the batch and updates statistics; inference does neither', async () => {
    const e = resnet({ depth: 18, stem: 'cifar', width: 0.125, seed: 5 });
    const a = randomTensor([2, 8, 8, 3], 11);
    const b = randomTensor([2, 8, 8, 3], 12);
    const first = (t: tf.Tensor) => tf.slice(t, [0, 0], [1, -1]);
    const inBatch = (other: tf.Tensor, training: boolean) =>
      tf.tidy(() => first(e.apply(tf.concat([tf.slice(a, [0], [1]), tf.slice(other, [1], [1])]), { training })));
    const stat = () => e.variables.find((v) => v.name === 'layer1/0/bn1/runningMean')!.variable.data();
    const before = Array.from(await stat());
    const [i1, i2] = [inBatch(a, false), inBatch(b, false)];
    expect(Array.from(await i1.data())).toEqual(Array.from(await i2.data()));
    expect(Array.from(await stat())).toEqual(before);
    const [t1, t2] = [inBatch(a, true), inBatch(b, true)];
    expect(Array.from(await t1.data())).not.toEqual(Array.from(await t2.data()));
    expect(Array.from(await stat())).not.toEqual(before);
    tf.dispose([a, b, i1, i2, t1, t2]);
    e.dispose();
  });

  it('every trainable variable gets a finite, non-zero gradient in training mode', async () => {
    await onTrainingBackend(async () => {
      for (const stem of ['cifar', 'imagenet'] as const) {
        const e = resnet({ depth: 18, stem, width: 0.125, seed: 6 });
        const x = randomTensor([2, stem === 'cifar' ? 8 : 32, stem === 'cifar' ? 8 : 32, 3], 13);
        const w = randomTensor([2, e.outputDim], 14);
        const bad = await variablesWithoutGradient(e.variables, () => tf.sum(tf.mul(e.apply(x, { training: true }), w)) as tf.Scalar);
        expect(bad).toEqual([]);
        tf.dispose([x, w]);
        e.dispose();
      }
    });
  });

  it('gradients on the default backend match the stock cpu backend', async () => {
    const gradients = await onBackends(['cpu', tf.getBackend() as BackendName], async () => {
      const e = resnet({ depth: 18, stem: 'imagenet', width: 0.125, seed: 8 });
      const x = randomTensor([2, 40, 40, 3], 15);
      const w = randomTensor([2, e.outputDim], 16);
      const trainable = e.variables.filter((v) => v.trainable);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(e.apply(x, { training: true }), w)) as tf.Scalar, trainable.map((v) => v.variable));
      const out = new Map<string, Float32Array>();
      for (const v of trainable) out.set(v.name, (await grads[v.variable.name]!.data()) as Float32Array);
      tf.dispose([x, w, value, ...Object.values(grads)]);
      e.dispose();
      return out;
    });
    const [cpu, other] = gradients as [Map<string, Float32Array>, Map<string, Float32Array>];
    expect([...other.keys()]).toEqual([...cpu.keys()]);
    for (const [name, g] of cpu) {
      const scale = Math.max(...Array.from(g).map(Math.abs));
      const diff = Math.max(...Array.from(g).map((v, i) => Math.abs(v - other.get(name)![i]!)));
      expect(diff, name).toBeLessThanOrEqual(1e-3 * (1 + scale));
    }
  });

  it('zeroInitResidual starts every block\'s last batch-norm scale at 0', async () => {
    const e = resnet({ depth: 18, stem: 'cifar', width: 0.125, zeroInitResidual: true });
    const gammas = e.variables.filter((v) => /bn2\/gamma$/.test(v.name));
    expect(gammas.length).toBe(8);
    for (const g of gammas) expect((await g.variable.data()).every((v) => v === 0)).toBe(true);
    e.dispose();
  });

  it('a full-width ResNet-18 embeds a 32x32 batch; no tensors leak', async () => {
    const e = resnet({ depth: 18, stem: 'cifar', seed: 1 });
    const x = randomTensor([2, 32, 32, 3], 1);
    await expectNoLeak(() => e.apply(x));
    await expectNoLeak(() => e.apply(x, { training: true }));
    const y = e.apply(x);
    expect(y.shape).toEqual([2, 512]);
    tf.dispose([x, y]);
    e.dispose();
  });
});
