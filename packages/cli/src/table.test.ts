import { describe, expect, it } from 'vitest';
import { formatTable, metricsLine, resultsTable } from './table.js';

describe('tables', () => {
  it('pads columns and right-aligns numbers', () => {
    expect(formatTable(['a', 'num'], [['xyz', '1'], ['b', '100']], new Set([1]))).toBe('a    num\n---  ---\nxyz    1\nb    100');
  });

  it('renders probe rows with their settings', () => {
    const text = resultsTable([
      { encoder: 'pixels', result: { probe: 'knn', top1: 0.889, top5: 0.996, numTrain: 10, numTest: 5, seconds: 3.14, config: { k: 200, temperature: 0.1 } } },
      {
        encoder: 'pixels',
        result: {
          probe: 'linear',
          top1: 0.9,
          numTrain: 10,
          numTest: 5,
          seconds: 80,
          config: { optimizer: 'sgd', epochs: 30, chosen: { learningRate: 0.01, weightDecay: 0 }, sweep: [{}, {}, {}, {}] },
        },
      },
    ]);
    expect(text).toContain('88.90%');
    expect(text).toContain('k=200 T=0.1');
    expect(text).toContain('lr=0.01 wd=0 (SGD 30 epochs, best of 4 on validation)');
    expect(text.split('\n')).toHaveLength(4);
    const chosen = resultsTable([
      { encoder: 'x', result: { probe: 'knn', top1: 0.9, numTrain: 10, numTest: 5, seconds: 1, config: { k: 5, temperature: 0.05, selection: { trials: [{}, {}, {}] } } } },
    ]);
    expect(chosen).toContain('k=5 T=0.05 (best of 3 by leave-one-out on train)');
    expect(metricsLine('x', { uniformity: -2, effectiveRank: 12.34 })).toBe('x: uniformity -2.0000, effective rank 12.3');
  });
});
