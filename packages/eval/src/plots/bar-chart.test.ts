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

  it('validates entries', () => {
    expect(() => barChartSpec([])).toThrow(/entries must be a non-empty array/);
    expect(() => barChartSpec([{ method: 'x', accuracy: 1.5 }])).toThrow(/entries\[0\]\.accuracy must be a number in \[0, 1\]; got 1\.5/);
  });
});
