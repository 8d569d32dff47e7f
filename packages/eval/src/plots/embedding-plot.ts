import type * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertRank, invalidArgument } from '@selfsup/tensors';
import { type Projection, pca2d } from '../embedding/pca.js';
import { type UmapOptions, umap2d } from '../embedding/umap.js';
import { CHART_CONFIG, type VegaLiteSpec, renderSvg } from './render.js';

export interface EmbeddingPlotOptions {
  readonly title?: string;
  /** Names of the classes (legend); default the class ids. */
  readonly classNames?: readonly string[];
  /** Axis titles. Default "component 1" / "component 2". */
  readonly xTitle?: string;
  readonly yTitle?: string;
  /** Pixels. Defaults 480 x 420. */
  readonly width?: number;
  readonly height?: number;
  /** Marker area in square pixels. Default 12 (small: thousands of points). */
  readonly pointSize?: number;
}

/** A scatter plot of 2-D points coloured by class, as a Vega-Lite spec. `points` is N x 2 row-major. */
export function embeddingPlotSpec(points: Float32Array | readonly number[], labels: Int32Array | readonly number[], options: EmbeddingPlotOptions = {}): VegaLiteSpec {
  assertOptions('options', options);
  if (!Array.isArray(points) && !ArrayBuffer.isView(points)) invalidArgument('points', 'an N x 2 row-major array of numbers', points);
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) invalidArgument('labels', 'an array of N class ids', labels);
  if (Array.prototype.some.call(labels, (l: unknown) => !Number.isInteger(l))) invalidArgument('labels', 'an array of N integer class ids', labels);
  if (Array.prototype.some.call(points, (p: unknown) => typeof p !== 'number')) invalidArgument('points', 'an N x 2 row-major array of numbers', points);
  if (points.length % 2 !== 0) invalidArgument('points', 'an N x 2 row-major array (even length)', `${points.length} values`);
  const n = points.length / 2;
  if (labels.length !== n) invalidArgument('labels', `${n} labels (one per point)`, `${labels.length} labels`);
  const width = options.width ?? 480;
  const height = options.height ?? 420;
  assertInteger('options.width', width, 50, 10_000);
  assertInteger('options.height', height, 50, 10_000);
  const names = options.classNames;
  const values = Array.from({ length: n }, (_, i) => {
    const label = labels[i] as number;
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) invalidArgument('points', 'finite coordinates', Number.isFinite(x) ? y : x);
    return { x, y, class: names?.[label] ?? String(label) };
  });
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b).map((l) => names?.[l] ?? String(l));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title !== undefined ? { title: options.title } : {}),
    width,
    height,
    config: CHART_CONFIG,
    data: { values },
    mark: { type: 'circle', size: options.pointSize ?? 12, opacity: 0.75 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle ?? 'component 1', scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: options.yTitle ?? 'component 2', scale: { zero: false } },
      color: {
        field: 'class',
        type: 'nominal',
        title: 'class',
        sort: classes,
        scale: { scheme: classes.length <= 10 ? 'tableau10' : 'category20' },
      },
    },
  };
}

export interface EmbeddingSvgOptions extends EmbeddingPlotOptions {
  /** 'pca' (default; fast, deterministic, linear) or 'umap' (umap-js; shows clusters, slower). */
  readonly method?: 'pca' | 'umap';
  readonly umap?: UmapOptions;
}

/**
 * A picture of an embedding: features [N, D] projected to 2-D (PCA or UMAP) and drawn coloured by class. Returns the
 * SVG text and the projection (so callers can report the explained variance).
 */
export async function embeddingPlotSvg(
  features: tf.Tensor2D,
  labels: Int32Array | readonly number[],
  options: EmbeddingSvgOptions = {},
): Promise<{ svg: string; projection: Projection }> {
  assertOptions('options', options);
  assertRank('features', features, 2);
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) invalidArgument('labels', 'an array of N class ids', labels);

  const method = options.method ?? 'pca';
  if (method !== 'pca' && method !== 'umap') invalidArgument('options.method', '"pca" or "umap"', method);
  const projection = method === 'umap' ? await umap2d(features, options.umap ?? {}) : pca2d(features);
  const share = projection.explainedVarianceRatio;
  const axisTitle = (i: number) =>
    method === 'umap' ? `UMAP ${i + 1}` : `PC ${i + 1}${share[i] !== undefined ? ` (${(100 * share[i]).toFixed(1)}% of variance)` : ''}`;
  const points = projection.components === 2 ? projection.points : Float32Array.from({ length: features.shape[0] * 2 }, (_, j) => (j % 2 === 0 ? (projection.points[j / 2] as number) : 0));
  const spec = embeddingPlotSpec(points, labels, { xTitle: axisTitle(0), yTitle: axisTitle(1), ...options });
  return { svg: await renderSvg(spec), projection };
}
