import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from '../test/helpers.js';
import type { BenchCommandOptions, BenchResult } from './bench-command.js';
import { benchUnits, runBenchUnits, threadsPerJob, unitArguments } from './bench-jobs.js';
import { runCli } from './program.js';

// The children run the CLI from its sources (no build needed): Node with the workspace's source condition and tsx.
const sourceBin = fileURLToPath(new URL('../test/source-bin.ts', import.meta.url));
const fromSources = [process.execPath, '--conditions=@selfsup/source', '--import', 'tsx', sourceBin];

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-jobs-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const options: BenchCommandOptions = {
  methods: ['rotnet', 'simclr'],
  data: 'mnist',
  arch: 'convNet',
  archConfig: { channels: [8, 16], strides: [1, 2] },
  budget: 5,
  budgetClock: 'cpu',
  batchSize: 16,
  probe: ['knn', 'linear'],
  limit: 60,
  validation: 0.25,
  seed: 4,
  out: 'x',
  quiet: false,
  plugin: ['./a', 'b'],
  layer: 'block1',
};

describe('bench --jobs: units and their command lines', () => {
  it('units are seed-major in method order, each in its own folder under <out>/jobs', () => {
    const units = benchUnits(['rotnet', 'simclr'], [4, 5], '/r');
    expect(units.map((u) => `${u.method}@${u.seed}`)).toEqual(['rotnet@4', 'simclr@4', 'rotnet@5', 'simclr@5']);
    expect(units[3]?.out).toBe(path.join('/r', 'jobs', 'simclr-seed-5'));
    expect(new Set(units.map((u) => u.out)).size).toBe(4);
  });

  it("a unit's child runs one method at one seed without baselines, with every option of the parent", () => {
    const [unit] = benchUnits(['simclr'], [5], '/r');
    const args = unitArguments(options, unit as NonNullable<typeof unit>);
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args[0]).toBe('bench');
    expect(value('--methods')).toBe('simclr');
    expect(value('--seed')).toBe('5');
    expect(value('--seeds')).toBe('1');
    expect(value('--baselines')).toBe('none');
    expect(value('--jobs')).toBe('1');
    expect(JSON.parse(value('--arch-config') as string)).toEqual(options.archConfig);
    expect([value('--budget'), value('--budget-clock'), value('--batch-size'), value('--probe')]).toEqual(['5', 'cpu', '16', 'knn,linear']);
    expect([value('--limit'), value('--validation'), value('--layer'), value('--out')]).toEqual(['60', '0.25', 'block1', path.join('/r', 'jobs', 'simclr-seed-5')]);
    expect(args.filter((a, i) => args[i - 1] === '--plugin')).toEqual(['./a', 'b']);
    expect(args).toContain('--quiet');
    // Without --batch-size each method trains at its recipe's batch: the child is not given one either.
    const { batchSize: _, ...recipeBatch } = options;
    expect(unitArguments(recipeBatch, unit as NonNullable<typeof unit>)).not.toContain('--batch-size');
  });

  it('each child gets cores / jobs native threads unless SELFSUP_NATIVE_THREADS says', () => {
    expect(threadsPerJob(1, {})).toBe(String(availableParallelism()));
    expect(threadsPerJob(availableParallelism() * 2, {})).toBe('1');
    expect(threadsPerJob(2, { SELFSUP_NATIVE_THREADS: '3' })).toBe('3');
  });
});

