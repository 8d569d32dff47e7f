import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadEncoder } from '@selfsup/encoders/node';
import { type ProbeName, barChartSvg, evaluateEncoder, lossCurveSvg, rawPixelEncoder } from '@selfsup/eval';
import { writeJson, writeSvg } from '@selfsup/eval/node';
import { type BackendName, type Encoder, type MethodPreset, type ProbeResult, initBackend, invalidArgument } from '@selfsup/tensors';
import { backboneConfig, buildBackbone } from './architectures.js';
import { checkCommandArguments } from './checks.js';
import { loadEvalData, parseDataSpec } from './data.js';
import { methodTable } from './methods.js';
import { type PretrainResult, runPretrain } from './pretrain-command.js';

/** Parsed options of `selfsup bench`. */
export interface BenchCommandOptions {
  readonly methods: readonly string[];
  readonly data: string;
  readonly arch: string;
  readonly budget: number;
  /** What the budget counts: wall time (default) or this process's CPU time (comparable on a busy machine). */
  readonly budgetClock?: 'wall' | 'cpu';
  readonly batchSize: number;
  readonly probe: readonly ProbeName[];
  readonly limit?: number;
  readonly seed: number;
  readonly out: string;
  readonly backend?: BackendName;
  readonly quiet: boolean;
  /** The --plugin modules the methods came from (recorded). */
  readonly plugin?: readonly string[];
}

export interface BenchIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly interactive: boolean;
  /** Methods besides the built-in ones (plugins' presets). */
  readonly presets?: readonly MethodPreset[];
}

/** One encoder of a bench: a pretrained method, or a baseline (random initialisation, raw pixels). */
export interface BenchRow {
  readonly label: string;
  readonly kind: 'method' | 'baseline';
  readonly results: readonly ProbeResult[];
  readonly steps?: number;
  readonly seconds?: number;
  /** Methods: what pretraining returned. */
  readonly pretrain?: PretrainResult;
}

/** What {@link runBench} returns. */
export interface BenchResult {
  /** Where results.md, results.json and the pictures went (absolute). */
  readonly out: string;
  readonly rows: readonly BenchRow[];
  /** The Markdown table (also in results.md). */
  readonly markdown: string;
}

type Row = BenchRow;

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

/** Renders the bench rows as a Markdown table (one column per probe). */
export function benchMarkdown(rows: readonly Row[], probes: readonly ProbeName[], title: string): string {
  const header = ['encoder', ...probes.map((p) => `${p} top-1`), 'pretraining'];
  const lines = [
    `### ${title}`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => {
      const cells = probes.map((p) => pct(r.results.find((x) => x.probe === p)?.top1));
      const pre = r.kind === 'baseline' ? '-' : `${r.steps ?? 0} steps, ${(r.seconds ?? 0).toFixed(0)} s`;
      return `| ${r.label} | ${cells.join(' | ')} | ${pre} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `selfsup bench`: pretrains each method for the same time budget on the training split, then probes each encoder
 * next to the same architecture at random initialisation and raw pixels. Writes results.md, results.json, accuracy.svg
 * and losses.svg.
 */
export async function runBench(options: BenchCommandOptions, io: BenchIo): Promise<BenchResult> {
  checkCommandArguments(options, io, ['data', 'arch', 'out']);
  if (!Array.isArray(options.methods) || options.methods.some((m) => typeof m !== 'string')) invalidArgument('options.methods', 'an array of method names', options.methods);
  const table = methodTable(io.presets ?? []);
  for (const m of options.methods) table.find(m);
  parseDataSpec(options.data);
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const out = path.resolve(options.out);
  const limit = options.limit !== undefined ? { limit: options.limit } : {};
  const rows: Row[] = [];
  const losses: { name: string; losses: number[]; steps: number[] }[] = [];
  const data = await loadEvalData(options.data, limit);
  const evaluate = async (label: string, kind: Row['kind'], encoder: Encoder, extra: Partial<Row> = {}) => {
    if (!options.quiet) io.stderr(`probing ${label}...\n`);
    const report = await evaluateEncoder(encoder, data.train, data.test, { probes: options.probe, metrics: false, linear: { seed: options.seed } });
    rows.push({ label, kind, results: report.results, ...extra });
    io.stdout(`${label}: ${report.results.map((r) => `${r.probe} ${pct(r.top1)}`).join(', ')}\n`);
  };
  try {
    const imageShape = data.train.imageShape;
    backboneConfig(options.arch, imageShape, options.seed);
    const random = buildBackbone(options.arch, imageShape, options.seed);
    try {
      await evaluate(`random ${options.arch}`, 'baseline', random);
    } finally {
      random.dispose();
    }
    await evaluate('raw pixels', 'baseline', rawPixelEncoder(imageShape));
    for (const name of options.methods) {
      const dir = path.join(out, name);
      const pretrained = await runPretrain(
        {
          method: name,
          data: options.data,
          arch: options.arch,
          epochs: 1000,
          batchSize: options.batchSize,
          seed: options.seed,
          out: dir,
          resume: false,
          timeBudget: options.budget,
          ...(options.budgetClock !== undefined ? { budgetClock: options.budgetClock } : {}),
          checkpointEvery: 200,
          skipBad: false,
          quiet: options.quiet,
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          ...(options.backend !== undefined ? { backend: options.backend } : {}),
          ...(options.plugin !== undefined ? { plugin: options.plugin } : {}),
        },
        { ...io, presets: table.presets },
      );
      losses.push({ name, losses: pretrained.history.map((h) => h.loss), steps: pretrained.history.map((h) => h.step) });
      const encoder = await loadEncoder(pretrained.encoderDir);
      try {
        await evaluate(name, 'method', encoder, { steps: pretrained.steps, seconds: pretrained.seconds, pretrain: pretrained });
      } finally {
        encoder.dispose();
      }
    }
  } finally {
    data.train.dispose?.();
    data.test.dispose?.();
  }
  const clock = options.budgetClock === 'cpu' ? 'CPU ' : '';
  const title = `${data.source}: ${options.arch}, ${options.budget} ${clock}s of pretraining per method, batch ${options.batchSize}, seed ${options.seed}`;
  const markdown = benchMarkdown(rows, options.probe, title);
  io.stdout(`\n${markdown}`);
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, 'results.md'), markdown);
  await writeJson(path.join(out, 'results.json'), {
    command: 'selfsup bench',
    options: JSON.parse(JSON.stringify(options)) as Record<string, unknown>,
    backend: backend.backend,
    backendDescription: backend.description,
    rows: rows.map(({ pretrain: _pretrain, ...r }) => ({ ...r, results: r.results.map((x) => ({ probe: x.probe, top1: x.top1, top5: x.top5 ?? null, config: x.config })) })),
  });
  const bars = rows.flatMap((r) => r.results.map((x) => ({ method: r.label, probe: x.probe, accuracy: x.top1, baseline: r.kind === 'baseline' })));
  await writeSvg(path.join(out, 'accuracy.svg'), await barChartSvg(bars, { title: `top-1 accuracy, ${data.test.name}` }));
  if (losses.length > 0) await writeSvg(path.join(out, 'losses.svg'), await lossCurveSvg(losses, { title: 'pretraining loss', smoothing: 0.9 }));
  io.stdout(`wrote ${path.join(out, 'results.md')}, results.json, accuracy.svg, losses.svg\n`);
  return { out, rows, markdown };
}
