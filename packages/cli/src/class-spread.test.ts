import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classSpreadIndices } from './class-spread.js';

describe('classSpreadIndices', () => {
  it('takes the classes in turn from a class-ordered list, in dataset order', () => {
    // Three classes listed one after the other, as a folder data set lists them.
    const labels = [0, 0, 0, 0, 1, 1, 2, 2, 2];
    expect(classSpreadIndices(labels, 5)).toEqual([0, 1, 4, 5, 6]);
    expect(classSpreadIndices(labels, 3)).toEqual([0, 4, 6]);
    expect(classSpreadIndices(labels, 20)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('keeps n distinct samples, every class while n allows, class counts within one of each other until a class runs out', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 70 }), (unsorted, limit) => {
        const labels = [...unsorted].sort((a, b) => a - b);
        const kept = classSpreadIndices(labels, limit);
        expect(kept.length).toBe(Math.min(limit, labels.length));
        expect(kept).toEqual([...new Set(kept)].sort((a, b) => a - b));
        const count = (cls: number, among: readonly number[]) => among.filter((i) => labels[i] === cls).length;
        const classes = [...new Set(labels)];
        const counts = classes.map((c) => count(c, kept));
        const available = classes.map((c) => count(c, labels.map((_, i) => i)));
        const short = counts.filter((n, i) => n < (available[i] as number));
        // Every class that still had samples left holds the same count, give or take one.
        if (short.length > 0) expect(Math.max(...short) - Math.min(...short)).toBeLessThanOrEqual(1);
        for (let i = 0; i < classes.length; i++) if ((counts[i] as number) < (available[i] as number)) expect(counts[i]).toBeGreaterThanOrEqual(Math.max(...counts) - 1);
      }),
      { numRuns: 100 },
    );
  });
});
