import { describe, expect, it } from 'vitest';
import { defaultGroups, normLayer } from './norm.js';

describe('normLayer', () => {
  it('builds batch norm, group norm or nothing', () => {
    const bn = normLayer('batch', 8, 'n');
    const gn = normLayer('group', 48, 'g');
    expect(bn?.variables.map((v) => v.name)).toEqual(['n/gamma', 'n/beta', 'n/runningMean', 'n/runningVar']);
    expect(gn?.variables.map((v) => v.name)).toEqual(['g/gamma', 'g/beta']);
    expect(normLayer('none', 8, 'x')).toBeUndefined();
    expect(() => normLayer('layer' as 'batch', 8, 'x')).toThrow(/norm must be one of "batch", "group", "none"; got "layer"/);
    bn?.dispose();
    gn?.dispose();
  });

  it('group norm takes the largest divisor of the channels up to 32', () => {
    expect([64, 48, 30, 7, 1, 96].map(defaultGroups)).toEqual([32, 24, 30, 7, 1, 32]);
  });
});
