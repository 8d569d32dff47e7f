import * as tf from '@tensorflow/tfjs-core';
import { type SSLMethod, type StepContext, createRng } from '@selfsup/tensors';
import { mlp } from '@selfsup/encoders';
import { describe, expect, it } from 'vitest';
import { barlowTwins } from './barlow-twins.js';
import { byol } from './byol.js';
import { mocoV1, mocoV2 } from './moco.js';
import { simclr } from './simclr.js';
import { simSiam } from './simsiam.js';
import { vicreg } from './vicreg.js';

// Every method built from an encoder alone: heads from @selfsup/encoders' presets, momentum copies from momentumCopy,
// views from @selfsup/augment's presets.
const encoder = () => mlp({ inputShape: [28, 28, 1], hiddenDims: [32], outputDim: 16, seed: 3 });
const ctx = (step: number): StepContext => ({ step, epoch: 0, totalSteps: 4, rng: createRng(step) });

describe('methods with default parts', () => {
  const cases: [string, () => SSLMethod, string[]][] = [
    ['simclr', () => simclr({ encoder: encoder() }), ['projector/']],
    ['moco-v1', () => mocoV1({ encoder: encoder(), queueSize: 16 }), ['projector/', 'momentum/encoder/', 'momentum/projector/', 'queue/']],
    ['moco-v2', () => mocoV2({ encoder: encoder(), queueSize: 16 }), ['projector/', 'momentum/encoder/', 'momentum/projector/', 'queue/']],
    ['byol', () => byol({ encoder: encoder() }), ['projector/', 'predictor/', 'target/encoder/', 'target/projector/']],
    ['simsiam', () => simSiam({ encoder: encoder() }), ['projector/', 'predictor/']],
    ['barlow-twins', () => barlowTwins({ encoder: encoder(), projectorDim: 64 }), ['projector/']],
    ['vicreg', () => vicreg({ encoder: encoder(), expanderDim: 64 }), ['expander/']],
  ];
  for (const [name, build, prefixes] of cases) {
    it(`${name}: builds, computes a finite loss, steps, and leaks nothing`, () => {
      const method = build();
      // method.name is the CLI's name for it (kebab-case).
      expect(method.name).toBe(name);
      expect(method.config['seed']).toBe(0);
      for (const p of prefixes) expect(method.variables.some((v) => v.name.startsWith(p)), p).toBe(true);
      const momentum = method.variables.filter((v) => /^(momentum|target|queue)\//.test(v.name));
      expect(momentum.every((v) => !v.trainable)).toBe(true);
      const images = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      for (let step = 0; step < 2; step++) {
        const trainable = method.variables.filter((v) => v.trainable).map((v) => v.variable);
        const { value, grads } = tf.variableGrads(() => method.loss({ images, indices: [] }, ctx(step)), trainable);
        expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
        tf.dispose([value, ...Object.values(grads)]);
        method.afterStep?.({ images, indices: [] }, ctx(step));
        method.metrics?.();
      }
      expect(tf.memory().numTensors).toBe(before);
      images.dispose();
      method.dispose();
    });
  }
});

describe('seeding', () => {
  it('seed is recorded in config and picks the default heads; the deprecated rng still works; both is an error', async () => {
    const first = (m: SSLMethod) => m.variables.find((v) => v.name.startsWith('projector/'))!.variable.data();
    const a = simclr({ encoder: encoder(), seed: 5 });
    const b = simclr({ encoder: encoder(), rng: createRng(5) });
    const c = simclr({ encoder: encoder() });
    expect(a.config['seed']).toBe(5);
    expect(b.config['seed']).toBeUndefined();
    expect(Array.from(await first(a))).toEqual(Array.from(await first(b)));
    expect(Array.from(await first(a))).not.toEqual(Array.from(await first(c)));
    expect(() => byol({ encoder: encoder(), seed: 1, rng: createRng(1) })).toThrow(/options.seed must be absent when rng is given/);
    expect(() => vicreg({ encoder: encoder(), seed: 0.5 })).toThrow(/options.seed/);
    for (const m of [a, b, c]) m.dispose();
  });
});
