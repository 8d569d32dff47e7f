import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { blobs } from '../../test/helpers.js';
import { embeddingPlotSpec, embeddingPlotSvg } from './embedding-plot.js';

/** Number of drawn symbols in vega's SVG (one <path> per point inside the symbol mark group). */
function countSymbols(svg: string): number {
  const group = svg.match(/<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/s);
  return group ? (group[1]!.match(/<path /g) ?? []).length : 0;
}

describe('embedding plot', () => {
  it('draws one coloured point per sample, with class names in the legend and PCA axis titles', async () => {
    const data = blobs({ perClass: 10, numClasses: 3, dim: 5, spread: 0.2, seed: 1 });
    const x = tf.tensor2d(data.rows);
    const before = tf.memory().numTensors;
    const { svg, projection } = await embeddingPlotSvg(x, data.labels, { title: 'test embedding', classNames: ['cat', 'dog', 'emu'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('test embedding');
    for (const name of ['cat', 'dog', 'emu']) expect(svg).toContain(`>${name}<`);
    expect(svg).toMatch(/PC 1 \(\d+\.\d% of variance\)/);
    expect(countSymbols(svg)).toBe(30);
    // Three distinct fill colours for three classes.
    const fills = new Set([...svg.matchAll(/<path [^>]*fill="(#[0-9a-f]{6})"[^>]*opacity="0\.75"/g)].map((m) => m[1]));
    expect(fills.size).toBe(3);
    expect(projection.points.length).toBe(60);
    // Deterministic: the same input draws the same picture.
    expect((await embeddingPlotSvg(x, data.labels, { title: 'test embedding', classNames: ['cat', 'dog', 'emu'] })).svg).toBe(svg);
    x.dispose();
  });

  it('rejects mismatched labels and non-finite points', () => {
    expect(() => embeddingPlotSpec([0, 0, 1, 1], [0])).toThrow(/labels must be 2 labels/);
    expect(() => embeddingPlotSpec([0, Number.NaN], [0])).toThrow(/points must be finite coordinates/);
    expect(() => embeddingPlotSpec([0, 0, 1], [0])).toThrow(/points must be an N x 2/);
  });
});
