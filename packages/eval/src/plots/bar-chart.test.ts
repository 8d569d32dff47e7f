import { describe, expect, it } from 'vitest';
import { barChartSpec, barChartSvg } from './bar-chart.js';

describe('bar chart', () => {
  it('draws one labelled bar per entry, baselines first', async () => {
    const svg = await barChartSvg(
      [
        { method: 'SimCLR', probe: 'linear', accuracy: 0.912 },
        { method: 'SimCLR', probe: 'knn', accuracy: 0.874 },
        { method: 'random init', probe: 'linear', accuracy: 0.62, baseline: true },
        { method: 'random init', probe: 'knn', accuracy: 0.41, baseline: true },
        { method: 'raw pixels', probe: 'linear', accuracy: 0.835, baseline: true },
        { method: 'raw pixels', probe: 'knn', accuracy: 0.8, baseline: true },
      ],
      { title: 'MNIST probes' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('MNIST probes');
    for (const label of ['91.2%', '87.4%', '62.0%', '41.0%', '83.5%', '80.0%']) expect(svg).toContain(`>${label}<`);
    const bars = svg.match(/<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/s);
    expect((bars![1]!.match(/<path /g) ?? []).length).toBe(6);
    // Axis order: baselines first.
    const at = (s: string) => svg.indexOf(`>${s}<`);
    expect(at('random init')).toBeLessThan(at('SimCLR'));
    expect(at('raw pixels')).toBeLessThan(at('SimCLR'));
  });

  it('draws an error bar of +- sd per entry that has one (means over seeds)', async () => {
    const entries = [
      { method: 'SimCLR', probe: 'linear', accuracy: 0.7, sd: 0.05 },
      { method: 'SimCLR', probe: 'knn', accuracy: 0.6, sd: 0.02 },
      { method: 'raw pixels', probe: 'linear', accuracy: 0.5, sd: 0, baseline: true },
    ];
    const spec = barChartSpec(entries) as { data: { values: { lower: number; upper: number }[] } };
    expect(spec.data.values.map((v) => [v.lower, v.upper].map((x) => Number(x.toFixed(6))))).toEqual([
      [0.65, 0.75],
      [0.58, 0.62],
      [0.5, 0.5],
    ]);
    const svg = await barChartSvg(entries);
    const rules = svg.match(/<g class="mark-rule role-mark[^"]*"[^>]*>(.*?)<\/g>/s);
    expect((rules![1]!.match(/<line /g) ?? []).length).toBe(3);
    expect(svg).toContain('>70.0±5.0<');
    expect(() => barChartSpec([{ method: 'x', accuracy: 0.5, sd: -1 }])).toThrow(/entries\[0\]\.sd must be a number >= 0/);
  });

  it('validates entries', () => {
    expect(() => barChartSpec([])).toThrow(/entries must be a non-empty array/);
    expect(() => barChartSpec([{ method: 'x', accuracy: 1.5 }])).toThrow(/entries\[0\]\.accuracy must be a number in \[0, 1\]; got 1\.5/);
  });
});
