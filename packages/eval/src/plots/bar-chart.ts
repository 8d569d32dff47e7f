import { assertOptions, invalidArgument } from '@selfsup/tensors';
import { CHART_CONFIG, type VegaLiteSpec, renderSvg } from './render.js';

/** One bar: a method's score under one probe. */
export interface BarEntry {
  /** Method name ("SimCLR", "random init", "raw pixels"). */
  readonly method: string;
  /** Accuracy in [0, 1]. */
  readonly accuracy: number;
  /** Probe ("knn", "linear"): bars of one method are grouped, coloured by probe. Default "accuracy". */
  readonly probe?: string;
  /** Baselines are drawn lighter and listed first. */
  readonly baseline?: boolean;
  /** Standard deviation over seeds (when `accuracy` is their mean): drawn as an error bar of +- sd. */
  readonly sd?: number;
}

export interface BarChartOptions {
  readonly title?: string;
  /** Y axis title. Default "top-1 accuracy". */
  readonly yTitle?: string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Grouped bars of accuracy per method (one colour per probe), each labelled with its percentage. Baselines (random
 * initialisation, raw pixels) come first, in the order given, then the methods in the order given. Entries with an `sd`
 * (means over seeds) get an error bar of +- one standard deviation, and labels "mean±sd".
 */
export function barChartSpec(entries: readonly BarEntry[], options: BarChartOptions = {}): VegaLiteSpec {
  assertOptions('options', options);
  if (!Array.isArray(entries) || entries.length === 0) invalidArgument('entries', 'a non-empty array of { method, accuracy }', entries);
  entries.forEach((e, i) => {
    if (typeof e?.method !== 'string' || e.method.length === 0) invalidArgument(`entries[${i}].method`, 'a non-empty string', e?.method);
    if (typeof e.accuracy !== 'number' || !(e.accuracy >= 0 && e.accuracy <= 1)) invalidArgument(`entries[${i}].accuracy`, 'a number in [0, 1]', e.accuracy);
    if (e.sd !== undefined && (typeof e.sd !== 'number' || !(e.sd >= 0))) invalidArgument(`entries[${i}].sd`, 'a number >= 0', e.sd);
  });
  const withErrors = entries.some((e) => e.sd !== undefined);
  const order = [...new Set([...entries.filter((e) => e.baseline).map((e) => e.method), ...entries.map((e) => e.method)])];
  const values = entries.map((e) => ({
    method: e.method,
    probe: e.probe ?? 'accuracy',
    accuracy: e.accuracy,
    label: e.sd !== undefined ? `${(100 * e.accuracy).toFixed(1)}±${(100 * e.sd).toFixed(1)}` : `${(100 * e.accuracy).toFixed(1)}%`,
    kind: e.baseline ? 'baseline' : 'method',
    ...(withErrors ? { lower: Math.max(0, e.accuracy - (e.sd ?? 0)), upper: Math.min(1, e.accuracy + (e.sd ?? 0)) } : {}),
  }));
  const x = { field: 'method', type: 'nominal' as const, sort: order, title: null, axis: { labelAngle: 0 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title !== undefined ? { title: options.title } : {}),
    width: options.width ?? Math.max(240, 90 * order.length),
    height: options.height ?? 300,
    config: CHART_CONFIG,
    data: { values },
    encoding: {
      x,
      xOffset: { field: 'probe', type: 'nominal' },
      y: {
        field: 'accuracy',
        type: 'quantitative',
        title: options.yTitle ?? 'top-1 accuracy',
        scale: { domain: [0, 1] },
        axis: { format: '.0%' },
      },
      color: { field: 'probe', type: 'nominal', title: 'probe', scale: { scheme: 'tableau10' } },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          opacity: { field: 'kind', type: 'ordinal', sort: ['baseline', 'method'], scale: { domain: ['baseline', 'method'], range: [0.45, 1] }, legend: null },
        },
      },
      ...(withErrors
        ? [
            {
              mark: { type: 'rule' as const, strokeWidth: 1.5 },
              encoding: { y: { field: 'lower', type: 'quantitative' as const }, y2: { field: 'upper' }, color: { value: '#222' } },
            },
          ]
        : []),
      {
        mark: { type: 'text' as const, dy: -6, fontSize: 10 },
        encoding: { text: { field: 'label' }, color: { value: '#333' }, ...(withErrors ? { y: { field: 'upper', type: 'quantitative' as const } } : {}) },
      },
    ],
  };
}

/** {@link barChartSpec}, rendered to SVG. */
export async function barChartSvg(entries: readonly BarEntry[], options: BarChartOptions = {}): Promise<string> {
  return renderSvg(barChartSpec(entries, options));
}
