import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasArchitecture, unregisterArchitecture } from '@selfsup/encoders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin, pluginArguments, resolvePlugin } from './plugins.js';
import { runCli } from './program.js';
import { captureCli } from '../test/helpers.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const pkg = path.resolve(here, '..');
const fixture = './test/fixtures/toy-plugin.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-cli-plugins-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  if (hasArchitecture('toyLinear')) unregisterArchitecture('toyLinear');
});

const capture = () => captureCli({ cwd: pkg });

describe('--plugin', () => {
  it('reads --plugin values before parsing', () => {
    expect(pluginArguments(['pretrain', '--plugin', 'a', '--plugin=./b', '--', '--plugin', 'c'])).toEqual(['a', './b']);
  });

  it('resolves paths and installed packages from the working directory', async () => {
    expect(await resolvePlugin(fixture, pkg)).toBe(path.join(pkg, 'test/fixtures/toy-plugin.ts'));
    // An installed package (a workspace dependency here): its exports' import/default entry.
    expect(await resolvePlugin('@selfsup/contrastive', pkg)).toMatch(/contrastive\/dist\/index\.js$/);
    await expect(resolvePlugin('./nope', pkg)).rejects.toThrow(/--plugin \.\/nope: expected a package name or an existing path; nothing is at /);
    await expect(resolvePlugin('selfsup-no-such-plugin', pkg)).rejects.toThrow(/the package "selfsup-no-such-plugin" is not installed where/);
  });

  it('collects MethodPreset exports (single and arrays, once each) and registers architectures', async () => {
    const plugin = await loadPlugin(fixture, pkg);
    expect(plugin.presets.map((p) => p.name)).toEqual(['toy-shrink']);
    expect(plugin.architectures).toEqual(['toyLinear']);
    expect(hasArchitecture('toyLinear')).toBe(true);
  });

  it('refuses a module without presets or architectures', async () => {
    const file = path.join(tmp, 'empty.mjs');
    await fs.writeFile(file, 'export const x = 1;\n');
    await expect(loadPlugin(file, pkg)).rejects.toThrow(/expected MethodPreset exports .* has none \(its exports: x\)/);
  });

  it("adds the plugin's method and architecture to the lists, help and flags", async () => {
    const c = capture();
    expect(await runCli(['pretrain', '--plugin', fixture, '--help'], c.io)).toBe(0);
    const help = c.stdout();
    expect(help.replace(/\s+/g, ' ')).toMatch(/--method <name> method: simclr, .*inpainting, colorization, split-brain, toy-shrink/);
    expect(help).toContain('  toy-shrink ');
    expect(help).toContain('toy method of the test plugin');
    expect(help).toContain('a linear map of the pixels (test plugin)');
    expect(help).toContain('--scale <value>');
    expect(help).toContain('--tags <value>');
  });

  it('pretrains the plugin method on the plugin architecture, and evaluates the saved encoder with the plugin loaded', async () => {
    const out = path.join(tmp, 'toy');
    const c = capture();
    const code = await runCli(
      ['pretrain', '--plugin', fixture, '--method', 'toy-shrink', '--arch', 'toyLinear', '--scale', '2', '--tags', 'a,b', '--data', 'mnist', '--limit', '32', '--out', out, '--quiet'],
      c.io,
    );
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    // batch 8 is the preset's default: 32 images -> 4 steps.
    expect(c.stdout()).toMatch(/toy-shrink: 4 steps \(completed\)/);
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.config.options).toEqual({ scale: 2, tags: ['a', 'b'] });
    expect(run.config.training).toMatchObject({ batchSize: 8, epochs: 1 });
    expect(run.plugins).toEqual([fixture]);
    const e = capture();
    const evalCode = await runCli(
      ['eval', '--plugin', fixture, '--encoder', path.join(out, 'encoder'), '--data', 'mnist', '--limit', '50', '--probe', 'knn', '--k', '5', '--plot', 'none', '--no-metrics', '--out', path.join(tmp, 'toy-eval'), '--quiet'],
      e.io,
    );
    expect(e.stderr()).toBe('');
    expect(evalCode).toBe(0);
    const result = e.results[0];
    expect(result?.command).toBe('eval');
    if (result?.command === 'eval') expect(result.result.evaluations[0]?.results[0]?.probe).toBe('knn');
  });

  it("refuses a preset whose method's name differs from the preset's, before anything is written", async () => {
    const out = path.join(tmp, 'misnamed');
    const c = capture();
    const code = await runCli(['pretrain', '--plugin', './test/fixtures/misnamed-plugin.ts', '--method', 'misnamed', '--data', 'mnist', '--limit', '32', '--out', out, '--quiet'], c.io);
    expect(code).toBe(2);
    expect(c.stderr()).toMatch(/--method misnamed: the preset built a method named "other-name"/);
    await expect(fs.stat(out)).rejects.toThrow();
  });
});
