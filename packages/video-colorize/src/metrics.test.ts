import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { boundaryF, boundaryMap, boundaryScore, boundaryTolerance, evaluateSegmentation, regionSimilarity } from './metrics.js';

/** A mask from rows of '.' (background) and '#' (foreground). */
function mask(rows: string[]) {
  return { height: rows.length, width: rows[0]!.length, data: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)) };
}

describe('region similarity J', () => {
  it('is the IoU of hand-made masks', () => {
    const a = mask(['##..', '##..', '....']);
    const b = mask(['.##.', '.##.', '....']);
    // intersection 2, union 6
    expect(regionSimilarity(a, b)).toBeCloseTo(2 / 6, 10);
    expect(regionSimilarity(a, a)).toBe(1);
    expect(regionSimilarity(a, mask(['....', '....', '....']))).toBe(0);
  });

  it('is 1 when both masks are empty, and reads tensors', () => {
    const empty = tf.zeros([3, 4], 'int32') as tf.Tensor2D;
    expect(regionSimilarity(empty, empty)).toBe(1);
    const t = tf.tensor2d([[1, 0], [0, 0]], [2, 2], 'int32');
    const u = tf.tensor2d([[1, 1], [0, 0]], [2, 2], 'int32');
    expect(regionSimilarity(t, u)).toBeCloseTo(0.5, 10);
    tf.dispose([empty, t, u]);
  });

  it('validates sizes', () => {
    expect(() => regionSimilarity(mask(['#.']), mask(['#', '.']))).toThrow(/truth must be a mask of the prediction's size 1x2; got "2x1"/);
    expect(() => regionSimilarity({ height: 2, width: 2, data: [1] }, mask(['##', '##']))).toThrow(/prediction.data must be 4 pixels/);
  });
});

describe('boundary accuracy F', () => {
  it('marks the boundary as DAVIS seg2bmap does', () => {
    const m = mask(['....', '.##.', '.##.', '....']);
    // Pixels whose right, lower or lower-right neighbour differs (the last row and column compare along them only).
    expect(Array.from(boundaryMap(m))).toEqual([1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('equals the hand-computed F of a shifted square, and respects the tolerance', () => {
    const truth = mask(['......', '.###..', '.###..', '.###..', '......', '......']);
    const shifted = mask(['......', '..###.', '..###.', '..###.', '......', '......']);
    const gtB = boundaryMap(truth);
    const fgB = boundaryMap(shifted);
    expect(gtB.reduce((s, v) => s + v, 0)).toBe(fgB.reduce((s, v) => s + v, 0));
    // Tolerance 0: a boundary pixel matches only where both boundaries coincide.
    let common = 0;
    gtB.forEach((v, i) => (common += v && fgB[i] ? 1 : 0));
    const n = gtB.reduce((s, v) => s + v, 0);
    const exact = boundaryScore(shifted, truth, { tolerancePixels: 0 });
    expect(exact.precision).toBeCloseTo(common / n, 10);
    expect(exact.recall).toBeCloseTo(common / n, 10);
    expect(exact.f).toBeCloseTo(common / n, 10);
    expect(exact.f).toBeLessThan(1);
    // A one-pixel shift is within a tolerance of 1: perfect score.
    expect(boundaryF(shifted, truth, { tolerancePixels: 1 })).toBe(1);
  });

  it('uses ceil(0.008 x diagonal) pixels by default', () => {
    expect(boundaryTolerance(480, 854)).toBe(Math.ceil(0.008 * Math.hypot(480, 854)));
    expect(boundaryTolerance(64, 64)).toBe(1);
    expect(boundaryTolerance(144, 192)).toBe(2);
    expect(boundaryTolerance(10, 10, { tolerancePixels: 3 })).toBe(3);
    expect(() => boundaryTolerance(10, 10, { toleranceFraction: -1 })).toThrow(/options.toleranceFraction must be a finite number > 0; got -1/);
  });

  it('handles empty masks as DAVIS does', () => {
    const empty = mask(['...', '...', '...']);
    const some = mask(['##.', '##.', '...']);
    expect(boundaryF(empty, empty)).toBe(1);
    expect(boundaryScore(empty, some)).toEqual({ precision: 1, recall: 0, f: 0 });
    expect(boundaryScore(some, empty)).toEqual({ precision: 0, recall: 1, f: 0 });
  });
});

describe('evaluateSegmentation', () => {
  it('averages J and F per object over the frames between the first and the last', () => {
    // 4 frames of 4x4: object 1 and object 2; the prediction loses object 2 in frame 2.
    const truthFrames = [
      ['11..', '11..', '..22', '..22'],
      ['11..', '11..', '..22', '..22'],
      ['.11.', '.11.', '..22', '..22'],
      ['11..', '11..', '....', '....'],
    ];
    const predFrames = [
      ['11..', '11..', '..22', '..22'],
      ['11..', '11..', '..22', '..22'],
      ['11..', '11..', '....', '....'],
      ['....', '....', '....', '....'],
    ];
    const toTensor = (frames: string[][]) =>
      tf.tensor3d(frames.flatMap((f) => f.join('').split('').map((c) => (c === '.' ? 0 : Number(c)))), [4, 4, 4], 'int32');
    const truth = toTensor(truthFrames);
    const pred = toTensor(predFrames);
    const result = evaluateSegmentation(pred, truth);
    expect(result.objectIds).toEqual([1, 2]);
    expect(result.frames).toBe(2);
    // Object 1: frame 1 exact (J=1); frame 2 IoU of shifted 2x2 squares = 2/6.
    const j1 = (1 + 2 / 6) / 2;
    // Object 2: frame 1 exact; frame 2 missed (J=0).
    const j2 = (1 + 0) / 2;
    expect(result.perObject[0]!.j).toBeCloseTo(j1, 10);
    expect(result.perObject[1]!.j).toBeCloseTo(j2, 10);
    expect(result.j).toBeCloseTo((j1 + j2) / 2, 10);
    // F per frame from the reference function, tolerance ceil(0.008 x diag(4x4)) = 1.
    const at = (frames: string[][], f: number, id: number) => ({
      height: 4,
      width: 4,
      data: Uint8Array.from(frames[f]!.join('').split(''), (c) => (c === String(id) ? 1 : 0)),
    });
    const f1 = (boundaryF(at(predFrames, 1, 1), at(truthFrames, 1, 1)) + boundaryF(at(predFrames, 2, 1), at(truthFrames, 2, 1))) / 2;
    expect(result.perObject[0]!.f).toBeCloseTo(f1, 10);
    expect(result.perObject[1]!.f).toBeCloseTo(0.5, 10);
    expect(result.jf).toBeCloseTo((result.j + result.f) / 2, 10);
    // Including the first and last frames changes the average.
    expect(evaluateSegmentation(pred, truth, { excludeFirstAndLast: false }).frames).toBe(4);
    tf.dispose([truth, pred]);
  });

  it('validates its arguments', () => {
    const a = tf.zeros([3, 4, 4], 'int32') as tf.Tensor3D;
    const b = tf.zeros([3, 4, 5], 'int32') as tf.Tensor3D;
    expect(() => evaluateSegmentation(a, b)).toThrow(/truth must be a tensor of shape \[3, 4, 4\]/);
    expect(() => evaluateSegmentation(a, a)).toThrow(/truth must be a first frame with at least one object/);
    tf.dispose([a, b]);
  });
});

describe('argument checks of the boundary measures', () => {
  const mask = { height: 2, width: 2, data: [0, 1, 1, 0] };
  it('names the bad argument instead of crashing', () => {
    expect(() => boundaryMap(undefined as never)).toThrow(/mask must be a \{ height, width, data \} mask; got undefined/);
    expect(() => boundaryMap({ height: 2, width: 2, data: [1] })).toThrow(/mask.data must be 4 pixels/);
    expect(() => boundaryMap({ height: 2 ** 40, width: 1, data: [] })).toThrow(/mask.data must be 1099511627776 pixels/);
    expect(() => boundaryScore(undefined as never, mask)).toThrow(/prediction must be/);
    expect(() => boundaryScore(mask, { height: 1, width: 4, data: [0, 0, 0, 0] })).toThrow(/truth must be a mask of the prediction's size/);
    const disposed = tf.scalar(1);
    disposed.dispose();
    expect(() => boundaryTolerance(disposed as never, 3)).toThrow(/height must be an integer >= 0; got a float32 tensor/);
  });
  it('bounds the work of a huge tolerance (a disk wider than the image covers it)', () => {
    const huge = boundaryScore(mask, mask, { tolerancePixels: 2 ** 40 });
    expect(huge).toEqual(boundaryScore(mask, mask, { tolerancePixels: 3 }));
  });
});
