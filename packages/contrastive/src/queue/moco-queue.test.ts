import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import { restoreVariables, saveCheckpoint } from '@selfsup/tensors/node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MocoQueue } from './moco-queue.js';

/** A [b, d] batch whose every entry is its batch's id (so rows say which batch they came from). */
const tagged = (id: number, b: number, d: number) => tf.fill([b, d], id) as tf.Tensor2D;
const rowTags = (t: tf.Tensor2D) => (t.arraySync() as number[][]).map((r) => r[0]!);

describe('MocoQueue', () => {
  it('starts with K random unit keys, non-trainable variables, pointer 0', () => {
    const q = new MocoQueue({ size: 8, dim: 4, rng: createRng(1) });
    expect(q.keys().shape).toEqual([8, 4]);
    const norms = tf.tidy(() => Array.from(tf.norm(q.keys(), 2, 1).dataSync()));
    norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
    expect(q.pointer).toBe(0);
    expect(q.variables.map((v) => [v.name, v.trainable])).toEqual([
      ['queue/keys', false],
      ['queue/pointer', false],
    ]);
    const same = new MocoQueue({ size: 8, dim: 4, rng: createRng(1) });
    expect(same.keys().arraySync()).toEqual(q.keys().arraySync());
    q.dispose();
    same.dispose();
  });

  it('keeps exactly K keys and drops the oldest first (FIFO), for any batch size dividing K', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 12 }), (b, batchesInQueue, pushes) => {
        const k = b * batchesInQueue;
        const q = new MocoQueue({ size: k, dim: 3, rng: createRng(0), batchSize: b });
        const before = tf.memory().numTensors;
        for (let id = 1; id <= pushes; id++) {
          const keys = tagged(id, b, 3);
          q.enqueue(keys);
          keys.dispose();
        }
        expect(tf.memory().numTensors).toBe(before);
        expect(q.keys().shape).toEqual([k, 3]);
        expect(q.pointer).toBe((pushes * b) % k);
        // Oldest first: the last batchesInQueue pushes (or fewer, behind the initial random keys), in push order.
        const ordered = q.oldestFirst();
        const tags = rowTags(ordered);
        ordered.dispose();
        const kept = Math.min(pushes, batchesInQueue);
        const expected = Array.from({ length: kept }, (_, i) => pushes - kept + 1 + i).flatMap((id) => Array<number>(b).fill(id));
        expect(tags.slice(k - kept * b)).toEqual(expected);
        // The untouched rows are still the initial unit keys (not integer tags).
        for (const t of tags.slice(0, k - kept * b)) expect(Math.abs(t)).toBeLessThanOrEqual(1);
        q.dispose();
      }),
      { numRuns: 40 },
    );
  });

  it('overwrites rows in place at the pointer', () => {
    const q = new MocoQueue({ size: 6, dim: 2, rng: createRng(3) });
    for (const id of [1, 2, 3, 4]) {
      const keys = tagged(id, 2, 2);
      q.enqueue(keys);
      keys.dispose();
    }
    expect(rowTags(q.keys())).toEqual([4, 4, 2, 2, 3, 3]);
    expect(q.pointer).toBe(2);
    q.dispose();
  });

  it('enforces K % batch == 0 and the key width', () => {
    expect(() => new MocoQueue({ size: 10, dim: 4, rng: createRng(0), batchSize: 4 })).toThrow(/options.size must be a multiple of options.batchSize \(4\); got 10/);
    const q = new MocoQueue({ size: 10, dim: 4, rng: createRng(0) });
    const bad = tf.zeros([4, 4]) as tf.Tensor2D;
    expect(() => q.enqueue(bad)).toThrow(/keys must be a batch whose size divides the queue size 10/);
    const narrow = tf.zeros([5, 3]) as tf.Tensor2D;
    expect(() => q.enqueue(narrow)).toThrow(/keys must be a tensor of shape \[\*, 4\]/);
    expect(() => new MocoQueue({ size: 0, dim: 4, rng: createRng(0) })).toThrow(/options.size must be an integer >= 1; got 0/);
    expect(() => new MocoQueue({ size: 4, dim: 4, seed: 1, rng: createRng(1) })).toThrow(/options.seed must be absent when rng is given/);
    const seeded = new MocoQueue({ size: 4, dim: 4, seed: 1 });
    const fromRng = new MocoQueue({ size: 4, dim: 4, rng: createRng(1) });
    expect(Array.from(seeded.keys().dataSync())).toEqual(Array.from(fromRng.keys().dataSync()));
    seeded.dispose();
    fromRng.dispose();
    tf.dispose([bad, narrow]);
    q.dispose();
  });

  it('round-trips through a checkpoint (keys and pointer)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moco-queue-'));
    try {
      const q = new MocoQueue({ size: 4, dim: 2, rng: createRng(5) });
      const keys = tagged(7, 2, 2);
      q.enqueue(keys);
      keys.dispose();
      await saveCheckpoint(join(dir, 'ckpt'), q.variables);
      const restored = new MocoQueue({ size: 4, dim: 2, rng: createRng(6) });
      await restoreVariables(join(dir, 'ckpt'), restored.variables);
      expect(restored.pointer).toBe(2);
      expect(restored.keys().arraySync()).toEqual(q.keys().arraySync());
      q.dispose();
      restored.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
