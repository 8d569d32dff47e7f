import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadEncoder } from '@selfsup/encoders/node';
import { type ProbeName, barChartSvg, evaluateEncoder, lossCurveSvg, rawPixelEncoder } from '@selfsup/eval';
import { writeJson, writeSvg } from '@selfsup/eval/node';
import {
  type BackendName,
  EMBEDDING_LAYER,
  type Encoder,
  type JsonObject,
  type MethodPreset,
  type ProbeResult,
  SelfsupError,
  assertInteger,
  initBackend,
  invalidArgument,
  resolveLayers,
} from '@selfsup/tensors';
import { backboneConfig, buildBackbone } from './architectures.js';
import { checkCommandArguments } from './checks.js';
import { assertLabelledData, checkEvalDataSpec, checkValidation, loadEvalData } from './data.js';
import { benchUnits, defaultSelfsupCommand, runBenchUnits } from './bench-jobs.js';
import { methodTable, registerPresetArchitectures } from './methods.js';
import { type EarlierRun, checkOutDirectory, findEarlierRun } from './out-dir.js';
import { PRETRAIN_FILES, type PretrainResult, runPretrain } from './pretrain-command.js';

/** Parsed options of `selfsup bench`. */
export interface BenchCommandOptions {
  readonly methods: readonly string[];
  readonly data: string;
  /**
   * The backbone of every method and of the random baseline (`--arch`). Absent: each method trains its own encoder (its
   * preset's `defaultArchitecture`, else convNet), and each distinct one gets its random baseline.
   */
  readonly arch?: string;
  /** Overrides of the backbone's default config (`--arch-config`), for every method's encoder and the random baseline. */
  readonly archConfig?: JsonObject;
  readonly budget: number;
  /** What the budget counts: wall time (default) or this process's CPU time (comparable on a busy machine). */
  readonly budgetClock?: 'wall' | 'cpu';
  /** Images per pretraining step for every method. Absent: each method's recipe's (pretrain's default), else 128. */
  readonly batchSize?: number;
  readonly probe: readonly ProbeName[];
  readonly limit?: number;
  /**
   * Hold out this share of the training split (class-balanced, fixed seed 0): methods pretrain on the rest and every
   * encoder is probed on it instead of the test split.
   */
  readonly validation?: number;
  readonly seed: number;
  readonly out: string;
  /** Replace the runs an earlier bench left in `out` (without it, such a directory is refused before anything trains). */
  readonly overwrite?: boolean;
  readonly backend?: BackendName;
  readonly quiet: boolean;
  /** The --plugin modules the methods came from (recorded). */
  readonly plugin?: readonly string[];
  /**
   * Repeat everything with seeds seed..seed+n-1 (pretraining, random init, linear probes) and report mean ± sd over
   * them. Default 1 here; the command line's --seeds defaults to 3.
   */
  readonly seeds?: number;
  /** The layer of every encoder to probe (random init included), or `all`. Default `"embedding"`. Raw pixels have none. */
  readonly layer?: string;
  /** Baselines probed at every seed next to the methods. Default both: `['random', 'pixels']`. */
  readonly baselines?: readonly BenchBaseline[];
  /**
   * Methods pretrained and probed at once, each (method, seed) in its own child `selfsup` process with cores / jobs
   * native threads (bench-jobs.ts); the baselines are probed in this process meanwhile. Default 1: everything here,
   * in sequence.
   */
  readonly jobs?: number;
}

/** A baseline of `selfsup bench`: the architecture at random initialisation, or the raw pixels. */
export type BenchBaseline = 'random' | 'pixels';

export interface BenchIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly interactive: boolean;
  /** Methods besides the built-in ones (plugins' presets). */
  readonly presets?: readonly MethodPreset[];
  /** With `jobs` > 1: the command that runs `selfsup` in a child process (default: this Node and the built bin). */
  readonly selfsupCommand?: readonly string[];
}

/** One encoder of a bench at one seed and layer: a pretrained method, or a baseline (random initialisation, raw pixels). */
export interface BenchRow {
  readonly label: string;
  readonly kind: 'method' | 'baseline';
  /** The seed of this run (pretraining, initialisation, linear probe). */
  readonly seed: number;
  /** The layer probed ("embedding": the encoder's output; "pixels" for raw pixels, which have no layers). */
  readonly layer: string;
  readonly results: readonly ProbeResult[];
  readonly steps?: number;
  /** Methods: images per pretraining step. */
  readonly batchSize?: number;
  readonly seconds?: number;
  /** Methods: what pretraining returned. */
  readonly pretrain?: PretrainResult;
}

