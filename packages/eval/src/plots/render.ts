import { invalidArgument } from '@selfsup/tensors';
import type { TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification (re-exported type, so callers can tweak a spec before rendering it). */
export type VegaLiteSpec = TopLevelSpec;

/**
 * Renders a Vega-Lite spec to an SVG string, headless: vega-lite compiles it to Vega, Vega's view renders the scene
 * graph to SVG text with no canvas and no browser (text widths are estimated). vega and vega-lite are imported on
 * first use, so code that never draws never loads them.
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) invalidArgument('spec', 'a Vega-Lite specification object', spec);
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  let view: InstanceType<typeof vega.View>;
  try {
    view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  } catch (error) {
    // Vega's message quotes the whole spec: keep its first line.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 200);
    return invalidArgument('spec', `a valid Vega-Lite specification (${reason})`, spec);
  }
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Shared look of every selfsup chart. */
export const CHART_CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
};
