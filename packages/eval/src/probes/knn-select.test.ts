import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SelfsupError, createRng } from '@selfsup/tensors';
import { mixture } from '../../test/helpers.js';
import { knnClassify, knnEvaluate } from './knn.js';
import { KNN_SELECT_GRID } from './knn-select.js';

/** Loop reference of leave-one-out: row i is classified by every other row (cosine, k largest, exp(sim / T) votes). */
function referenceLeaveOneOut(rows: number[][], labels: number[], k: number, t: number, c: number): number {
  const norm = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / Math.max(n, 1e-12));
  };
  const unit = rows.map(norm);
  let right = 0;
  unit.forEach((q, i) => {
    const sims = unit.flatMap((b, j) => (j === i ? [] : [{ j, s: b.reduce((acc, x, d) => acc + x * (q[d] as number), 0) }]));
    sims.sort((a, b) => b.s - a.s || a.j - b.j);
    const votes = new Array<number>(c).fill(0);
    for (const { j, s } of sims.slice(0, k)) votes[labels[j] as number] = (votes[labels[j] as number] as number) + Math.exp(s / t);
    let best = 0;
    for (let m = 1; m < c; m++) if ((votes[m] as number) > (votes[best] as number)) best = m;
    if (best === labels[i]) right += 1;
  });
  return right / rows.length;
}