/** Mean and sample standard deviation (n - 1; 0 for one value) of a probe's top-1 over seeds, with the values. */
export interface SeedStatistics {
  readonly mean: number;
  readonly sd: number;
  readonly values: readonly number[];
}

/** One encoder at one layer, over every seed: what the table shows. */
export interface BenchSummaryRow {
  readonly label: string;
  readonly kind: 'method' | 'baseline';
  readonly layer: string;
  readonly seeds: readonly number[];
  /** Top-1 per probe. */
  readonly top1: Readonly<Record<string, SeedStatistics>>;
  /** Methods: mean pretraining steps and seconds over seeds, and the batch (images per step). */
  readonly steps?: number;
  readonly batchSize?: number;
  readonly seconds?: number;
}

/** What {@link runBench} returns. */
export interface BenchResult {
  /** Where results.md, results.json and the pictures went (absolute). */
  readonly out: string;
  /** One row per encoder, seed and layer. */
  readonly rows: readonly BenchRow[];
  /** One row per encoder and layer: mean ± sd over the seeds. */
  readonly summary: readonly BenchSummaryRow[];
  /** The Markdown table (also in results.md). */
  readonly markdown: string;
}

type Row = BenchRow;

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

/** Mean and sample standard deviation (n - 1 in the denominator; 0 for a single value). */
export function seedStatistics(values: readonly number[]): SeedStatistics {
  if (!Array.isArray(values) || values.length === 0) invalidArgument('values', 'a non-empty array of numbers', values);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd, values: [...values] };
}

/** Groups per-seed rows by encoder and layer (in order of first appearance) into mean ± sd per probe. */
function checkRows(name: string, rows: unknown, expected: string): void {
  if (!Array.isArray(rows) || !rows.every((r) => typeof r === 'object' && r !== null && typeof (r as { label?: unknown }).label === 'string')) {
    invalidArgument(name, `an array of ${expected}`, rows);
  }
}

