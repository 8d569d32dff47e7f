import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type TextEncoder, zeroShotClassifier } from '@selfsup/contrastive';
import { loadEncoder } from '@selfsup/encoders/node';
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

  it('pretrains clip on image-caption pairs: saves the image tower and, beside it, the text tower with its tokenizer', async () => {
    const out = path.join(tmp, 'clip');
    const fixture = path.resolve(import.meta.dirname, '../test/fixtures/captions');
    const args = ['pretrain', '--method', 'clip', '--data', `captions:${fixture}`, '--batch-size', '16', '--text-layers', '1', '--out', out, '--quiet', '--no-monitor'];
    const c = capture();
    expect(await runCli(args, c.io)).toBe(0);
    expect(c.stderr()).toBe('');
    expect(c.stdout()).toMatch(new RegExp(`clip: 2 steps \\(completed\\).*; encoder saved to .*encoder, text encoder to ${path.join(out, 'companions', 'text').replace(/[/\\]/g, '.')}`));
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8')) as { config: { options: Record<string, unknown> } };
    expect(run.config.options).toMatchObject({ captionSource: 'data', textLayers: 1, textAttention: 'causal', textReadout: 'end-of-text' });
    // Both towers reload in any process that registered the presets' architectures (runCli did here).
    const image = await loadEncoder(path.join(out, 'encoder'));
    const text = (await loadEncoder(path.join(out, 'companions', 'text'))) as TextEncoder;
    expect([image.architecture, text.architecture, text.readout, text.tokenizer?.kind]).toEqual(['clipImageTower', 'textTransformer', 'endOfText', 'bpe']);
    expect(text.vocabulary.tokens).toContain('digit</w>');
    const zeroShot = zeroShotClassifier({ imageEncoder: image, textEncoder: text, classPrompts: [['a digit zero'], ['a digit one']] });
    const images = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    const predicted = zeroShot.predict(images);
    expect(predicted.shape).toEqual([2]);
    tf.dispose([images, predicted]);
    zeroShot.dispose();
    image.dispose();
    text.dispose();
    // eval probes the image tower next to a freshly initialised one (its registered architecture rebuilds it).
    const e = capture();
    const evalArgs = ['eval', '--encoder', path.join(out, 'encoder'), '--data', 'mnist', '--limit', '60', '--probe', 'knn', '--k', '5', '--baselines', 'random,pixels'];
    expect(await runCli([...evalArgs, '--plot', 'none', '--no-metrics', '--out', path.join(tmp, 'clip-eval'), '--quiet'], e.io)).toBe(0);
    expect(e.stderr()).toBe('');
    expect(e.stdout()).toMatch(/random clipImageTower +knn/);
    // --overwrite replaces the whole run, the text tower included.
    const again = capture();
    expect(await runCli([...args.filter((a) => a !== '--quiet'), '--overwrite', '--epochs', '1'], again.io)).toBe(0);
    expect(again.stderr()).toMatch(/--overwrite: replaced the earlier run in .*: removed run\.json, checkpoint\/, encoder\/, log\.json, loss\.svg and companions\/ \(a clip run/);
  });

  it('pretrains clip on class-name prompts of labelled data when asked (label supervision), and refuses data without captions otherwise', async () => {
    const c = capture();
    const out = path.join(tmp, 'clip-prompts');
    expect(await runCli(['pretrain', '--method', 'clip', '--data', 'mnist', '--caption-source', 'class-prompts', '--limit', '32', '--batch-size', '16', '--out', out, '--quiet'], c.io)).toBe(0);
    expect(c.stderr()).toBe('');
    const refused = capture();
    expect(await runCli(['pretrain', '--method', 'clip', '--data', 'mnist', '--limit', '32', '--batch-size', '16', '--out', path.join(tmp, 'clip-refused'), '--quiet'], refused.io)).toBe(2);
    expect(refused.stderr()).toMatch(/^selfsup: --data must be image-caption data for clip \(--data captions:<dir>\), or --caption-source class-prompts to train on class names \(label supervision\); got "data without captions"\n$/);
    await expect(fs.access(path.join(tmp, 'clip-refused', 'run.json'))).rejects.toThrow();
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
    [['eval', '--encoder', 'random:convNet', '--data', 'captions:test/fixtures/captions'], /--data captions:test\/fixtures\/captions: image-caption data is for pretraining/],
  ])('exits 2 with a message for bad input: %s', async (argv, message) => {
    const c = capture();
    const code = await runCli([...argv, '--out', path.join(tmp, 'bad'), '--quiet'], c.io);
    expect(code).toBe(2);
    expect(c.stderr()).toMatch(message);
    expect(c.stderr()).not.toMatch(/\n\s+at /);
  });
});
