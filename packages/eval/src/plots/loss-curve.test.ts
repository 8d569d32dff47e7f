import { describe, expect, it } from 'vitest';
import { lossCurveSpec, lossCurveSvg, smooth } from './loss-curve.js';

describe('loss curve', () => {
  it('draws a line per series (raw and smoothed) with the names in the legend', async () => {
    const svg = await lossCurveSvg(
      [
        { name: 'SimCLR', losses: [5, 4, 3.5, 3.2, 3] },
        { name: 'BYOL', losses: [2, 1.5, 1.2], steps: [0, 10, 20] },
      ],
      { title: 'pretraining', smoothing: 0.6 },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('pretraining');
    expect(svg).toContain('>SimCLR<');
    expect(svg).toContain('>BYOL<');
    // One line group per (series, curve): 2 series x (raw, smoothed).
    expect(svg.match(/<g class="mark-line role-mark/g)?.length).toBe(4);
  });

  it('smooths with a debiased moving average', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1].map(() => expect.closeTo(1, 12)));
    // weight 0.5: 2, (0.5*0.5*2 + 0.5*4) / 0.75 = 3.333...
    const s = smooth([2, 4], 0.5);
    expect(s[0]).toBeCloseTo(2, 12);
    expect(s[1]).toBeCloseTo((0.5 * 0.5 * 2 + 0.5 * 4) / 0.75, 12);
  });

  it('validates series', () => {
    expect(() => lossCurveSpec([{ name: 'a', losses: [1, Number.NaN] }])).toThrow(/series\[0\]\.losses\[1\] must be a finite number/);
    expect(() => lossCurveSpec([{ name: 'a', losses: [1, 0] }], { logScale: true })).toThrow(/must be a number > 0 \(log scale\)/);
    expect(() => lossCurveSpec([{ name: 'a', losses: [1], steps: [0, 1] }])).toThrow(/series\[0\]\.steps must be 1 steps/);
  });

  it('draws a second panel (the online monitor k-NN accuracy) on the same step axis', async () => {
    const spec = lossCurveSpec([{ name: 'simclr', losses: [5, 4, 3] }], {
      panel: { title: 'k-NN top-1', percent: true, series: [{ name: 'k-NN', steps: [0, 2], values: [0.3, 0.6] }] },
    }) as unknown as { vconcat: unknown[]; resolve: unknown };
    expect(spec.vconcat).toHaveLength(2);
    expect(spec.resolve).toEqual({ scale: { x: 'shared', color: 'independent' } });
    const svg = await lossCurveSvg([{ name: 'simclr', losses: [5, 4, 3] }], {
      title: 'run',
      panel: { title: 'k-NN top-1', percent: true, series: [{ name: 'k-NN', steps: [0, 2], values: [0.3, 0.6] }] },
    });
    expect(svg).toContain('k-NN top-1');
    expect(svg).toContain('60%');
    // Without a panel the spec is the single view it always was.
    expect((lossCurveSpec([{ name: 'a', losses: [1] }]) as { vconcat?: unknown }).vconcat).toBeUndefined();
  });

  it('validates the panel, naming the argument', () => {
    const loss = [{ name: 'a', losses: [1, 2] }];
    expect(() => lossCurveSpec(loss, { panel: { title: 3 } as never })).toThrow(/options\.panel\.title/);
    expect(() => lossCurveSpec(loss, { panel: { title: 't', series: [] } })).toThrow(/options\.panel\.series/);
    expect(() => lossCurveSpec(loss, { panel: { title: 't', series: [{ name: 'k', steps: [1], values: [0.1, 0.2] }] } })).toThrow(
      /options\.panel\.series\[0\]\.steps must be 2 steps/,
    );
    expect(() => lossCurveSpec(loss, { panel: { title: 't', series: [{ name: 'k', steps: [1], values: [Number.NaN] }] } })).toThrow(
      /options\.panel\.series\[0\]\.values\[0\] must be a finite number/,
    );
  });
});
