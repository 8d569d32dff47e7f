import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
// The `selfsup` bin of @selfsup/cli, as this package (a devDependency) installs it.
const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('@selfsup/cli/package.json')), 'dist', 'cli.js');

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-spectral-cli-'));
  await fs.access(path.join(import.meta.dirname, '../dist/index.js')).catch(() => {
    throw new Error('examples/third-party-method is not built (dist/index.js): run `pnpm build` here or `nx run-many -t build` first');
  });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Runs the built `selfsup` bin from the repository root, as a user would type it there. */
async function selfsup(args: readonly string[]) {
  return run(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, CI: '1' } });
}

describe('selfsup --plugin ./examples/third-party-method', () => {
  it('lists the spectral method and its options', async () => {
    const { stdout } = await selfsup(['pretrain', '--plugin', './examples/third-party-method', '--help']);
    expect(stdout).toContain('  spectral ');
    expect(stdout).toContain('--projection-dim <value>');
  });

  it('pretrains the spectral method for a few steps, then evaluates the saved encoder', async () => {
    const out = path.join(tmp, 'spectral');
    const pretrain = await selfsup([
      'pretrain',
      '--plugin',
      './examples/third-party-method',
      '--method',
      'spectral',
      '--projection-dim',
      '32',
      '--data',
      'mnist',
      '--limit',
      '96',
      '--batch-size',
      '32',
      '--out',
      out,
      '--quiet',
    ]);
    expect(pretrain.stdout).toMatch(/spectral: 3 steps \(completed\)/);
    const runJson = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(runJson.method).toMatchObject({ name: 'spectral', options: { hiddenDim: 128, projectionDim: 32 } });
    expect(runJson.plugins).toEqual(['./examples/third-party-method']);

    const evaluation = await selfsup([
      'eval',
      '--plugin',
      './examples/third-party-method',
      '--encoder',
      path.join(out, 'encoder'),
      '--data',
      'mnist',
      '--limit',
      '100',
      '--probe',
      'knn',
      '--k',
      '5',
      '--plot',
      'none',
      '--no-metrics',
      '--out',
      path.join(tmp, 'eval'),
      '--quiet',
    ]);
    expect(evaluation.stdout).toMatch(/knn\s+\d+\.\d\d%/);
    const report = JSON.parse(await fs.readFile(path.join(tmp, 'eval', 'report.json'), 'utf8'));
    expect(report.evaluations[0].results[0].top1).toBeGreaterThan(0.1);
  });
});
