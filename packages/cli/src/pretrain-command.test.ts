import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './program.js';
import { captureCli } from '../test/helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-pretrain-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const capture = () => captureCli();

describe('selfsup pretrain', () => {
  it('pretrains, writes checkpoint, encoder, log and loss curve, and the encoder can be evaluated', async () => {
    const out = path.join(tmp, 'run');
    const c = capture();
    const code = await runCli(
      ['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '64', '--batch-size', '16', '--epochs', '1', '--out', out, '--quiet'],
      c.io,
    );
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    expect(c.stdout()).toMatch(/simclr: 4 steps \(completed\)/);
    for (const f of ['run.json', 'log.json', 'loss.svg', 'encoder/model.json', 'checkpoint/model.json']) {
      await expect(fs.access(path.join(out, f))).resolves.toBeUndefined();
    }
    const log = JSON.parse(await fs.readFile(path.join(out, 'log.json'), 'utf8')) as { history: { loss: number }[]; cpuSeconds: number };
    expect(log.history).toHaveLength(4);
    expect(log.cpuSeconds).toBeGreaterThan(0);
    for (const h of log.history) expect(Number.isFinite(h.loss)).toBe(true);
    const e = capture();
    const evalCode = await runCli(['eval', '--encoder', path.join(out, 'encoder'), '--data', 'mnist', '--limit', '100', '--probe', 'knn', '--k', '5', '--plot', 'none', '--no-metrics', '--out', path.join(tmp, 'eval'), '--quiet'], e.io);
    expect(e.stderr()).toBe('');
    expect(evalCode).toBe(0);
    expect(e.stdout()).toMatch(/knn/);
  });

  it.each(['rotnet', 'moco-v2'])('pretrains %s from the command line', async (method) => {
    const c = capture();
    const code = await runCli(['pretrain', '--method', method, '--data', 'mnist', '--limit', '32', '--batch-size', '16', '--out', path.join(tmp, method), '--quiet'], c.io);
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    expect(c.stdout()).toMatch(new RegExp(`${method}: 2 steps \\(completed\\)`));
  });

  it('resumes only a run with the same settings', async () => {
    const out = path.join(tmp, 'run');
    const c = capture();
    const code = await runCli(['pretrain', '--method', 'byol', '--data', 'mnist', '--limit', '64', '--batch-size', '16', '--out', out, '--resume', '--quiet'], c.io);
    expect(code).toBe(2);
    expect(c.stderr()).toMatch(/--resume: .*run\.json was started with method "simclr", this run has "byol" \(--method\)/);
    expect(c.stderr()).not.toMatch(/ at /);
  });

  it.each([
    [['pretrain', '--method', 'nope', '--data', 'mnist'], /--method must be one of simclr, .*; got "nope"/],
    [['pretrain', '--method', 'simclr', '--data', 'mnist', '--arch', 'vgg'], /--arch must be one of mlp, convNet, resnet, cpcPieceMean, labConvNet .*; got "vgg"/],
    [['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '10', '--batch-size', '32'], /--batch-size must be at most the training set size \(10\); got 32/],
    [['pretrain', '--method', 'simclr', '--data', 'idx:/no/such/dir'], /no such directory: \/no\/such\/dir/],
    [['pretrain', '--method', 'simclr', '--data', 'mnist', '--epochs', '0'], /expected an integer >= 1/],
    [['bench', '--data', 'mnist', '--methods', 'simclr,zzz'], /"zzz" is not one of/],
  ])('exits 2 with a message for bad input: %s', async (argv, message) => {
    const c = capture();
    const code = await runCli([...argv, '--out', path.join(tmp, 'bad'), '--quiet'], c.io);
    expect(code).toBe(2);
    expect(c.stderr()).toMatch(message);
    expect(c.stderr()).not.toMatch(/\n\s+at /);
  });
});
