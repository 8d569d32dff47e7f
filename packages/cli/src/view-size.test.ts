import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encoderInputShape } from './architectures.js';
import type { EvalResult } from './eval-command.js';
import type { PretrainResult } from './pretrain-command.js';
import { runCli } from './program.js';
import { captureCli } from '../test/helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-view-size-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('encoderInputShape', () => {
  it('keeps the images\' shape unless the views are another size, then takes any size', () => {
    expect(encoderInputShape([28, 28, 1], undefined)).toEqual([28, 28, 1]);
    expect(encoderInputShape([28, 28, 1], null)).toEqual([28, 28, 1]);
    expect(encoderInputShape([28, 28, 1], 28)).toEqual([28, 28, 1]);
    expect(encoderInputShape([28, 28, 1], 20)).toEqual([-1, -1, 1]);
    expect(encoderInputShape([32, 24, 3], 24)).toEqual([-1, -1, 3]);
  });

  it('rejects a view size that is not a positive integer, naming --view-size', () => {
    for (const bad of [0, 2.5, '20']) expect(() => encoderInputShape([28, 28, 1], bad)).toThrow(/^--view-size must be a positive integer; got /);
  });
});

describe('selfsup pretrain --view-size', () => {
  const base = ['pretrain', '--method', 'simclr', '--data', 'mnist', '--limit', '32', '--epochs', '1', '--batch-size', '8', '--no-monitor', '--quiet'];

  it('trains on smaller views with an encoder of any size, records it, and the probes embed the whole images', async () => {
    const out = path.join(tmp, 'run');
    const c = captureCli();
    expect(await runCli([...base, '--view-size', '20', '--arch-config', '{"channels":[4,8],"strides":[1,2]}', '--out', out], c.io)).toBe(0);
    expect(c.stderr()).toBe('');
    const result = c.result() as PretrainResult;
    expect(result.steps).toBe(4);
    expect(result.encoder.config).toMatchObject({ inputShape: [-1, -1, 1], channels: [4, 8] });
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.method.options.viewSize).toBe(20);

    const e = captureCli();
    const evalArgs = ['eval', '--data', 'mnist', '--limit', '40', '--probe', 'knn', '--k', '3', '--plot', 'none', '--no-metrics', '--quiet', '--out', path.join(tmp, 'eval')];
    expect(await runCli([...evalArgs, '--encoder', path.join(out, 'encoder'), '--baselines', 'random'], e.io)).toBe(0);
    const evaluations = (e.result() as EvalResult).evaluations;
    expect(evaluations.map((v) => v.label)).toEqual([path.join(out, 'encoder'), 'random convNet']);
    for (const v of evaluations) expect(v.results[0]?.top1).toBeGreaterThan(0);
  });

  it('exits 2 before training for a backbone that takes one image size only, naming --view-size', async () => {
    const c = captureCli();
    expect(await runCli([...base, '--view-size', '20', '--arch', 'mlp', '--out', path.join(tmp, 'mlp')], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/^selfsup: --view-size 20 needs a backbone that embeds images of any size \(training sees 20x20 views, the probes whole images\); mlp does not: .*inputShape/);
    await expect(fs.access(path.join(tmp, 'mlp'))).rejects.toThrow();
  });
});
