import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JsonObject } from '@selfsup/tensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backboneConfig, buildBackbone, parseArchConfig, unreportedArchConfigKeys } from './architectures.js';
import type { BenchResult } from './bench-command.js';
import type { EvalResult } from './eval-command.js';
import { methodTable } from './methods.js';
import type { PretrainResult } from './pretrain-command.js';
import { runCli } from './program.js';
import { checkRunConfig, resolveRunConfig } from './run-config.js';
import { captureCli } from '../test/helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-arch-config-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const capture = () => captureCli();
const table = methodTable();
const resolve = (sources: Parameters<typeof resolveRunConfig>[1] = {}) => resolveRunConfig(table.find('simclr'), { run: { data: 'mnist' }, ...sources }).config;
const small = { channels: [8, 16], strides: [1, 2] };

describe('--arch-config values', () => {
  it('merges over the default config, key by key', () => {
    expect(backboneConfig('convNet', [28, 28, 1], 3, small)).toEqual({ inputShape: [28, 28, 1], channels: [8, 16], strides: [1, 2], seed: 3 });
    expect(backboneConfig('mlp', [28, 28, 1], 0, { hiddenDims: [64] })).toMatchObject({ hiddenDims: [64], outputDim: 128 });
    const encoder = buildBackbone('convNet', [28, 28, 1], 0, { ...small, kernelSize: 5 });
    try {
      expect(encoder.config).toMatchObject({ channels: [8, 16], strides: [1, 2], kernelSize: 5, seed: 0 });
      expect(encoder.layers).toEqual(['block0', 'block1', 'embedding']);
      // A misspelt key is ignored by the factory: pretrain notes it.
      expect(unreportedArchConfigKeys({ chanels: [8], strides: [1, 2] }, encoder.config)).toEqual(['chanels']);
    } finally {
      encoder.dispose();
    }
  });

  it('rejects bad JSON, non-objects, inputShape and seed, naming --arch-config and what came', () => {
    expect(parseArchConfig('{"channels":[8]}')).toEqual({ channels: [8] });
    expect(() => parseArchConfig('{channels:[8]}')).toThrow(/^--arch-config must be a JSON object of the architecture's config keys \(e\.g\. .*\); got "\{channels:\[8\]\}", which is not JSON/);
    expect(() => parseArchConfig('[8,16]')).toThrow(/^--arch-config must be a JSON object of the architecture's config keys .*; got \[8, 16\]/);
    expect(() => parseArchConfig('null')).toThrow(/^--arch-config must be a JSON object .*; got null/);
    expect(() => parseArchConfig('{"inputShape":[32,32,3]}')).toThrow(/^--arch-config\.inputShape may not be set: it comes from the data/);
    expect(() => parseArchConfig('{"seed":1}')).toThrow(/^--arch-config\.seed may not be set: it comes from --seed/);
    expect(() => buildBackbone('convNet', [28, 28, 1], 0, { channels: [0] })).toThrow(/^--arch-config \{"channels":\[0\]\} does not give a valid convNet: .*channels\[0\]/);
  });

  it('is the run-config key "archConfig": checked, recorded only when given, the flag replacing the file\'s', () => {
    const file = checkRunConfig({ method: 'simclr', archConfig: small }, 'run.json');
    expect(resolve({ file, fileName: 'run.json' })['archConfig']).toEqual(small);
    expect(resolve({ file, fileName: 'run.json', run: { data: 'mnist', archConfig: { channels: [4] } } })['archConfig']).toEqual({ channels: [4] });
    expect(resolve()).not.toHaveProperty('archConfig');
    expect(resolve({ run: { data: 'mnist', archConfig: {} } })).not.toHaveProperty('archConfig');
    expect(() => checkRunConfig({ archConfig: [8] } as unknown as JsonObject, 'run.json')).toThrow(/--config run\.json: archConfig must be a JSON object .*; got \[8\]/);
    expect(() => checkRunConfig({ archConfig: { seed: 2 } }, 'run.json')).toThrow(/--config run\.json: archConfig\.seed may not be set/);
    expect(() => resolve({ run: { data: 'mnist', archConfig: 'x' as unknown as JsonObject } })).toThrow(/--arch-config must be a JSON object/);
  });
});

describe('selfsup pretrain --arch-config', () => {
  const base = ['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '32', '--epochs', '1', '--batch-size', '8', '--no-monitor', '--quiet'];

  it('builds the backbone from the overrides, records them, and --resume refuses other ones', async () => {
    const out = path.join(tmp, 'flag');
    const config = path.join(tmp, 'arch.json');
    await fs.writeFile(config, JSON.stringify({ archConfig: { channels: [4, 4, 4], strides: [1, 2, 2] } }));
    const c = capture();
    // The flag wins over the file's archConfig (whole).
    const code = await runCli([...base, '--config', config, '--arch-config', JSON.stringify(small), '--out', out], c.io);
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    const result = c.result() as PretrainResult;
    expect(result.encoder.config).toMatchObject({ inputShape: [28, 28, 1], channels: [8, 16], strides: [1, 2], seed: 0 });
    const model = JSON.parse(await fs.readFile(path.join(out, 'encoder', 'model.json'), 'utf8'));
    expect(JSON.stringify(model)).toContain('"channels":[8,16]');
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.config.archConfig).toEqual(small);
    expect(run.encoder.config).toMatchObject({ channels: [8, 16], strides: [1, 2] });

    const r = capture();
    expect(await runCli([...base, '--config', config, '--out', out, '--resume'], r.io)).toBe(2);
    expect(r.stderr()).toMatch(/--resume: .*run\.json was started with archConfig\.channels \[8,16\], this run has \[4,4,4\] \(--arch-config\)/);
    const n = capture();
    expect(await runCli([...base, '--out', out, '--resume'], n.io)).toBe(2);
    expect(n.stderr()).toMatch(/started with archConfig \{"channels":\[8,16\],"strides":\[1,2\]\}, this run has null \(--arch-config\)/);

    // The file's key alone.
    const f = capture();
    expect(await runCli([...base, '--config', config, '--out', path.join(tmp, 'file')], f.io)).toBe(0);
    expect((f.result() as PretrainResult).encoder.config).toMatchObject({ channels: [4, 4, 4], strides: [1, 2, 2] });

    // The checkpoint's random baseline has the checkpoint's config.
    const e = capture();
    const evalArgs = ['eval', '--data', 'mnist', '--limit', '40', '--probe', 'knn', '--k', '3', '--plot', 'none', '--no-metrics', '--quiet', '--out', path.join(tmp, 'eval')];
    expect(await runCli([...evalArgs, '--encoder', path.join(out, 'encoder'), '--baselines', 'random', '--layer', 'all'], e.io)).toBe(0);
    expect((e.result() as EvalResult).evaluations.map((v) => `${v.label} @ ${v.layer}`)).toEqual([
      `${path.join(out, 'encoder')} @ block0`,
      `${path.join(out, 'encoder')} @ block1`,
      `${path.join(out, 'encoder')} @ embedding`,
      'random convNet @ block0',
      'random convNet @ block1',
      'random convNet @ embedding',
    ]);
  });

  it.each([
    [['--arch-config', '{channels:[8]}'], /^selfsup: --arch-config must be a JSON object of the architecture's config keys .*; got "\{channels:\[8\]\}", which is not JSON .*\n$/],
    [['--arch-config', '[8,16]'], /^selfsup: --arch-config must be a JSON object .*; got \[8, 16\]\n$/],
    [['--arch-config', '{"inputShape":[32,32,1]}'], /^selfsup: --arch-config\.inputShape may not be set: it comes from the data .*\n$/],
    [['--arch-config', '{"seed":3}'], /^selfsup: --arch-config\.seed may not be set: it comes from --seed\n$/],
    [['--arch-config', '{"channels":[0]}'], /^selfsup: --arch-config \{"channels":\[0\]\} does not give a valid convNet: .*channels\[0\].*\n$/],
    [['--arch-config', '{"channels":[8,16],"strides":[1]}'], /^selfsup: --arch-config .* does not give a valid convNet: .*strides.*\n$/],
  ])('exits 2 before training, with one line naming --arch-config: %s', async (args, message) => {
    const out = path.join(tmp, 'bad');
    const c = capture();
    expect(await runCli([...base, ...args, '--out', out], c.io)).toBe(2);
    expect(c.stderr()).toMatch(message);
    await expect(fs.access(path.join(out, 'run.json'))).rejects.toThrow();
  });

  it('eval: builds random:<arch> from the overrides; refuses them with a checkpoint', async () => {
    const evalArgs = ['eval', '--data', 'mnist', '--limit', '40', '--probe', 'knn', '--k', '3', '--plot', 'none', '--no-metrics', '--quiet', '--out', path.join(tmp, 'eval-random')];
    const c = capture();
    expect(await runCli([...evalArgs, '--encoder', 'random:convNet', '--arch-config', JSON.stringify(small), '--layer', 'all'], c.io)).toBe(0);
    expect((c.result() as EvalResult).evaluations.map((v) => v.layer)).toEqual(['block0', 'block1', 'embedding']);
    const p = capture();
    expect(await runCli([...evalArgs, '--encoder', 'pixels', '--arch-config', JSON.stringify(small)], p.io)).toBe(2);
    expect(p.stderr()).toMatch(/--arch-config applies to --encoder random:<architecture> only .*; got --encoder pixels/);
    const b = capture();
    expect(await runCli([...evalArgs, '--encoder', 'random:convNet', '--arch-config', '{"channels":[0]}'], b.io)).toBe(2);
    expect(b.stderr()).toMatch(/^selfsup: --arch-config \{"channels":\[0\]\} does not give a valid convNet/);
  });

  it('bench: pretrains every method and builds the random baseline with the overrides; a bad one exits 2 before any', async () => {
    const out = path.join(tmp, 'bench');
    const args = ['bench', '--data', 'mnist', '--limit', '30', '--methods', 'rotnet', '--budget', '0.3', '--batch-size', '8', '--seeds', '1', '--probe', 'knn', '--quiet'];
    const c = capture();
    expect(await runCli([...args, '--arch-config', JSON.stringify(small), '--layer', 'block1', '--out', out], c.io)).toBe(0);
    const result = c.result() as BenchResult;
    expect(result.rows.map((r) => `${r.label} @ ${r.layer}`)).toEqual(['random convNet @ block1', 'raw pixels @ pixels', 'rotnet @ block1']);
    expect(result.rows[2]?.pretrain?.encoder.config).toMatchObject({ channels: [8, 16], strides: [1, 2] });
    const run = JSON.parse(await fs.readFile(path.join(out, 'rotnet', 'run.json'), 'utf8'));
    expect(run.config.archConfig).toEqual(small);
    const b = capture();
    expect(await runCli([...args, '--arch-config', '{"strides":[1]}', '--out', path.join(tmp, 'bad-bench')], b.io)).toBe(2);
    expect(b.stderr()).toMatch(/^selfsup: --arch-config \{"strides":\[1\]\} does not give a valid convNet: strides must be/);
    expect(b.stdout()).toBe('');
  });

  it("bench without --arch: each method trains its own encoder (cpc's convNet with group norm) beside a random baseline of each", async () => {
    const out = path.join(tmp, 'bench-own');
    const args = ['bench', '--data', 'mnist', '--limit', '30', '--methods', 'rotnet,cpc', '--budget', '0.3', '--batch-size', '8', '--seeds', '1', '--probe', 'knn', '--quiet'];
    const c = capture();
    expect(await runCli([...args, '--arch-config', JSON.stringify(small), '--out', out], c.io)).toBe(0);
    const result = c.result() as BenchResult;
    expect(result.rows.map((r) => r.label)).toEqual(['random convNet', 'random convNet {"norm":"group"}', 'raw pixels', 'rotnet', 'cpc']);
    const cpcRun = JSON.parse(await fs.readFile(path.join(out, 'cpc', 'run.json'), 'utf8'));
    expect(cpcRun.config.archConfig).toEqual({ norm: 'group', ...small });
    const rotnetRun = JSON.parse(await fs.readFile(path.join(out, 'rotnet', 'run.json'), 'utf8'));
    expect(rotnetRun.config.archConfig).toEqual(small);
    expect(c.stdout()).toContain('convNet, convNet {"norm":"group"} {"channels":[8,16],"strides":[1,2]}');
    // --arch names one backbone for all: one random baseline, the preset's own config only where it names that architecture.
    const d = capture();
    expect(await runCli([...args, '--arch', 'mlp', '--out', path.join(tmp, 'bench-mlp')], d.io)).toBe(0);
    expect((d.result() as BenchResult).rows.map((r) => r.label)).toEqual(['random mlp', 'raw pixels', 'rotnet', 'cpc']);
  });
});
