import type { ProbeResult, RepresentationMetrics } from '@selfsup/tensors';

/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const percent = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);

/** A short description of how a probe's number was obtained. */
export function probeSettings(result: ProbeResult): string {
  const c = result.config;
  if (result.probe === 'knn') {
    const selection = c['selection'] as { trials?: unknown[] } | undefined;
    const how = selection !== undefined ? ` (best of ${selection.trials?.length ?? 0} by leave-one-out on train)` : '';
    return `k=${c['k']} T=${c['temperature']}${how}`;
  }
  if (result.probe === 'linear') {
    const chosen = (c['chosen'] ?? {}) as { learningRate?: number; weightDecay?: number };
    const sweep = Array.isArray(c['sweep']) ? c['sweep'].length : 0;
    const lr = chosen.learningRate !== undefined ? `lr=${chosen.learningRate} ` : '';
    const how = c['optimizer'] === 'lbfgs' ? 'L-BFGS' : `SGD ${c['epochs']} epochs`;
    return `${lr}wd=${chosen.weightDecay} (${how}, best of ${sweep} on validation)${c['diverged'] === true ? ' DIVERGED' : ''}`;
  }
  return '';
}

export interface TableRow {
  readonly encoder: string;
  readonly result: ProbeResult;
  /** The layer probed, with its pooled feature size: shown in `layer` and `dims` columns when any row has one. */
  readonly layer?: string;
  readonly dims?: number;
}

/** The results table the eval command prints. */
export function resultsTable(rows: readonly TableRow[]): string {
  if (rows.some((r) => r.layer !== undefined)) {
    return formatTable(
      ['encoder', 'layer', 'dims', 'probe', 'top-1', 'top-5', 'train', 'test', 'seconds', 'settings'],
      rows.map(({ encoder, layer, dims, result }) => [
        encoder,
        layer ?? '-',
        dims !== undefined ? String(dims) : '-',
        ...resultCells(result),
      ]),
      new Set([2, 4, 5, 6, 7, 8]),
    );
  }
  return formatTable(
    ['encoder', 'probe', 'top-1', 'top-5', 'train', 'test', 'seconds', 'settings'],
    rows.map(({ encoder, result }) => [encoder, ...resultCells(result)]),
    new Set([2, 3, 4, 5, 6]),
  );
}

function resultCells(result: ProbeResult): string[] {
  return [
    result.probe,
    percent(result.top1),
    percent(result.top5),
    String(result.numTrain),
    String(result.numTest),
    result.seconds.toFixed(1),
    probeSettings(result),
  ];
}

/** One line of representation metrics. */
export function metricsLine(encoder: string, m: RepresentationMetrics): string {
  const parts = [
    m.alignment !== undefined ? `alignment ${m.alignment.toFixed(4)}` : undefined,
    m.uniformity !== undefined ? `uniformity ${m.uniformity.toFixed(4)}` : undefined,
    m.effectiveRank !== undefined ? `effective rank ${m.effectiveRank.toFixed(1)}` : undefined,
  ].filter((p) => p !== undefined);
  return `${encoder}: ${parts.join(', ')}`;
}
