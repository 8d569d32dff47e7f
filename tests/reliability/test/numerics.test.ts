import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { mlp } from '@selfsup/encoders';
import { runCli } from '@selfsup/cli';
import { type Batch, type ImageDataset, type SSLMethod, SelfsupError, fit, namedVariable, tensorDataset } from '@selfsup/tensors';
import { checkpointDirectory, loadCheckpoint } from '@selfsup/tensors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIdxDataset } from '../src/fixtures.js';

/**
 * Numerical guards: a NaN or infinite loss stops the run naming the step, before that step's update, with the last
 * good checkpoint kept; gradient clipping bounds the update; training runs in float32 throughout (nothing lowers
 * precision silently).
 */

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-numerics-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A method around a tiny MLP: loss = scale * mean(f(x)^2), poisoned with `poison` at step `poisonAt`. */
function toyMethod(options: { poisonAt?: number; poison?: number; scale?: number; lossDtype?: 'int32' } = {}): SSLMethod {
  const encoder = mlp({ inputShape: [4, 4, 1], hiddenDims: [8], outputDim: 4, seed: 3 });
  return {
    name: 'toy',
    encoder,
    config: {},
    variables: encoder.variables,
    loss(batch: Batch, context) {
      return tf.tidy(() => {
        let loss = tf.mul(tf.mean(tf.square(encoder.apply(batch.images, { training: true }))), options.scale ?? 1) as tf.Scalar;
        if (context.step === options.poisonAt) loss = tf.mul(loss, options.poison ?? Number.NaN) as tf.Scalar;
        if (options.lossDtype === 'int32') return tf.cast(loss, 'int32') as tf.Scalar;
        return loss;
      });
    },
    dispose: () => encoder.dispose(),
  };
}

function toyData(n = 32): ImageDataset {
  return tensorDataset(tf.randomUniform([n, 4, 4, 1], 0, 1, 'float32', 9) as tf.Tensor4D);
}

async function values(method: SSLMethod): Promise<Float32Array[]> {
  return Promise.all(method.variables.map(async (v) => Float32Array.from(await v.variable.data())));
}

describe('a non-finite loss stops the run', () => {
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('%s at step 5: error names the step, no update applied, last good checkpoint (step 5) kept', async (label, poison) => {
    const dir = path.join(tmp, `nan-${label}`);
    const method = toyMethod({ poisonAt: 5, poison });
    const data = toyData();
    const tensorsBefore = tf.memory().numTensors;
    let afterStep4: Float32Array[] = [];
    const error = await fit(method, data, {
      batchSize: 4,
      epochs: 2,
      progress: false,
      checkpoint: { store: checkpointDirectory(dir), everySteps: 1 },
      callbacks: {
        async onStepEnd(info) {
          if (info.step === 4) afterStep4 = await values(method);
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelfsupError);
    expect((error as SelfsupError).code).toBe('NON_FINITE_LOSS');
    expect((error as SelfsupError).message).toMatch(new RegExp(`loss is ${label.replace('+', '')} at step 5 \\(epoch 0\\); training stopped before applying it, the last checkpoint is kept`));
    expect((error as SelfsupError).details['step']).toBe(5);
    // No update from the bad step: the weights are those after step 4, finite.
    const now = await values(method);
    now.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(afterStep4[i] as Float32Array)));
    // The checkpoint on disk is the last good one: 5 steps done, the same weights.
    const { config, tensors } = await loadCheckpoint(dir);
    expect((config['loop'] as { step: number }).step).toBe(5);
    for (const [i, v] of method.variables.entries()) {
      const saved = tensors.get(v.name) as tf.Tensor;
      expect(Array.from(await saved.data())).toEqual(Array.from(afterStep4[i] as Float32Array));
    }
    tf.dispose([...tensors.values()]);
    // Nothing leaked by the stop (the optimizer's state is released too).
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    method.dispose();
    data.dispose?.();
  });

  it('an update that overflows (finite loss and gradients, infinite weights) stops the run; no such checkpoint is written', async () => {
    const dir = path.join(tmp, 'overflow');
    // loss = c * sum(w): the gradient is c, finite; c = 0 until step 3, then 1e30, and lr 1e10 pushes w past float32.
    const encoder = mlp({ inputShape: [4, 4, 1], outputDim: 2, seed: 1 });
    const w = namedVariable('w', tf.ones([4]));
    const method: SSLMethod = {
      name: 'linear',
      encoder,
      config: {},
      variables: [w],
      loss: (_batch, context) => tf.tidy(() => tf.mul(tf.sum(w.variable), context.step === 3 ? 1e30 : 0) as tf.Scalar),
      dispose: () => {
        encoder.dispose();
        w.variable.dispose();
      },
    };
    const data = toyData();
    const error = await fit(method, data, {
      batchSize: 4,
      progress: false,
      optimizer: { type: 'sgd', momentum: 0 },
      learningRate: 1e10,
      schedule: { type: 'constant' },
      checkpoint: { store: checkpointDirectory(dir), everySteps: 1 },
    }).catch((e: unknown) => e);
    expect((error as SelfsupError).code).toBe('NON_FINITE_LOSS');
    expect((error as Error).message).toMatch(/the weights are not finite after the update of step 3 \(epoch 0\); training stopped, the last checkpoint \(with finite weights\) is kept/);
    const { config, tensors } = await loadCheckpoint(dir);
    expect((config['loop'] as { step: number }).step).toBe(3);
    for (const t of tensors.values()) expect(tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0])).toBe(1);
    tf.dispose([...tensors.values()]);
    method.dispose();
    data.dispose?.();
  });

  it('selfsup pretrain: a diverging run (--lr 1e30) stops naming the step, and the last good checkpoint is kept', async () => {
    const dir = path.join(tmp, 'idx-diverge');
    await writeIdxDataset(dir, { n: 32, size: 8 });
    const out = path.join(tmp, 'nan-run');
    const err: string[] = [];
    const code = await runCli(
      ['pretrain', '--method', 'simclr', '--arch', 'mlp', '--data', `idx:${dir}`, '--batch-size', '4', '--epochs', '2', '--checkpoint-every', '1', '--lr', '1e30', '--out', out, '--quiet'],
      { stdout: () => undefined, stderr: (t) => err.push(t) },
    );
    expect(code).toBe(1);
    // With a learning rate of 1e30 the first update overflows: the next step sees non-finite gradients and stops.
    const match = /the gradients are not finite \(loss [^)]*\) at step (\d+) \(epoch 0\); training stopped before applying it, the last checkpoint is kept/.exec(err.join(''));
    expect(match, err.join('')).not.toBeNull();
    const step = Number(match?.[1]);
    expect(step).toBeGreaterThan(0);
    const { config, tensors } = await loadCheckpoint(path.join(out, 'checkpoint'));
    expect((config['loop'] as { step: number }).step).toBe(step);
    const nonFinite = [...tensors.entries()].filter(([, t]) => t.dtype === 'float32' && tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]) !== 1);
    expect(nonFinite.map(([name]) => name), err.join('')).toEqual([]);
    tf.dispose([...tensors.values()]);
  });
});

