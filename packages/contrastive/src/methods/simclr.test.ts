import * as tf from '@tensorflow/tfjs-core';
import { createRng, fit } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { fewDigits, headTail } from '../../test/data.js';
import { tinyEncoder, tinyHead } from '../../test/tiny-encoder.js';
import { shiftAndNoise } from '../../test/views.js';
import { multiView } from '@selfsup/augment';
import { multiViewNtXent } from '../losses/multi-view-nt-xent.js';
import { simclr } from './simclr.js';

describe('simclr', () => {
  it('trains on MNIST digits without NaN and with falling loss; its encoder is the one given', async () => {
    const data = fewDigits(128);
    const encoder = tinyEncoder([28, 28, 1], 16);
    const method = simclr({ encoder, projectionHead: tinyHead(16, 8), views: shiftAndNoise() });
    expect(method.encoder).toBe(encoder);
    expect(method.variables.every((v) => v.trainable)).toBe(true);
    expect(method.variables.map((v) => v.name)).toContain('projector/dense2/kernel');
    const before = tf.memory().numTensors;
    const result = await fit(method, data, { batchSize: 32, epochs: 8, learningRate: 3e-3, seed: 1, progress: false });
    expect(result.losses.every(Number.isFinite)).toBe(true);
    const { head, tail } = headTail(result.losses);
    expect(tail).toBeLessThan(head);
    expect(method.metrics?.()['positiveCosine']).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    method.dispose();
    data.dispose?.();
  });

  it('draws its views from the step rng: same seed, same loss', () => {
    const method = simclr({ encoder: tinyEncoder([28, 28, 1], 8), projectionHead: tinyHead(8, 4), views: shiftAndNoise() });
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const at = (seed: number) => {
      const l = method.loss({ images, indices: [0, 1, 2, 3] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(seed) });
      const v = l.dataSync()[0]!;
      l.dispose();
      return v;
    };
    expect(at(5)).toBe(at(5));
    expect(at(5)).not.toBe(at(6));
    images.dispose();
    method.dispose();
  });

  it('defaults to SimCLR views from @selfsup/augment, sized by the encoder', () => {
    const method = simclr({ encoder: tinyEncoder([28, 28, 1], 8), projectionHead: tinyHead(8, 4) });
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const loss = method.loss({ images, indices: [0, 1, 2, 3] }, { step: 0, epoch: 0, totalSteps: 1, rng: createRng(1) });
    expect(Number.isFinite(loss.dataSync()[0]!)).toBe(true);
    tf.dispose([loss, images]);
    method.dispose();
    const anySize = { ...tinyEncoder([28, 28, 1], 8), inputShape: [-1, -1, 1] };
    expect(() => simclr({ encoder: anySize, projectionHead: tinyHead(8, 4) })).toThrow(/options.views must be given explicitly/);
    anySize.dispose();
  });

  it('with small views, is multi-view NT-Xent over the two views and the small ones, drawn after them from the step rng', () => {
    const encoder = tinyEncoder([28, 28, 1], 8);
    const head = tinyHead(8, 4);
    const views = shiftAndNoise();
    const images = tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const context = (seed: number) => ({ step: 0, epoch: 0, totalSteps: 1, rng: createRng(seed) });
    const plain = simclr({ encoder, projectionHead: head, views, temperature: 0.3 });
    const none = simclr({ encoder, projectionHead: head, views, temperature: 0.3, smallViews: { views, count: 0 } });
    const multi = simclr({ encoder, projectionHead: head, views, temperature: 0.3, smallViews: { views, count: 2 } });
    expect(none.config).toEqual(plain.config);
    expect(multi.config['smallViews']).toBe(2);
    const value = (method: typeof plain) => {
      const l = method.loss({ images, indices: [0, 1, 2, 3, 4] }, context(4));
      const v = l.dataSync()[0]!;
      l.dispose();
      return v;
    };
    // Count 0 is plain SimCLR, bit for bit.
    expect(value(none)).toBe(value(plain));
    // The reference: the two views, then two more from the same rng, each embedded (no batch norm in the tiny nets).
    const expected = tf.tidy(() => {
      const rng = createRng(4);
      const all = [...multiView([views, views])(images, rng), ...multiView(views, 2)(images, rng)];
      return multiViewNtXent(all.map((v) => head.apply(encoder.apply(v))) as tf.Tensor2D[], { temperature: 0.3 }).dataSync()[0]!;
    });
    expect(value(multi)).toBeCloseTo(expected, 5);
    const before = tf.memory().numTensors;
    value(multi);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(images);
    multi.dispose();
  });

  it('rejects bad options by name', () => {
    const encoder = tinyEncoder([28, 28, 1], 8);
    expect(() => simclr({ encoder, projectionHead: tinyHead(9, 4), views: shiftAndNoise() })).toThrow(/options.projectionHead must be a head taking 8 inputs/);
    expect(() => simclr({ encoder, projectionHead: tinyHead(8, 4), views: 3 as never })).toThrow(/options.views must be a view function/);
    expect(() => simclr({ encoder, projectionHead: tinyHead(8, 4), views: shiftAndNoise(), temperature: 0 })).toThrow(/options.temperature must be a finite number > 0/);
    expect(() => simclr({ encoder, projectionHead: tinyHead(8, 4), smallViews: { views: shiftAndNoise(), count: 1.5 } })).toThrow(/options.smallViews.count must be an integer/);
    expect(() => simclr({ encoder, projectionHead: tinyHead(8, 4), smallViews: { views: 'crop' as never, count: 2 } })).toThrow(/options.smallViews.views must be a view function/);
    expect(() => simclr({ encoder, projectionHead: tinyHead(8, 4), smallViews: 2 as never })).toThrow(/options.smallViews must be an object/);
    encoder.dispose();
  });
});
