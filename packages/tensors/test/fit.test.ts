import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { SelfsupError, fit, tensorDataset } from '../src/index.js';
import { checkpointDirectory, loadCheckpoint } from '../src/node.js';
import { randomImages, toyMethod } from './toy-method.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'selfsup-fit-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function weights(method: ReturnType<typeof toyMethod>): Promise<number[]> {
  return Array.from(await method.variables[0]!.variable.data());
}

describe('fit', () => {
  it('lowers the loss and keeps the tensor count constant from step to step over 20 steps', async () => {
    const data = tensorDataset(randomImages(64, [4, 4, 1]));
    const method = toyMethod([4, 4, 1]);
    const counts: number[] = [];
    const result = await fit(method, data, {
      batchSize: 16,
      epochs: 5,
      learningRate: 0.05,
      seed: 3,
      progress: false,
      callbacks: { onStepEnd: () => void counts.push(tf.memory().numTensors) },
    });
    expect(result.steps).toBe(20);
    expect(counts).toHaveLength(20);
    expect(new Set(counts).size).toBe(1);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]! * 0.5);
    expect(result.history[0]!.imagesPerSecond).toBeGreaterThan(0);
    method.dispose();
    data.dispose?.();
  });

  it("tells the method each step's scheduled learning rate, in loss and afterStep", async () => {
    const data = tensorDataset(randomImages(16, [4, 4, 1]));
    const toy = toyMethod([4, 4, 1]);
    const seen: { loss: (number | undefined)[]; after: (number | undefined)[] } = { loss: [], after: [] };
    const method = {
      ...toy,
      loss: (batch: Parameters<typeof toy.loss>[0], context: Parameters<typeof toy.loss>[1]) => {
        seen.loss.push(context.learningRate);
        return toy.loss(batch, context);
      },
      afterStep: (batch: Parameters<typeof toy.loss>[0], context: Parameters<typeof toy.loss>[1]) => {
        seen.after.push(context.learningRate);
        toy.afterStep?.(batch, context);
      },
    };
    const result = await fit(method, data, { batchSize: 4, epochs: 2, learningRate: 0.1, schedule: { type: 'cosine' }, progress: false });
    const lrs = result.history.map((h) => h.lr);
    // A cosine: the rates differ from step to step, so a constant cannot pass.
    expect(new Set(lrs).size).toBe(lrs.length);
    expect(seen.loss).toEqual(lrs);
    expect(seen.after).toEqual(lrs);
    toy.dispose();
    data.dispose?.();
  });

  it('is deterministic for a seed', async () => {
    const run = async (seed: number) => {
      const data = tensorDataset(randomImages(32, [4, 4, 1]));
      const method = toyMethod([4, 4, 1], 4, 1, { randomNoise: true });
      const r = await fit(method, data, { batchSize: 8, epochs: 2, seed, progress: false, optimizer: { type: 'sgd', momentum: 0.9 }, learningRate: 0.1 });
      const w = await weights(method);
      method.dispose();
      data.dispose?.();
      return { losses: r.losses, w };
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(b).toEqual(a);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('resumes from a checkpoint to exactly the weights of an uninterrupted run', async () => {
    const options = { batchSize: 8, epochs: 3, seed: 11, progress: false as const, learningRate: 0.02 };
    const full = toyMethod([4, 4, 1], 4, 1, { randomNoise: true });
    const data = tensorDataset(randomImages(40, [4, 4, 1]));
    await fit(full, data, options);
    const expected = await weights(full);

    const dir = tempDir();
    const store = checkpointDirectory(path.join(dir, 'ckpt'));
    const first = toyMethod([4, 4, 1], 4, 1, { randomNoise: true });
    const controller = new AbortController();
    const r1 = await fit(first, data, {
      ...options,
      checkpoint: { store, everySteps: 1 },
      signal: controller.signal,
      callbacks: { onStepEnd: (info) => void (info.step === 6 && controller.abort()) },
    });
    expect(r1.stoppedBy).toBe('signal');
    expect(r1.steps).toBe(7);
    // A fresh process: new method object, same seed, resume.
    const second = toyMethod([4, 4, 1], 4, 99, { randomNoise: true });
    const r2 = await fit(second, data, { ...options, checkpoint: { store, everySteps: 1 }, resume: true });
    expect(r2.resumedFromStep).toBe(7);
    expect(r2.steps).toBe(15);
    expect(await weights(second)).toEqual(expected);
    // afterStep state travels too.
    expect((await second.variables[1]!.variable.data())[0]).toBe(15);
    for (const m of [full, first, second]) m.dispose();
    data.dispose?.();
  });

  it('resumed from the checkpoint of its last step, ends with the loop state of an uninterrupted run', async () => {
    // The kill-and-resume suite found this: killed after the last step's checkpoint but before the final one.
    const options = { batchSize: 8, epochs: 2, seed: 3, progress: false as const, learningRate: 0.02 };
    const data = tensorDataset(randomImages(40, [4, 4, 1]));
    const dir = tempDir();
    const loopOf = async (name: string) => {
      const saved = await loadCheckpoint(path.join(dir, name));
      tf.dispose([...saved.tensors.values()]);
      return saved.config['loop'];
    };
    const full = toyMethod([4, 4, 1]);
    await fit(full, data, { ...options, checkpoint: { store: checkpointDirectory(path.join(dir, 'full')), everySteps: 1 } });
    const first = toyMethod([4, 4, 1]);
    const store = checkpointDirectory(path.join(dir, 'cut'));
    // everySteps 1 saves after step 10 (position 5 of 5); the abort stops the run before the epoch is closed.
    const controller = new AbortController();
    const r1 = await fit(first, data, {
      ...options,
      checkpoint: { store, everySteps: 1 },
      signal: controller.signal,
      callbacks: { onStepEnd: (info) => void (info.step === 9 && controller.abort()) },
    });
    expect(r1.steps).toBe(10);
    const second = toyMethod([4, 4, 1]);
    const r2 = await fit(second, data, { ...options, checkpoint: { store, everySteps: 1 }, resume: true });
    expect(r2.resumedFromStep).toBe(10);
    expect(r2.epochs).toBe(2);
    expect(await loopOf('cut')).toEqual(await loopOf('full'));
    for (const m of [full, first, second]) m.dispose();
    data.dispose?.();
  });

  it('stops on a non-finite loss naming the step and keeps the last good checkpoint', async () => {
    const dir = tempDir();
    const store = checkpointDirectory(path.join(dir, 'ckpt'));
    const data = tensorDataset(randomImages(32, [4, 4, 1]));
    const method = toyMethod([4, 4, 1]);
    const inner = method.loss.bind(method);
    const poisoned = { ...method, loss: (b: Parameters<typeof inner>[0], c: Parameters<typeof inner>[1]) => (c.step === 3 ? tf.tidy(() => tf.mul(inner(b, c), Number.NaN)) as tf.Scalar : inner(b, c)) };
    const before = tf.memory().numTensors;
    await expect(fit(poisoned, data, { batchSize: 8, epochs: 2, progress: false, checkpoint: { store, everySteps: 1 } })).rejects.toThrow(
      /loss is NaN at step 3/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const saved = await loadCheckpoint(path.join(dir, 'ckpt'));
    expect((saved.config['loop'] as { step: number }).step).toBe(3);
    tf.dispose([...saved.tensors.values()]);
    method.dispose();
    data.dispose?.();
  });

  it('rejects bad options with the option named', async () => {
    const data = tensorDataset(randomImages(8, [4, 4, 1]));
    const method = toyMethod([4, 4, 1]);
    await expect(fit(method, data, { batchSize: 0 })).rejects.toThrow(/options.batchSize must be an integer >= 1; got 0/);
    await expect(fit(method, data, { batchSize: 16 })).rejects.toThrow(/options.batchSize must be at most the dataset size \(8\)/);
    await expect(fit(method, data, { batchSize: 4, learningRate: -1 })).rejects.toThrow(SelfsupError);
    await expect(fit({} as never, data, { batchSize: 4 })).rejects.toThrow(/method must be an SSLMethod/);
    method.dispose();
    data.dispose?.();
  });

  it('honours maxSteps and the time budget', async () => {
    const data = tensorDataset(randomImages(32, [4, 4, 1]));
    const method = toyMethod([4, 4, 1]);
    const r = await fit(method, data, { batchSize: 8, epochs: 10, maxSteps: 5, progress: false });
    expect(r.steps).toBe(5);
    expect(r.stoppedBy).toBe('maxSteps');
    const t = await fit(method, data, { batchSize: 8, epochs: 1000, timeBudgetSeconds: 0.2, progress: false });
    expect(t.stoppedBy).toBe('timeBudget');
    // A CPU budget counts only this process's CPU time: at least the budget of CPU time has passed when it stops.
    const cpu0 = process.cpuUsage();
    const c = await fit(method, data, { batchSize: 8, epochs: 1000, timeBudgetSeconds: 0.2, timeBudgetClock: 'cpu', progress: false });
    const cpu = process.cpuUsage(cpu0);
    expect(c.stoppedBy).toBe('timeBudget');
    expect((cpu.user + cpu.system) / 1e6).toBeGreaterThanOrEqual(0.2);
    await expect(fit(method, data, { batchSize: 8, timeBudgetSeconds: 1, timeBudgetClock: 'gpu' as never })).rejects.toThrow(
      /options.timeBudgetClock must be "wall" or "cpu"; got "?gpu/,
    );
    // Callbacks (an online monitor) count toward the budget unless timeBudgetExcludesCallbacks is set.
    // The budget (1 s) is far above three toy steps even on a loaded machine, and below one callback (1.1 s).
    const slow = { onStepEnd: () => new Promise<void>((resolve) => setTimeout(resolve, 1100)) };
    const counted = await fit(method, data, { batchSize: 8, epochs: 10, maxSteps: 3, timeBudgetSeconds: 1, callbacks: slow, progress: false });
    expect([counted.steps, counted.stoppedBy]).toEqual([1, 'timeBudget']);
    const excluded = await fit(method, data, {
      batchSize: 8,
      epochs: 10,
      maxSteps: 3,
      timeBudgetSeconds: 1,
      timeBudgetExcludesCallbacks: true,
      callbacks: slow,
      progress: false,
    });
    expect([excluded.steps, excluded.stoppedBy]).toEqual([3, 'maxSteps']);
    expect(excluded.seconds).toBeGreaterThanOrEqual(3.3); // wall time, callbacks included
    await expect(fit(method, data, { batchSize: 8, timeBudgetExcludesCallbacks: 'yes' as never })).rejects.toThrow(
      /options.timeBudgetExcludesCallbacks must be a boolean; got "?yes/,
    );
    method.dispose();
    data.dispose?.();
  }, 30_000);
});