export function summarizeBench(rows: readonly BenchRow[]): BenchSummaryRow[] {
  checkRows('rows', rows as unknown, 'bench rows ({ label, layer, results, ... }), as runBench returns them');
  const groups = new Map<string, BenchRow[]>();
  for (const r of rows) {
    const key = `${r.label}\u0000${r.layer}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as BenchRow;
    const probes = [...new Set(group.flatMap((r) => r.results.map((x) => x.probe)))];
    const top1: Record<string, SeedStatistics> = {};
    for (const p of probes) {
      const values = group.flatMap((r) => r.results.filter((x) => x.probe === p).map((x) => x.top1));
      if (values.length > 0) top1[p] = seedStatistics(values);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const steps = group.flatMap((r) => (r.steps !== undefined ? [r.steps] : []));
    const seconds = group.flatMap((r) => (r.seconds !== undefined ? [r.seconds] : []));
    return {
      label: first.label,
      kind: first.kind,
      layer: first.layer,
      seeds: group.map((r) => r.seed),
      top1,
      ...(steps.length > 0 ? { steps: mean(steps) } : {}),
      ...(first.batchSize !== undefined ? { batchSize: first.batchSize } : {}),
      ...(seconds.length > 0 ? { seconds: mean(seconds) } : {}),
    };
  });
}

const meanSd = (s: SeedStatistics | undefined) =>
  s === undefined ? '-' : s.values.length < 2 ? pct(s.mean) : `${(100 * s.mean).toFixed(1)} ± ${(100 * s.sd).toFixed(1)}%`;

/** Renders the bench summary as a Markdown table (one column per probe: mean ± sd over seeds; a layer column when not all rows are embeddings). */
export function benchMarkdown(rows: readonly BenchSummaryRow[], probes: readonly ProbeName[], title: string): string {
  checkRows('rows', rows as unknown, 'summary rows ({ label, layer, probes, ... }), as summarizeBench returns them');
  if (!Array.isArray(probes) || !probes.every((p) => typeof p === 'string')) invalidArgument('probes', 'an array of probe names (knn, linear)', probes);
  if (typeof title !== 'string') invalidArgument('title', 'a string', title);
  const withLayers = rows.some((r) => r.layer !== EMBEDDING_LAYER);
  const header = ['encoder', ...(withLayers ? ['layer'] : []), ...probes.map((p) => `${p} top-1`), 'pretraining'];
  const lines = [
    `### ${title}`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => {
      const cells = probes.map((p) => meanSd(r.top1[p]));
      const of = r.batchSize !== undefined ? ` of ${r.batchSize}` : '';
      const pre = r.kind === 'baseline' ? '-' : `${Math.round(r.steps ?? 0)} steps${of}, ${(r.seconds ?? 0).toFixed(0)} s`;
      return `| ${[r.label, ...(withLayers ? [r.layer] : []), ...cells, pre].join(' | ')} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/** The encoder a bench trains for a method: `--arch` if given, else the preset's own, else convNet. */
interface BenchEncoder {
  readonly arch: string;
  /** The preset's config keys under `--arch-config` (as `selfsup pretrain` resolves them). */
  readonly archConfig?: JsonObject;
  /** How the table names it: the architecture, with the preset's config keys where it has some. */
  readonly label: string;
}

function benchEncoder(options: BenchCommandOptions, preset: MethodPreset | undefined): BenchEncoder {
  const arch = options.arch ?? preset?.defaultArchitecture?.name ?? 'convNet';
  const own = preset?.defaultArchitecture?.name === arch ? preset.defaultArchitecture.config : undefined;
  const archConfig = own !== undefined ? { ...own, ...options.archConfig } : options.archConfig;
  return { arch, ...(archConfig !== undefined ? { archConfig } : {}), label: own !== undefined ? `${arch} ${JSON.stringify(own)}` : arch };
}

function uniqueEncoders(encoders: readonly BenchEncoder[]): BenchEncoder[] {
  const seen = new Map<string, BenchEncoder>();
  for (const e of encoders) if (!seen.has(e.label)) seen.set(e.label, e);
  return [...seen.values()];
}

/**
 * Runs `selfsup bench`: pretrains each method for the same time budget on the training split, then probes each encoder
 * next to the same architecture at random initialisation and raw pixels. Writes results.md, results.json, accuracy.svg
 * and losses.svg.
 */
export async function runBench(options: BenchCommandOptions, io: BenchIo): Promise<BenchResult> {
  checkCommandArguments(options, io, ['data', 'out']);
  if (options.arch !== undefined && typeof options.arch !== 'string') invalidArgument('options.arch', 'a string (or absent: each method\'s own encoder)', options.arch);
  if (!Array.isArray(options.methods) || options.methods.some((m) => typeof m !== 'string')) invalidArgument('options.methods', 'an array of method names', options.methods);
  const numSeeds = options.seeds ?? 1;
  assertInteger('--seeds', numSeeds, 1);
  if (options.layer !== undefined && typeof options.layer !== 'string') invalidArgument('--layer', 'a layer name or all', options.layer);
  const baselines = options.baselines ?? ['random', 'pixels'];
  if (!Array.isArray(baselines) || baselines.some((b) => b !== 'random' && b !== 'pixels')) invalidArgument('--baselines', 'a list of random, pixels (or none)', baselines);
  const jobs = options.jobs ?? 1;
  assertInteger('--jobs', jobs, 1);
  if (options.methods.length === 0 && baselines.length === 0) invalidArgument('--methods', 'at least one method when --baselines is none', options.methods);
  const table = methodTable(io.presets ?? []);
  registerPresetArchitectures(table.presets);
  for (const m of options.methods) table.find(m);
  // What each method trains: --arch for all, else the method's own encoder; the random baselines are the distinct ones.
  const methodEncoders = new Map(options.methods.map((m) => [m, benchEncoder(options, table.find(m))]));
  const encoders = uniqueEncoders(options.methods.length > 0 ? [...methodEncoders.values()] : [benchEncoder(options, undefined)]);
  const selfsupCommand = jobs > 1 ? (io.selfsupCommand ?? defaultSelfsupCommand()) : [];
  checkEvalDataSpec(options.data);
  if (options.validation !== undefined) checkValidation(options.validation);
  const out = path.resolve(options.out);
  const seeds = Array.from({ length: numSeeds }, (_, i) => options.seed + i);
  // With --jobs, each (method, seed) runs in a child bench of its own folder (bench-jobs.ts), its run below it.
  const runDir = (name: string, seed: number) =>
    jobs > 1 ? path.join(out, 'jobs', `${name}-seed-${seed}`, name) : numSeeds > 1 ? path.join(out, name, `seed-${seed}`) : path.join(out, name);
  // Every path is checked before anything trains: a bench that would fail at its third method fails now instead.
  await checkOutDirectory('--out', options.out);
  const earlier: EarlierRun[] = [];
  for (const seed of seeds) {
    for (const name of options.methods) {
      const dir = runDir(name, seed);
      await checkOutDirectory('--out', path.join(options.out, path.relative(out, dir)));
      const run = await findEarlierRun(dir, Object.values(PRETRAIN_FILES), PRETRAIN_FILES.run);
      if (run !== undefined) earlier.push(run);
    }
  }
  if (earlier.length > 0 && options.overwrite !== true) {
    const where = earlier.map((r) => path.relative(out, r.dir)).join(', ');
    throw new SelfsupError('INVALID_ARGUMENT', `--out ${options.out} holds earlier runs (${where}); pass --overwrite to replace them (or choose another --out)`, {
      argument: '--out',
    });
  }
  const backend = await initBackend(options.backend !== undefined ? { backend: options.backend } : {});
  const dataOptions = {
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.validation !== undefined ? { validation: options.validation } : {}),
  };
  const layerSpec = options.layer ?? EMBEDDING_LAYER;
  const rows: Row[] = [];
  const losses: { name: string; losses: number[]; steps: number[] }[] = [];
  const data = await loadEvalData(options.data, dataOptions);
  try {
    assertLabelledData(data, options.data, 'selfsup bench');
  } catch (error) {
    data.train.dispose?.();
    data.test.dispose?.();
    throw error;
  }
  const evaluate = async (
    label: string,
    kind: Row['kind'],
    encoder: Encoder,
    seed: number,
    extra: Partial<Row> = {},
    reuse: readonly ProbeResult[] = [],
  ) => {
    // Raw pixels have no layers: probed once, on the pixels themselves.
    const pixels = encoder.architecture === 'rawPixels' && encoder.layers === undefined;
    const layers = pixels ? [EMBEDDING_LAYER] : resolveLayers('--layer', encoder, layerSpec);
    for (const layer of layers) {
      const shown = `${label}${layerSpec !== EMBEDDING_LAYER ? ` @ ${pixels ? 'pixels' : layer}` : ''}${numSeeds > 1 ? ` (seed ${seed})` : ''}`;
      if (!options.quiet) io.stderr(`probing ${shown}...\n`);
      const probes = options.probe.filter((p) => !reuse.some((r) => r.probe === p));
      const report =
        probes.length > 0
          ? await evaluateEncoder(encoder, data.train, data.test, { probes, metrics: false, linear: { seed }, layer })
          : { results: [] as ProbeResult[] };
      const results = options.probe.flatMap((p) => [...reuse, ...report.results].filter((r) => r.probe === p));
      rows.push({ label, kind, seed, layer: pixels && layerSpec !== EMBEDDING_LAYER ? 'pixels' : layer, results, ...extra });
      io.stdout(`${shown}: ${results.map((r) => `${r.probe} ${pct(r.top1)}`).join(', ')}\n`);
    }
  };
  try {
    const imageShape = data.train.imageShape;
    for (const { arch, archConfig } of encoders) {
      backboneConfig(arch, imageShape, options.seed, archConfig);
      if (layerSpec !== EMBEDDING_LAYER || archConfig !== undefined) {
        // Check --arch-config and --layer against each architecture before anything is trained.
        const probe = buildBackbone(arch, imageShape, options.seed, archConfig);
        try {
          resolveLayers('--layer', probe, layerSpec);
        } finally {
          probe.dispose();
        }
      }
    }
    let pixelKnn: readonly ProbeResult[] = [];
    const probeBaselines = async (seed: number) => {
      if (baselines.includes('random')) {
        for (const { arch, archConfig, label } of encoders) {
          const random = buildBackbone(arch, imageShape, seed, archConfig);
          try {
            await evaluate(`random ${label}`, 'baseline', random, seed);
          } finally {
            random.dispose();
          }
        }
      }
      if (baselines.includes('pixels')) {
        // k-NN on pixels draws nothing at random: computed once, the same at every seed; the linear probe runs per seed.
        const pixelRows = rows.length;
        await evaluate('raw pixels', 'baseline', rawPixelEncoder(imageShape), seed, {}, pixelKnn);
        pixelKnn = (rows[pixelRows] as Row).results.filter((r) => r.probe === 'knn');
      }
    };
    if (jobs > 1) {
      // The children train while this process probes the baselines; rows are then merged in sequential order.
      const units = benchUnits(options.methods, seeds, out);
      const children = runBenchUnits(options, units, jobs, selfsupCommand, (text) => {
        if (!options.quiet) io.stderr(text);
      });
      // A failure in a child must not wait for the baselines to finish: the rejection is observed right away.
      children.catch(() => undefined);
      const baselineRows: Row[][] = [];
      for (const seed of seeds) {
        const before = rows.length;
        await probeBaselines(seed);
        baselineRows.push(rows.splice(before));
      }
      const unitResults = await children;
      seeds.forEach((seed, i) => {
        rows.push(...(baselineRows[i] as Row[]));
        for (const result of unitResults.filter((u) => u.unit.seed === seed)) {
          rows.push(...result.rows);
          losses.push(...result.losses.map((l) => ({ name: numSeeds > 1 ? `${result.unit.method} (seed ${seed})` : l.name, losses: [...l.losses], steps: [...l.steps] })));
        }
      });
    }
    for (const seed of jobs > 1 ? [] : seeds) {
      await probeBaselines(seed);
      for (const name of options.methods) {
        const dir = runDir(name, seed);
        const pretrained = await runPretrain(
          {
            method: name,
            data: options.data,
            // Without --arch, pretrain resolves the method's own encoder as benchEncoder did.
            ...(options.arch !== undefined ? { arch: options.arch } : {}),
            ...(options.archConfig !== undefined ? { archConfig: options.archConfig } : {}),
            epochs: 1000,
            ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
            seed,
            out: dir,
            resume: false,
            ...(options.overwrite === true ? { overwrite: true } : {}),
            timeBudget: options.budget,
            ...(options.budgetClock !== undefined ? { budgetClock: options.budgetClock } : {}),
            checkpointEvery: 200,
            skipBad: false,
            quiet: options.quiet,
            ...(options.limit !== undefined ? { limit: options.limit } : {}),
            ...(options.validation !== undefined ? { validation: options.validation } : {}),
            ...(options.backend !== undefined ? { backend: options.backend } : {}),
            ...(options.plugin !== undefined ? { plugin: options.plugin } : {}),
          },
          { ...io, presets: table.presets },
        );
        losses.push({
          name: numSeeds > 1 ? `${name} (seed ${seed})` : name,
          losses: pretrained.history.map((h) => h.loss),
          steps: pretrained.history.map((h) => h.step),
        });
        const encoder = await loadEncoder(pretrained.encoderDir);
        try {
          await evaluate(name, 'method', encoder, seed, { steps: pretrained.steps, batchSize: pretrained.batchSize, seconds: pretrained.seconds, pretrain: pretrained });
        } finally {
          encoder.dispose();
        }
      }
    }
  } finally {
    data.train.dispose?.();
    data.test.dispose?.();
  }
  const summary = summarizeBench(rows);
  const clock = options.budgetClock === 'cpu' ? 'CPU ' : '';
  const seedText = numSeeds > 1 ? `seeds ${seeds[0]}..${seeds[seeds.length - 1]} (mean ± sd)` : `seed ${options.seed}`;
  const layerText = layerSpec !== EMBEDDING_LAYER ? `, layer ${layerSpec}` : '';
  const archText = options.archConfig !== undefined ? ` ${JSON.stringify(options.archConfig)}` : '';
  const title = `${data.source}: ${encoders.map((e) => e.label).join(', ')}${archText}${layerText}, ${options.budget} ${clock}s of pretraining per method, ${options.batchSize !== undefined ? `batch ${options.batchSize}` : "each method's recipe's batch"}, ${seedText}`;
  const markdown = benchMarkdown(summary, options.probe, title);
  io.stdout(`\n${markdown}`);
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, 'results.md'), markdown);
  await writeJson(path.join(out, 'results.json'), {
    command: 'selfsup bench',
    options: JSON.parse(JSON.stringify(options)) as Record<string, unknown>,
    backend: backend.backend,
    backendDescription: backend.description,
    seeds,
    rows: rows.map(({ pretrain: _pretrain, ...r }) => ({ ...r, results: r.results.map((x) => ({ ...x, top5: x.top5 ?? null })) })),
    summary,
    losses,
  });
  const bars = summary.flatMap((r) =>
    Object.entries(r.top1).map(([probe, stats]) => ({
      method: layerSpec !== EMBEDDING_LAYER ? `${r.label} @ ${r.layer}` : r.label,
      probe,
      accuracy: stats.mean,
      ...(numSeeds > 1 ? { sd: stats.sd } : {}),
      baseline: r.kind === 'baseline',
    })),
  );
  const barTitle = `top-1 accuracy, ${data.test.name}${numSeeds > 1 ? `, mean ± sd over ${numSeeds} seeds` : ''}`;
  await writeSvg(path.join(out, 'accuracy.svg'), await barChartSvg(bars, { title: barTitle }));
  if (losses.length > 0) await writeSvg(path.join(out, 'losses.svg'), await lossCurveSvg(losses, { title: 'pretraining loss', smoothing: 0.9 }));
  io.stdout(`wrote ${path.join(out, 'results.md')}, results.json, accuracy.svg, losses.svg\n`);
  return { out, rows, summary, markdown };
}
