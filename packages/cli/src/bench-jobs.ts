import { spawn } from 'node:child_process';
import { closeSync, existsSync, promises as fs, mkdirSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProbeResult, SelfsupError } from '@selfsup/tensors';
import type { BenchCommandOptions, BenchRow } from './bench-command.js';

// `selfsup bench --jobs n`: every (method, seed) pair is one unit, pretrained and probed by a child `selfsup bench`
// (one method, one seed, no baselines), n children at a time. Processes rather than worker threads because the native
// kernels' OpenMP pool and the tfjs backend are per process; each child gets cores / n native threads, so n children
// fill the machine without oversubscribing it. The parent probes the baselines meanwhile and merges the children's
// results.json rows in the order a sequential bench writes them.

/** One (method, seed) unit of a parallel bench. */
export interface BenchUnit {
  readonly method: string;
  readonly seed: number;
  /** Where the child writes its run and results.json. */
  readonly out: string;
}

/** What a unit's child reported: its rows (one per probed layer) and its loss curve. */
export interface BenchUnitResult {
  readonly unit: BenchUnit;
  readonly rows: readonly BenchRow[];
  readonly losses: readonly { readonly name: string; readonly losses: readonly number[]; readonly steps: readonly number[] }[];
}

/** The units of a bench in sequential order (seed-major, then methods), each under `<out>/jobs/<method>-seed-<seed>`. */
export function benchUnits(methods: readonly string[], seeds: readonly number[], out: string): BenchUnit[] {
  return seeds.flatMap((seed) => methods.map((method) => ({ method, seed, out: path.join(out, 'jobs', `${method}-seed-${seed}`) })));
}

/** The child's command line: `selfsup bench` for one method and seed, no baselines, quiet, into the unit's folder. */
export function unitArguments(options: BenchCommandOptions, unit: BenchUnit): string[] {
  const args = ['bench', '--data', options.data, '--methods', unit.method];
  if (options.arch !== undefined) args.push('--arch', options.arch);
  if (options.archConfig !== undefined) args.push('--arch-config', JSON.stringify(options.archConfig));
  args.push('--budget', String(options.budget), '--budget-clock', options.budgetClock ?? 'wall');
  if (options.batchSize !== undefined) args.push('--batch-size', String(options.batchSize));
  args.push('--probe', options.probe.join(','), '--seeds', '1', '--seed', String(unit.seed), '--baselines', 'none', '--jobs', '1');
  if (options.layer !== undefined) args.push('--layer', options.layer);
  if (options.limit !== undefined) args.push('--limit', String(options.limit));
  if (options.validation !== undefined) args.push('--validation', String(options.validation));
  if (options.backend !== undefined) args.push('--backend', options.backend);
  for (const plugin of options.plugin ?? []) args.push('--plugin', plugin);
  // The parent has already refused earlier runs unless --overwrite was given; the child repeats that decision.
  if (options.overwrite === true) args.push('--overwrite');
  args.push('--quiet', '--out', unit.out);
  return args;
}

/** The command that runs `selfsup` in a child: this Node and the package's built bin (dist/cli.js, beside this module). */
export function defaultSelfsupCommand(): string[] {
  const bin = fileURLToPath(new URL('./cli.js', import.meta.url));
  if (!existsSync(bin)) {
    throw new SelfsupError('INVALID_ARGUMENT', `bench --jobs and pretrain --nproc run selfsup in child processes, but the selfsup bin is missing (${bin}): build @selfsup/cli first`, {
      argument: '--jobs',
    });
  }
  return [process.execPath, bin];
}

/** Native threads per child: the environment's SELFSUP_NATIVE_THREADS if set, else cores / jobs (at least 1). */
export function threadsPerJob(jobs: number, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const given = env['SELFSUP_NATIVE_THREADS'];
  if (given !== undefined && given !== '') return given;
  return String(Math.max(1, Math.floor(availableParallelism() / jobs)));
}

interface ChildRows {
  readonly rows: readonly (Omit<BenchRow, 'results'> & { results: (Omit<ProbeResult, 'top5'> & { top5: number | null })[] })[];
  readonly losses?: BenchUnitResult['losses'];
}

async function readUnit(unit: BenchUnit): Promise<BenchUnitResult> {
  const json = JSON.parse(await fs.readFile(path.join(unit.out, 'results.json'), 'utf8')) as ChildRows;
  const rows = json.rows
    .filter((r) => r.kind === 'method')
    .map((r) => ({ ...r, results: r.results.map(({ top5, ...x }) => ({ ...x, ...(top5 !== null ? { top5 } : {}) })) }));
  return { unit, rows, losses: json.losses ?? [] };
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs the units in child processes, `jobs` at a time, and resolves with their results in unit order. Each child's
 * output goes to `<unit.out>/bench.log`. A failing child stops the others (they are killed) and rejects with its exit
 * status and the end of its log.
 */
export async function runBenchUnits(
  options: BenchCommandOptions,
  units: readonly BenchUnit[],
  jobs: number,
  command: readonly string[],
  report: (text: string) => void,
): Promise<BenchUnitResult[]> {
  const [exe, ...prefix] = command;
  if (exe === undefined) throw new SelfsupError('INVALID_ARGUMENT', 'the selfsup command for --jobs must not be empty', { argument: 'command' });
  const env = { ...process.env, SELFSUP_NATIVE_THREADS: threadsPerJob(jobs) };
  const results: BenchUnitResult[] = new Array(units.length);
  const running = new Set<ReturnType<typeof spawn>>();
  let next = 0;
  let done = 0;
  let failed = false;
  return await new Promise<BenchUnitResult[]>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      for (const child of running) child.kill('SIGTERM');
      reject(error);
    };
    // Synchronous up to the spawn, with the child's output going straight to its log file: the baselines' probes keep
    // this process's event loop busy for minutes, and neither starting a child nor draining its pipes may wait for them.
    const start = (index: number) => {
      const unit = units[index] as BenchUnit;
      mkdirSync(unit.out, { recursive: true });
      const logFile = path.join(unit.out, 'bench.log');
      const logFd = openSync(logFile, 'w');
      const begun = Date.now();
      report(`[${index + 1}/${units.length}] ${unit.method} seed ${unit.seed}: started (log ${logFile})\n`);
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(exe, [...prefix, ...unitArguments(options, unit)], { env, stdio: ['ignore', logFd, logFd] });
      } finally {
        closeSync(logFd);
      }
      running.add(child);
      child.on('error', (error) => fail(error));
      child.on('close', (code, signal) => {
        running.delete(child);
        if (failed) return;
        if (code !== 0) {
          void tail(logFile, 8).then((end) =>
            fail(new Error(`bench job ${unit.method} seed ${unit.seed} exited with ${code ?? signal}; the end of ${logFile}:\n${end}`)),
          );
          return;
        }
        readUnit(unit)
          .then((result) => {
            results[index] = result;
            const probes = result.rows.flatMap((r) => r.results.map((x) => `${x.probe} ${(100 * x.top1).toFixed(1)}%`)).join(', ');
            report(`[${index + 1}/${units.length}] ${unit.method} seed ${unit.seed}: ${probes} (${((Date.now() - begun) / 1000).toFixed(0)} s)\n`);
            done += 1;
            if (done === units.length) resolve(results);
            else if (next < units.length) startOrFail(next++);
          })
          .catch(fail);
      });
    };
    const startOrFail = (index: number) => {
      try {
        start(index);
      } catch (error) {
        fail(error);
      }
    };
    if (units.length === 0) {
      resolve([]);
      return;
    }
    while (next < Math.min(jobs, units.length)) startOrFail(next++);
  });
}