describe('gradient clipping', () => {
  it('bounds the global norm of the update (SGD, lr 1: the update is the clipped gradient)', async () => {
    const run = async (clip: number | undefined) => {
      const method = toyMethod({ scale: 1e6 });
      const data = toyData(8);
      const before = await values(method);
      await fit(method, data, {
        batchSize: 8,
        maxSteps: 1,
        progress: false,
        optimizer: { type: 'sgd', momentum: 0 },
        learningRate: 1,
        schedule: { type: 'constant' },
        ...(clip !== undefined ? { gradientClipNorm: clip } : {}),
      });
      const after = await values(method);
      let sq = 0;
      after.forEach((v, i) => v.forEach((x, j) => (sq += (x - ((before[i] as Float32Array)[j] as number)) ** 2)));
      method.dispose();
      data.dispose?.();
      return Math.sqrt(sq);
    };
    const unclipped = await run(undefined);
    expect(unclipped).toBeGreaterThan(1000);
    const clipped = await run(0.5);
    expect(clipped).toBeCloseTo(0.5, 3);
  });

  it('is a CLI option (--gradient-clip), checked like every other', async () => {
    const dir = path.join(tmp, 'idx-clip');
    await writeIdxDataset(dir, { n: 16, size: 8 });
    const base = ['pretrain', '--method', 'simclr', '--arch', 'mlp', '--data', `idx:${dir}`, '--batch-size', '8', '--out', path.join(tmp, 'clip-run'), '--quiet'];
    const io = () => {
      const err: string[] = [];
      return { err, io: { stdout: () => undefined, stderr: (t: string) => err.push(t) } };
    };
    const ok = io();
    expect(await runCli([...base, '--gradient-clip', '1.5'], ok.io)).toBe(0);
    const log = JSON.parse(await fs.readFile(path.join(tmp, 'clip-run', 'log.json'), 'utf8')) as { history: unknown[] };
    expect(log.history).toHaveLength(2);
    for (const bad of ['0', '-1', 'abc', 'NaN']) {
      const b = io();
      expect(await runCli([...base, '--gradient-clip', bad], b.io)).toBe(2);
      expect(b.err.join('')).toMatch(/--gradient-clip .*expected a number > 0/);
    }
  });
});

describe('full precision throughout', () => {
  it('every variable, optimizer slot, batch and loss of a run is float32', async () => {
    const method = toyMethod();
    const data = toyData();
    const dtypes = new Set<string>();
    await fit(method, data, {
      batchSize: 4,
      maxSteps: 3,
      progress: false,
      callbacks: {
        onStepEnd() {
          for (const v of method.variables) dtypes.add(v.variable.dtype);
        },
      },
    });
    expect([...dtypes]).toEqual(['float32']);
    method.dispose();
    data.dispose?.();
  });

  it('refuses a lower-precision or integer loss, trainable variable or batch instead of training on it', async () => {
    const data = toyData();
    const intLoss = toyMethod({ lossDtype: 'int32' });
    const e1 = await fit(intLoss, data, { batchSize: 4, maxSteps: 1, progress: false }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(SelfsupError);
    expect((e1 as Error).message).toMatch(/toy loss must be a float32 scalar; got a int32 tensor/);
    intLoss.dispose();

    const intVariable = toyMethod();
    const counter = namedVariable('counter', tf.scalar(0, 'int32'));
    const withInt: SSLMethod = { ...intVariable, variables: [...intVariable.variables, counter] };
    const e2 = await fit(withInt, data, { batchSize: 4, maxSteps: 1, progress: false }).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/method variable "counter" must be float32/);
    counter.variable.dispose();

    const intImages: ImageDataset = {
      ...data,
      name: 'int-images',
      async getBatch(indices) {
        return { images: tf.zeros([indices.length, 4, 4, 1], 'int32') as tf.Tensor4D, indices };
      },
    };
    const before = tf.memory().numTensors;
    const e3 = await fit(intVariable, intImages, { batchSize: 4, maxSteps: 2, progress: false }).catch((e: unknown) => e);
    expect((e3 as SelfsupError).code).toBe('BAD_DATA');
    expect((e3 as Error).message).toMatch(/int-images: batch images must be float32 .*; got int32/);
    expect(tf.memory().numTensors).toBe(before);
    intVariable.dispose();
    data.dispose?.();
  });
});