describe('selfsup bench --jobs 2', () => {
  const common = ['--data', 'mnist', '--limit', '40', '--methods', 'simclr', '--budget', '0.5', '--batch-size', '8', '--seeds', '2', '--seed', '1', '--probe', 'knn,linear', '--quiet'];
  const arch = ['--arch-config', '{"channels":[8,16],"strides":[1,2]}'];

  it('merges the children into the table a sequential bench writes: same rows in the same order, same baselines', async () => {
    const parallel = captureCli({ selfsupCommand: fromSources });
    const out = path.join(tmp, 'parallel');
    const code = await runCli(['bench', ...common, ...arch, '--jobs', '2', '--out', out], parallel.io);
    expect(parallel.stderr()).not.toMatch(/unexpected|error/i);
    expect(code).toBe(0);
    const sequential = captureCli();
    expect(await runCli(['bench', ...common, ...arch, '--out', path.join(tmp, 'sequential')], sequential.io)).toBe(0);
    const a = parallel.result() as BenchResult;
    const b = sequential.result() as BenchResult;
    const keys = (r: BenchResult) => r.rows.map((row) => `${row.label}|${row.kind}|${row.seed}|${row.layer}|${row.results.map((x) => x.probe).join(',')}`);
    expect(keys(a)).toEqual(keys(b));
    // Baselines draw from their seeds only: the parent's equal the sequential run's.
    const baselines = (r: BenchResult) => r.rows.filter((row) => row.kind === 'baseline').map((row) => row.results.map((x) => x.top1));
    expect(baselines(a)).toEqual(baselines(b));
    for (const row of a.rows.filter((r) => r.kind === 'method')) {
      expect(row.steps).toBeGreaterThan(0);
      for (const x of row.results) expect(x.top1).toBeGreaterThanOrEqual(0);
    }
    expect(a.summary.map((r) => r.label)).toEqual(b.summary.map((r) => r.label));
    const written = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
    expect(written.losses.map((l: { name: string }) => l.name)).toEqual(['simclr (seed 1)', 'simclr (seed 2)']);
    for (const unit of ['simclr-seed-1', 'simclr-seed-2']) {
      await expect(fs.access(path.join(out, 'jobs', unit, 'results.json'))).resolves.toBeUndefined();
      await expect(fs.access(path.join(out, 'jobs', unit, 'bench.log'))).resolves.toBeUndefined();
    }
    await expect(fs.access(path.join(out, 'losses.svg'))).resolves.toBeUndefined();
  }, 240_000);

  it('a failing child stops the bench with its exit status and the end of its log', async () => {
    const c = captureCli({ selfsupCommand: [process.execPath, '-e', 'console.error("boom in the child"); process.exit(3)', '--'] });
    const code = await runCli(['bench', ...common, '--seeds', '1', '--baselines', 'none', '--jobs', '2', '--out', path.join(tmp, 'failing')], c.io);
    expect(code).toBe(1);
    expect(c.stderr()).toMatch(/bench job simclr seed 1 exited with 3/);
    expect(c.stderr()).toContain('boom in the child');
  }, 60_000);

  it('children start and run while the parent keeps its event loop busy (as the baselines\' probes do)', async () => {
    const out = path.join(tmp, 'busy-parent');
    const units = benchUnits(['simclr', 'rotnet'], [0], out);
    // A stand-in for the child bench: marks that it runs, prints plenty (more than a pipe holds), writes its results.
    const child = [
      "const fs = require('node:fs'), path = require('node:path');",
      "const out = process.argv[process.argv.indexOf('--out') + 1];",
      "fs.writeFileSync(path.join(out, 'started'), '');",
      "for (let i = 0; i < 2000; i++) console.log('x'.repeat(100));",
      "fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify({ rows: [], losses: [] }));",
    ].join(' ');
    const running = runBenchUnits(options, units, 2, [process.execPath, '-e', child, '--'], () => undefined);
    // Block synchronously, as a probe does: the children must get going without this process's event loop.
    const until = Date.now() + 20_000;
    const written = () => units.every((u) => existsSync(path.join(u.out, 'results.json')));
    while (!written() && Date.now() < until) {
      /* busy */
    }
    expect(written()).toBe(true);
    const results = await running;
    expect(results.map((r) => r.unit.method)).toEqual(['simclr', 'rotnet']);
    expect((await fs.readFile(path.join(units[0]!.out, 'bench.log'), 'utf8')).length).toBeGreaterThan(200_000);
  }, 60_000);

  it('rejects --jobs 0 and --baselines none mixed with a baseline', async () => {
    const c = captureCli();
    expect(await runCli(['bench', '--data', 'mnist', '--jobs', '0'], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/--jobs/);
    const d = captureCli();
    expect(await runCli(['bench', '--data', 'mnist', '--baselines', 'none,pixels'], d.io)).toBe(2);
    expect(d.stderr()).toMatch(/--baselines none cannot be combined with pixels/);
  });
});
