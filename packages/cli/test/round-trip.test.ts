import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PRESETS } from '../src/methods.js';

/**
 * Every method the command line lists, through the built bin and two processes: `selfsup pretrain` saves an encoder,
 * then a fresh `selfsup eval` reloads it and probes it. A method whose saved encoder needs an architecture nobody
 * registers in the new process fails here. The list is the CLI's own method table, so a method added later is covered.
 */

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../dist/cli.js');
const methods = BUILT_IN_PRESETS.map((p) => p.name);
/**
 * Pretraining data of the methods that cannot train on plain labelled digits: CLIP trains on image-caption pairs,
 * here 32 MNIST digits with generated captions (fixtures/captions, made by packages/contrastive/scripts/caption-folder.ts).
 * Its image tower is evaluated on MNIST as every other encoder.
 */
const PRETRAIN_DATA: Readonly<Record<string, string>> = { clip: `captions:${path.resolve(import.meta.dirname, 'fixtures/captions')}` };

/** Data each method can train on: the color methods get the generated color set (they refuse grey digits), the rest MNIST. */
const COLOR_METHODS = ['colorization', 'split-brain'];
const dataFor = (method: string) => (COLOR_METHODS.includes(method) ? 'color-shapes' : 'mnist');

let tmp: string;
beforeAll(async () => {
  await fs.access(bin).catch(() => {
    throw new Error(`the selfsup bin is not built (${bin}): run \`pnpm --filter "@selfsup/cli..." build\` first`);
  });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-round-trip-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Runs the bin in its own process; a failure is returned (not thrown) with its exit code and output. */
async function selfsup(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: tmp, env: { ...process.env, CI: '1' }, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('every CLI method: pretrain, then eval of the saved encoder in a new process', () => {
  it('the built bin lists the same methods as the source (a stale build would test something else)', async () => {
    const help = await selfsup(['--help']);
    expect(help.stdout).toContain(`Methods: ${methods.join(', ')}\n`);
    expect(methods.length).toBeGreaterThan(0);
  });

  it('gives every color method color data, and names only methods that exist', () => {
    for (const method of COLOR_METHODS) expect(methods).toContain(method);
  });

  it.each(methods)('%s', async (method) => {
    const out = path.join(tmp, method);
    const data = dataFor(method);
    // Two steps of 16 images: enough to save a trained encoder, small enough for the whole list to run in a minute or two.
    const pretrain = await selfsup(['pretrain', '--method', method, '--data', PRETRAIN_DATA[method] ?? data, '--limit', '32', '--batch-size', '16', '--no-monitor', '--quiet', '--out', out]);
    expect(pretrain.stderr).toBe('');
    expect(pretrain.code).toBe(0);
    expect(pretrain.stdout).toMatch(new RegExp(`^${method}: 2 steps \\(completed\\)`));
    const encoder = path.join(out, 'encoder');
    const evaluation = await selfsup([
      'eval', '--encoder', encoder, '--data', data, '--limit', '40', '--probe', 'knn,linear', '--k', '5', '--epochs', '3', '--lr', '0.1',
      '--no-metrics', '--plot', 'none', '--quiet', '--out', path.join(tmp, `${method}-eval`),
    ]);
    expect(evaluation.stderr).toBe('');
    expect(evaluation.code).toBe(0);
    const rows = evaluation.stdout.split('\n').filter((line) => line.startsWith(encoder));
    expect(rows.find((line) => / knn /.test(line))).toMatch(/ knn +\d+\.\d\d%/);
    expect(rows.find((line) => / linear /.test(line))).toMatch(/ linear +\d+\.\d\d%/);
  }, 120_000);

  it('cpc on sequences (sequences:<dir>): pretrain, then eval on pooled sequence embeddings, random init and raw values beside it', async () => {
    // Two classes of 2-channel sequences, 24 steps: a slow and a fast sine, with phases from the file's index.
    const dir = path.join(tmp, 'sequences');
    for (const [split, count] of [['train', 16], ['test', 8]] as const) {
      for (const [label, speed] of [['slow', 0.3], ['fast', 1.1]] as const) {
        await fs.mkdir(path.join(dir, split, label), { recursive: true });
        for (let i = 0; i < count; i++) {
          const steps = Array.from({ length: 24 }, (_, t) => [Math.sin(speed * t + i), Math.cos(speed * t + 2 * i)]);
          await fs.writeFile(path.join(dir, split, label, `${i}.json`), JSON.stringify(steps));
        }
      }
    }
    const out = path.join(tmp, 'cpc-sequences');
    const pretrain = await selfsup(['pretrain', '--method', 'cpc', '--data', `sequences:${dir}`, '--window', '4', '--batch-size', '16', '--no-monitor', '--quiet', '--out', out]);
    expect(pretrain.stderr).toBe('');
    expect(pretrain.code).toBe(0);
    expect(pretrain.stdout).toMatch(/^cpc: 2 steps \(completed\)/);
    const encoder = path.join(out, 'encoder');
    // The saved encoder is the windows' mean: its front end cuts sequences.
    expect(JSON.stringify(JSON.parse(await fs.readFile(path.join(encoder, 'model.json'), 'utf8')))).toContain('"frontEnd":{"kind":"sequence","window":4,"hop":4}');
    const evaluation = await selfsup([
      'eval', '--encoder', encoder, '--data', `sequences:${dir}`, '--probe', 'knn,linear', '--k', '5', '--epochs', '3', '--baselines', 'random,pixels',
      '--no-metrics', '--plot', 'none', '--quiet', '--out', path.join(tmp, 'cpc-sequences-eval'),
    ]);
    expect(evaluation.stderr).toBe('');
    expect(evaluation.code).toBe(0);
    for (const label of [encoder, 'random cpcPieceMean', 'raw pixels']) {
      expect(evaluation.stdout.split('\n').filter((line) => line.startsWith(label))).toHaveLength(2);
    }
  }, 120_000);
});
