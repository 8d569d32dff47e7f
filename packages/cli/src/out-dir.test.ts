import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasArchitecture, unregisterArchitecture } from '@selfsup/encoders';
import { pretextPresets } from '@selfsup/pretext';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from '../test/helpers.js';
import { BUILT_IN_PRESETS, registerPresetArchitectures } from './methods.js';
import { pathErrorMessage } from './out-dir.js';
import type { PretrainResult } from './pretrain-command.js';
import { runCli } from './program.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-cli-out-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const pretrainArgs = (method: string, out: string) => [
  'pretrain', '--method', method, '--arch', 'mlp', '--data', 'mnist', '--limit', '32', '--batch-size', '16', '--no-monitor', '--quiet', '--out', out,
];
const evalArgs = (out: string) => ['eval', '--encoder', 'pixels', '--data', 'mnist', '--limit', '40', '--probe', 'knn', '--k', '3', '--no-metrics', '--plot', 'none', '--quiet', '--out', out];
const benchArgs = (out: string) => ['bench', '--data', 'mnist', '--methods', 'rotnet', '--limit', '40', '--batch-size', '8', '--budget', '0.5', '--seeds', '1', '--probe', 'knn', '--out', out];

/** Every file under `dir` with a hash of its bytes, to show that a refused command left them as they were. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(dir, file), createHash('sha256').update(await fs.readFile(file)).digest('hex'));
    }
  }
  return files;
}

async function cli(argv: string[]) {
  const c = captureCli();
  const code = await runCli(argv, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr(), result: c.result() };
}

/** Exit 2 and exactly one line on stderr, no stack. */
function expectOneLineRefusal(r: { code: number; stderr: string }, message: RegExp): void {
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
}

