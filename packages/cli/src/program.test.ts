import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomProjectionEncoder, captureCli } from '../test/helpers.js';
import type { EncoderSource } from './encoder.js';
import { evalProbeOptions } from './eval-command.js';
import { runCli } from './program.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-eval-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const capture = (extra: { encoderSource?: EncoderSource } = {}) => captureCli(extra);

const source: EncoderSource = {
  architectures: ['projection'],
  random: (_arch, { inputShape, seed }) => randomProjectionEncoder(inputShape, 32, seed),
  load: async () => {
    throw new Error('not used');
  },
};

describe('evalProbeOptions', () => {
  it("gives the command's probe defaults and applies its flags", () => {
    expect(evalProbeOptions()).toEqual({ knn: { k: 200, temperature: 0.1 }, linear: { optimizer: 'sgd', seed: 0 } });
    expect(evalProbeOptions({ knnPreset: 'instdisc', k: 5, optimizer: 'lbfgs', seed: 3, valFraction: 0.2, lr: [0.1] })).toEqual({
      knn: { k: 5, temperature: 0.07 },
      linear: { optimizer: 'lbfgs', seed: 3, learningRates: [0.1], validationFraction: 0.2 },
    });
    expect(evalProbeOptions({ knnPreset: 'select' }).knn).toEqual({ select: {} });
    expect(evalProbeOptions({ knnPreset: 'select', k: 7, seed: 2 }).knn).toEqual({ select: { ks: [7], seed: 2 } });
    expect(evalProbeOptions({ knnPreset: 'select', temperature: 0.05 }).knn).toEqual({ select: { temperatures: [0.05] } });
    expect(() => evalProbeOptions({ knnPreset: 'big' as 'default' })).toThrow(/flags\.knnPreset must be "default", "instdisc" or "select"/);
  });
});

describe('selfsup eval', () => {
  it('evaluates an encoder and a baseline on MNIST: table on stdout, report.json and pictures on disk', async () => {
    const c = capture({ encoderSource: source });
    const out = path.join(tmp, 'run1');
    const code = await runCli(
      ['eval', '--encoder', 'random:projection', '--data', 'mnist', '--limit', '300', '--baselines', 'pixels', '--epochs', '3', '--lr', '0.1', '--k', '20', '--out', out],
      c.io,
    );
    expect(c.stderr()).not.toMatch(/unexpected/);
    expect(code).toBe(0);
    const table = c.stdout();
    expect(table).toMatch(/encoder\s+probe\s+top-1/);
    expect(table).toMatch(/random:projection\s+knn\s+\d+\.\d\d%/);
    expect(table).toMatch(/raw pixels\s+linear\s+\d+\.\d\d%/);
    expect(table).toContain('k=20 T=0.1');
    expect(table).toMatch(/effective rank/);
    // Progress lines go to stderr (not a terminal here).
    expect(c.stderr()).toContain('random:projection: embedded train (300 images)');
    const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
    expect(report.evaluations).toHaveLength(2);
    expect(report.evaluations[0].results.map((r: { probe: string }) => r.probe)).toEqual(['knn', 'linear']);
    expect(report.evaluations[0].results[0].top1).toBeGreaterThan(0.5);
    expect(report.data.source).toMatch(/^mnist/);
    expect(report.options.seed).toBe(0);
    for (const picture of ['embedding.svg', 'accuracy.svg']) {
      expect((await fs.readFile(path.join(out, picture), 'utf8')).startsWith('<svg')).toBe(true);
    }
  });

  const badInputs: [string, string[], RegExp][] = [
    ['an unknown data set', ['--encoder', 'pixels', '--data', 'cifar'], /--data must be one of mnist, fashion-mnist\[:<dir>\], idx:<dir>, images:<dir>, color-shapes, sequences:<dir>; got "cifar"/],
    ['a missing --encoder', ['--data', 'mnist'], /required option '--encoder <spec>' not specified/],
    ['k = 0', ['--encoder', 'pixels', '--data', 'mnist', '--k', '0'], /option '--k <n>' argument '0' is invalid\. expected an integer >= 1/],
    ['a word for a number', ['--encoder', 'pixels', '--data', 'mnist', '--temperature', 'hot'], /argument 'hot' is invalid\. expected a number > 0/],
    ['a bad learning-rate list', ['--encoder', 'pixels', '--data', 'mnist', '--lr', '0.1,,x'], /"" is not|"x" is not/],
    ['a missing idx directory', ['--encoder', 'pixels', '--data', 'idx:/no/such/dir'], /--data idx: no such directory: \/no\/such\/dir/],
    ['an unknown probe', ['--encoder', 'pixels', '--data', 'mnist', '--probe', 'knn,svm'], /"svm" is not one of knn, linear/],
    ['an unknown option', ['--encoder', 'pixels', '--data', 'mnist', '--colour'], /unknown option '--colour'/],
    ['an encoder that is neither keyword nor directory', ['--encoder', '/no/such/checkpoint', '--data', 'mnist'], /--encoder must be one of pixels, random:<architecture>, <checkpoint-dir>/],
    ['random init of an unknown architecture', ['--encoder', 'random:vgg', '--data', 'mnist', '--limit', '20'], /unknown architecture "vgg"; known: mlp, convNet, resnet/],
    ['a bad --plot', ['--encoder', 'pixels', '--data', 'mnist', '--plot', 'tsne'], /argument 'tsne' is invalid\. Allowed choices are pca, umap, none/],
  ];
  for (const [what, args, message] of badInputs) {
    it(`exits 2 with a clear message, no stack trace, for ${what}`, async () => {
      const c = capture();
      const code = await runCli(['eval', ...args, '--out', path.join(tmp, 'bad'), '--quiet'], c.io);
      expect(code).toBe(2);
      expect(c.stderr()).toMatch(message);
      expect(c.stderr()).not.toMatch(/\n\s+at /);
    });
  }

  it('reports a directory without a checkpoint, and an unknown architecture', async () => {
    const empty = path.join(tmp, 'empty-checkpoint');
    await fs.mkdir(empty, { recursive: true });
    const c = capture({ encoderSource: source });
    expect(await runCli(['eval', '--encoder', empty, '--data', 'mnist', '--limit', '20', '--quiet'], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/no checkpoint there \(.*model\.json is missing\)/);
    const d = capture({ encoderSource: source });
    expect(await runCli(['eval', '--encoder', 'random:vit', '--data', 'mnist', '--limit', '20', '--quiet'], d.io)).toBe(2);
    expect(d.stderr()).toContain('unknown architecture "vit"; known: projection');
  });

  it('prints help with status 0, and usage with status 2 when called with nothing', async () => {
    const c = capture();
    expect(await runCli(['eval', '--help'], c.io)).toBe(0);
    expect(c.stdout()).toContain('--encoder <spec>');
    const d = capture();
    expect(await runCli([], d.io)).toBe(2);
    expect(d.stdout()).toContain('Usage: selfsup');
  });
});
