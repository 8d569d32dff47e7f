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
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title !== undefined ? { title: options.title } : {}),
    width: options.width ?? 520,
    height: options.height ?? 300,
    config: CHART_CONFIG,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
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
}

/** {@link lossCurveSpec}, rendered to SVG. */
export async function lossCurveSvg(series: readonly LossSeries[], options: LossCurveOptions = {}): Promise<string> {
  return renderSvg(lossCurveSpec(series, options));
}