describe('selfsup pretrain keeps an earlier run unless told otherwise', () => {
  it('refuses to write over a run without --resume or --overwrite, leaving every file as it was', async () => {
    const out = path.join(tmp, 'run');
    expect((await cli(pretrainArgs('simclr', out))).code).toBe(0);
    const before = await snapshot(out);
    expect([...before.keys()]).toEqual(expect.arrayContaining(['run.json', 'log.json', 'loss.svg', 'encoder/model.json', 'checkpoint/model.json']));
    const again = await cli(pretrainArgs('rotnet', out));
    expectOneLineRefusal(
      again,
      /^selfsup: --out .*run holds an earlier run: run\.json, checkpoint\/, encoder\/, log\.json and loss\.svg \(a simclr run started \d{4}-[^)]*\); pass --resume to continue it or --overwrite to replace it/,
    );
    expect(await snapshot(out)).toEqual(before);
    const both = await cli([...pretrainArgs('simclr', out), '--resume', '--overwrite']);
    expectOneLineRefusal(both, /--resume continues the run in --out and --overwrite replaces it: give one of them/);
    expect(await snapshot(out)).toEqual(before);
  });

  it('replaces it with --overwrite, and says what it replaced', async () => {
    const out = path.join(tmp, 'replaced');
    expect((await cli(pretrainArgs('simclr', out))).code).toBe(0);
    // Not a file of the run: stays.
    await fs.writeFile(path.join(out, 'notes.txt'), 'mine');
    const r = await cli([...pretrainArgs('rotnet', out), '--overwrite']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/--overwrite: replaced the earlier run in .*replaced: removed run\.json, checkpoint\/, encoder\/, log\.json and loss\.svg \(a simclr run started /);
    expect((r.result as PretrainResult).replaced).toEqual(['run.json', 'checkpoint/', 'encoder/', 'log.json', 'loss.svg']);
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8')) as { method: { name: string } };
    expect(run.method.name).toBe('rotnet');
    expect(await fs.readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    // A directory without a run's files is no earlier run.
    const fresh = path.join(tmp, 'fresh');
    await fs.mkdir(fresh);
    await fs.writeFile(path.join(fresh, 'notes.txt'), 'mine');
    const f = await cli([...pretrainArgs('rotnet', fresh), '--overwrite']);
    expect(f.code).toBe(0);
    expect(f.stderr).toBe('');
    expect((f.result as PretrainResult).replaced).toBeUndefined();
  });
});

describe('path errors exit 2 with one line', () => {
  it('refuses an --out that is a file, or lies below one, for pretrain, eval and bench, and leaves the file alone', async () => {
    const file = path.join(tmp, 'a-file');
    await fs.writeFile(path.join(tmp, 'a-file'), 'keep me');
    for (const argv of [pretrainArgs('simclr', file), evalArgs(file), benchArgs(file)]) {
      const r = await cli(argv);
      expectOneLineRefusal(r, /^selfsup: --out .*a-file is a file; expected a directory/);
      expect(r.stdout).toBe('');
    }
    for (const argv of [pretrainArgs('simclr', path.join(file, 'sub')), evalArgs(path.join(file, 'sub', 'deeper')), benchArgs(path.join(file, 'sub'))]) {
      const r = await cli(argv);
      expectOneLineRefusal(r, /^selfsup: --out .*a-file[/\\]sub.*: .*a-file is a file, so no directory can be made there/);
      expect(r.stdout).toBe('');
    }
    expect(await fs.readFile(file, 'utf8')).toBe('keep me');
  });

  it('bench refuses, before it trains anything, an --out holding an earlier bench, and replaces it with --overwrite', async () => {
    const out = path.join(tmp, 'bench');
    await fs.mkdir(path.join(out, 'rotnet'), { recursive: true });
    await fs.writeFile(path.join(out, 'rotnet', 'run.json'), JSON.stringify({ method: { name: 'rotnet' }, startedAt: '2020-01-01T00:00:00.000Z' }));
    const before = await snapshot(out);
    const r = await cli(benchArgs(out));
    expectOneLineRefusal(r, /--out .*bench holds earlier runs \(rotnet\); pass --overwrite to replace them/);
    // Nothing was probed or trained: the baselines print a line each when they are.
    expect(r.stdout).toBe('');
    expect(await snapshot(out)).toEqual(before);
    const o = await cli([...benchArgs(out), '--overwrite', '--quiet']);
    expect(o.stderr).toMatch(/--overwrite: replaced the earlier run in .*rotnet: removed run\.json \(a rotnet run started 2020-01-01/);
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(/rotnet: knn/);
  });

  it('reports a path the file system refuses (a directory where a file goes) as bad input', async () => {
    const out = path.join(tmp, 'eval-blocked');
    await fs.mkdir(path.join(out, 'report.json'), { recursive: true });
    const r = await cli(evalArgs(out));
    expectOneLineRefusal(r, /^selfsup: cannot write .*eval-blocked[/\\]report\.json: it is a directory, not a file \(EISDIR\)$/m);
  });

  it('turns only file-system errors that carry a path into messages', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/x/y', syscall: 'mkdir' });
    expect(pathErrorMessage(denied)).toBe('cannot mkdir /x/y: permission denied (EACCES)');
    const renamed = Object.assign(new Error('EISDIR'), { code: 'EISDIR', path: '/x/y.tmp-1', dest: '/x/y', syscall: 'rename' });
    expect(pathErrorMessage(renamed)).toBe('cannot write /x/y: it is a directory, not a file (EISDIR)');
    expect(pathErrorMessage(Object.assign(new Error('x'), { code: 'ENOSPC', path: '/x' }))).toBeUndefined();
    expect(pathErrorMessage(Object.assign(new Error('x'), { code: 'EACCES' }))).toBeUndefined();
    expect(pathErrorMessage('EACCES')).toBeUndefined();
  });
});

describe('registerPresetArchitectures', () => {
  it("registers what the presets declare, once, keeps an existing registration, and refuses a built-in name", () => {
    const declared = ['clipImageTower', 'textTransformer', 'wholeImage'];
    for (const name of declared) if (hasArchitecture(name)) unregisterArchitecture(name);
    expect(registerPresetArchitectures(BUILT_IN_PRESETS)).toEqual(declared);
    expect(hasArchitecture('wholeImage')).toBe(true);
    expect(registerPresetArchitectures(BUILT_IN_PRESETS)).toEqual([]);
    const jigsaw = pretextPresets.find((p) => p.name === 'jigsaw')!;
    const clash = { ...jigsaw, name: 'clash', architectures: [{ name: 'mlp', factory: jigsaw.architectures![0]!.factory }] };
    expect(() => registerPresetArchitectures([clash])).toThrow(/presets\[0\]\.architectures must be architectures whose names are not built in .*; got "mlp"/);
    expect(() => registerPresetArchitectures('jigsaw' as never)).toThrow(/presets must be an array of MethodPreset/);
  });
});
