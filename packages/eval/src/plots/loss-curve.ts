import { assertInRange, assertOptions, invalidArgument } from '@selfsup/tensors';
import { CHART_CONFIG, type VegaLiteSpec, renderSvg } from './render.js';

/** One training run's losses. */
export interface LossSeries {
  readonly name: string;
  readonly losses: readonly number[];
  /** Step of each loss; default 0, 1, 2, ... */
  readonly steps?: readonly number[];
}

export interface LossCurveOptions {
  readonly title?: string;
  /** Exponential moving average weight in [0, 1) drawn over the raw curve (as TensorBoard's). Default 0 (off). */
  readonly smoothing?: number;
  /** Log-scaled y axis (losses must be > 0). Default false. */
  readonly logScale?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly yTitle?: string;
  /**
   * A second panel under the loss, on the same step axis: e.g. an online monitor's k-NN accuracy
   * (`monitorEncoder` readings). Drawn as lines with a point per value.
   */
  readonly panel?: LossCurvePanel;
}

/** Values of one run measured now and then during training (a monitor's k-NN top-1 at some steps). */
export interface MetricSeries {
  readonly name: string;
  /** Step of each value. */
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

/** The second panel of a loss curve. */
export interface LossCurvePanel {
  /** The panel's y-axis title, e.g. "k-NN top-1 (monitor)". */
  readonly title: string;
  readonly series: readonly MetricSeries[];
  /** Values are fractions in [0, 1] shown as percentages. Default false. */
  readonly percent?: boolean;
}

/** Bias-corrected exponential moving average (TensorBoard's smoothing). */
export function smooth(values: readonly number[], weight: number): number[] {
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) invalidArgument('values', 'an array of numbers', values);
  assertInRange('weight', weight, 0, 0.999999);
  let last = 0;
  let debias = 0;
  return values.map((v) => {
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    return last / debias;
  });
}

/** Loss against step, one line per series (raw lines faint when smoothing is on). */
export function lossCurveSpec(series: readonly LossSeries[], options: LossCurveOptions = {}): VegaLiteSpec {
  assertOptions('options', options);
  if (!Array.isArray(series) || series.length === 0) invalidArgument('series', 'a non-empty array of { name, losses }', series);
  const smoothing = options.smoothing ?? 0;
  assertInRange('options.smoothing', smoothing, 0, 0.999999);
  const values: { series: string; step: number; loss: number; curve: string }[] = [];
  series.forEach((s, i) => {
    if (typeof s?.name !== 'string') invalidArgument(`series[${i}].name`, 'a string', s?.name);
    if (!Array.isArray(s.losses) || s.losses.length === 0) invalidArgument(`series[${i}].losses`, 'a non-empty array of numbers', s.losses);
    if (s.steps !== undefined && s.steps.length !== s.losses.length) {
      invalidArgument(`series[${i}].steps`, `${s.losses.length} steps (one per loss)`, `${s.steps.length} steps`);
    }
    s.losses.forEach((loss: number, j: number) => {
      if (!Number.isFinite(loss)) invalidArgument(`series[${i}].losses[${j}]`, 'a finite number', loss);
      if (options.logScale && loss <= 0) invalidArgument(`series[${i}].losses[${j}]`, 'a number > 0 (log scale)', loss);
    });
    const steps = s.steps ?? s.losses.map((_: number, j: number) => j);
    s.losses.forEach((loss: number, j: number) => {
    values.push({ series: s.name, step: steps[j] as number, loss, curve: 'raw' });
  });
    if (smoothing > 0) smooth(s.losses, smoothing).forEach((loss, j) => {
    values.push({ series: s.name, step: steps[j] as number, loss, curve: 'smoothed' });
  });
  });
  const width = options.width ?? 520;
  const lossView = {
    width,
    height: options.height ?? 300,
    data: { values },
    mark: { type: 'line' as const, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: {
        field: 'loss',
        type: 'quantitative',
        title: options.yTitle ?? 'loss',
        scale: options.logScale ? { type: 'log' } : { zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { scheme: 'tableau10' } },
      detail: { field: 'curve', type: 'nominal' },
      opacity: smoothing > 0 ? { field: 'curve', type: 'ordinal', sort: ['raw', 'smoothed'], scale: { domain: ['raw', 'smoothed'], range: [0.3, 1] }, legend: null } : { value: 1 },
    },
  };
  const head = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title !== undefined ? { title: options.title } : {}),
    config: CHART_CONFIG,
  };
  if (options.panel === undefined) return { ...head, ...lossView } as VegaLiteSpec;
  return {
    ...head,
    vconcat: [lossView, panelView(options.panel, width)],
    resolve: { scale: { x: 'shared', color: 'independent' } },
  } as VegaLiteSpec;
}

function panelView(panel: LossCurvePanel, width: number) {
  if (typeof panel !== 'object' || panel === null) invalidArgument('options.panel', 'an object { title, series }', panel);
  if (typeof panel.title !== 'string') invalidArgument('options.panel.title', 'a string', panel.title);
  if (!Array.isArray(panel.series) || panel.series.length === 0) invalidArgument('options.panel.series', 'a non-empty array of { name, steps, values }', panel.series);
  if (panel.percent !== undefined && typeof panel.percent !== 'boolean') invalidArgument('options.panel.percent', 'a boolean', panel.percent);
  const values: { series: string; step: number; value: number }[] = [];
  panel.series.forEach((s, i) => {
    const at = `options.panel.series[${i}]`;
    if (typeof s?.name !== 'string') invalidArgument(`${at}.name`, 'a string', s?.name);
    if (!Array.isArray(s.values)) invalidArgument(`${at}.values`, 'an array of numbers', s.values);
    if (!Array.isArray(s.steps) || s.steps.length !== s.values.length) invalidArgument(`${at}.steps`, `${s.values.length} steps (one per value)`, s.steps);
    s.values.forEach((value: number, j: number) => {
      if (!Number.isFinite(value)) invalidArgument(`${at}.values[${j}]`, 'a finite number', value);
      const step = s.steps[j];
      if (typeof step !== 'number' || !Number.isFinite(step)) invalidArgument(`${at}.steps[${j}]`, 'a finite number', step);
      values.push({ series: s.name, step, value });
    });
  });
  return {
    width,
    height: 140,
    data: { values },
    mark: { type: 'line' as const, strokeWidth: 1.5, point: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: {
        field: 'value',
        type: 'quantitative',
        title: panel.title,
        scale: { zero: false },
        ...(panel.percent === true ? { axis: { format: '.0%' } } : {}),
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { scheme: 'tableau10' } },
    },
  };
}

/** {@link lossCurveSpec}, rendered to SVG. */
export async function lossCurveSvg(series: readonly LossSeries[], options: LossCurveOptions = {}): Promise<string> {
  return renderSvg(lossCurveSpec(series, options));
}