describe('k-NN with select (leave-one-out choice of k and T)', () => {
  it('scores every candidate as the loop reference does, and classifies with the best (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 12, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        (seed, bankSize, bankChunkSize, queryChunkSize) => {
          const { bank, queries } = mixture({ bankSize, queries: 10, dim: 6, numClasses: 3, spread: 1.2, seed });
          const ks = [1, 3, 7, 60];
          const temperatures = [0.05, 0.5];
          const b = tf.tensor2d(bank.rows);
          const q = tf.tensor2d(queries.rows);
          const bankLabels = Int32Array.from(bank.labels);
          const before = tf.memory().numTensors;
          const chosen = knnClassify(b, bankLabels, q, { select: { ks, temperatures }, numClasses: 3, bankChunkSize, queryChunkSize });
          expect(tf.memory().numTensors).toBe(before);
          const selection = chosen.selection;
          expect(selection).toBeDefined();
          if (selection === undefined) return;
          // 60 is clamped to the bank size less one (the row itself never votes for itself).
          expect(selection.trials.map((t) => t.k)).toEqual([1, 1, 3, 3, 7, 7, bankSize - 1, bankSize - 1]);
          for (const trial of selection.trials) {
            expect(trial.top1).toBeCloseTo(referenceLeaveOneOut(bank.rows, bank.labels, trial.k, trial.temperature, 3), 10);
          }
          const best = Math.max(...selection.trials.map((t) => t.top1));
          const first = selection.trials.find((t) => t.top1 === best);
          expect([selection.k, selection.temperature, selection.top1]).toEqual([first?.k, first?.temperature, best]);
          expect([chosen.k, chosen.temperature]).toEqual([selection.k, selection.temperature]);
          // The queries are then classified exactly as with that k and T given.
          const fixed = knnClassify(b, bankLabels, q, { k: selection.k, temperature: selection.temperature, numClasses: 3 });
          expect(Array.from(chosen.predictions)).toEqual(Array.from(fixed.predictions));
          b.dispose();
          q.dispose();
        },
      ),
      { numRuns: 15 },
    );
  });

  // Two bank shapes that want opposite k: tight pairs of the same class scattered among other classes' pairs (only
  // the nearest neighbour knows the class), and two broad classes with a fifth of their labels flipped (one neighbour
  // is often a flipped label, many neighbours outvote it).
  it('chooses a small k where only the nearest neighbour knows the class, a large one under label noise', () => {
    const rng = createRng(11);
    const pairs: number[][] = [];
    const pairLabels: number[] = [];
    for (let i = 0; i < 60; i++) {
      const centre = Array.from({ length: 8 }, () => rng.normal());
      const label = i % 4;
      for (let j = 0; j < 2; j++) {
        pairs.push(centre.map((x) => x + rng.normal(0, 0.01)));
        pairLabels.push(label);
      }
    }
    const noisy: number[][] = [];
    const noisyLabels: number[] = [];
    for (let i = 0; i < 200; i++) {
      const label = i % 2;
      noisy.push([label === 0 ? 1 : -1, 0, 0].map((m) => m + rng.normal(0, 0.6)));
      noisyLabels.push(rng.uniform(0, 1) < 0.2 ? 1 - label : label);
    }
    const select = { ks: [1, 5, 25, 100], temperatures: [0.1] };
    const choose = (rows: number[][], labels: number[]) => {
      const b = tf.tensor2d(rows);
      try {
        return knnClassify(b, Int32Array.from(labels), b, { select }).selection;
      } finally {
        b.dispose();
      }
    };
    const forPairs = choose(pairs, pairLabels);
    const forNoise = choose(noisy, noisyLabels);
    expect(forPairs?.k).toBe(1);
    expect(forPairs?.top1).toBeGreaterThan(0.95);
    expect(forNoise?.k).toBeGreaterThanOrEqual(25);
    const atOne = forNoise?.trials.find((t) => t.k === 1)?.top1 ?? 1;
    expect(forNoise?.top1).toBeGreaterThan(atOne + 0.05);
  });

  it('reports the choice in the probe result; the test queries do not change it', () => {
    const { bank, queries } = mixture({ bankSize: 60, queries: 30, dim: 5, numClasses: 3, spread: 1, seed: 4 });
    const train = { features: tf.tensor2d(bank.rows), labels: Int32Array.from(bank.labels), numClasses: 3 };
    const test = { features: tf.tensor2d(queries.rows), labels: Int32Array.from(queries.labels), numClasses: 3 };
    const other = { features: tf.tensor2d(queries.rows.map((r) => r.map((x) => -x))), labels: Int32Array.from(queries.labels), numClasses: 3 };
    const result = knnEvaluate(train, test, { select: true });
    const flipped = knnEvaluate(train, other, { select: true });
    const selection = result.config['selection'] as { method: string; queries: number; trials: unknown[] };
    expect(selection.method).toBe('leave-one-out');
    expect(selection.queries).toBe(60);
    expect(selection.trials).toHaveLength(
      new Set(KNN_SELECT_GRID.ks.map((k) => Math.min(k, 59))).size * KNN_SELECT_GRID.temperatures.length,
    );
    expect(flipped.config['selection']).toEqual(result.config['selection']);
    expect([result.config['k'], result.config['temperature']]).toEqual([flipped.config['k'], flipped.config['temperature']]);
    expect(result.config['kRequested']).toBeUndefined();
    for (const set of [train, test, other]) set.features.dispose();
  });

  it('classifies a class-stratified, seeded sample of a large bank', () => {
    const { bank } = mixture({ bankSize: 300, queries: 1, dim: 4, numClasses: 3, spread: 1, seed: 9 });
    const b = tf.tensor2d(bank.rows);
    const labels = Int32Array.from(bank.labels);
    const run = (seed: number) => knnClassify(b, labels, b, { select: { ks: [5], temperatures: [0.1], queries: 90, seed } }).selection;
    const [a, again, other] = [run(0), run(0), run(1)];
    expect(a?.queries).toBeGreaterThanOrEqual(88);
    expect(a?.queries).toBeLessThanOrEqual(92);
    expect(again).toEqual(a);
    expect(other?.queries).toBe(a?.queries);
    b.dispose();
  });

  it('rejects bad selections with the argument named', () => {
    const b = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const labels = Int32Array.from([0, 1, 1]);
    const cases: [object, RegExp][] = [
      [{ select: true, k: 5 }, /options\.k must be absent when options\.select chooses it/],
      [{ select: true, temperature: 0.1 }, /options\.temperature must be absent/],
      [{ select: { ks: [] } }, /options\.select\.ks must be a non-empty array/],
      [{ select: { ks: [2, 0] } }, /options\.select\.ks\[1\]/],
      [{ select: { temperatures: [-1] } }, /options\.select\.temperatures\[0\]/],
      [{ select: { queries: 0 } }, /options\.select\.queries/],
      [{ select: { kays: [1] } }, /options\.select\.kays must be absent \(the keys are ks, temperatures, queries, seed\)/],
      [{ select: 'yes' }, /options\.select must be true, false or a grid/],
    ];
    for (const [options, message] of cases) {
      expect(() => knnClassify(b, labels, b, options)).toThrow(SelfsupError);
      expect(() => knnClassify(b, labels, b, options)).toThrow(message);
    }
    const one = tf.tensor2d([[1, 0]]);
    expect(() => knnClassify(one, Int32Array.from([0]), one, { select: true })).toThrow(/bank must be at least 2 rows/);
    expect(knnClassify(b, labels, b, { select: false, k: 1 }).selection).toBeUndefined();
    b.dispose();
    one.dispose();
  });
});
