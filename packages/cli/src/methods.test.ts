import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeArchitectures } from '@selfsup/encoders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackbones } from './architectures.js';
import { methodFlags, resolveMethodOptions } from './method-options.js';
import { BUILT_IN_PRESETS, kebabCase, methodTable } from './methods.js';
import { runCli } from './program.js';
import { captureCli } from '../test/helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-cli-methods-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const capture = () => captureCli();

const CLI_METHODS = [
  'simclr',
  'moco-v1',
  'moco-v2',
  'byol',
  'simsiam',
  'barlow-twins',
  'vicreg',
  'clip',
  'cpc',
  'rotnet',
  'rotation-regression',
  'relative-location',
  'jigsaw',
  'inpainting',
  'colorization',
  'split-brain',
];

describe('the method table', () => {
  it('holds every built-in preset once, by its CLI name', () => {
    const names = BUILT_IN_PRESETS.map((p) => p.name);
    expect(names).toEqual(CLI_METHODS);
    expect(new Set(names).size).toBe(names.length);
    expect(methodTable().names).toEqual(CLI_METHODS);
  });

  it('rejects a second method of the same name, and names an unknown one', () => {
    const simclr = BUILT_IN_PRESETS[0]!;
    expect(() => methodTable([{ ...simclr }], new Map())).toThrow(/--plugin: method names must be unique; "simclr" is the name of one from selfsup and of one from selfsup/);
    expect(() => methodTable().find('swav')).toThrow(/--method must be one of simclr, moco-v1, .*inpainting, colorization, split-brain; got "swav"/);
  });

  it('turns schema keys into flags, generically', () => {
    expect(kebabCase('queueSize')).toBe('queue-size');
    const flags = methodFlags(BUILT_IN_PRESETS, new Set(['seed']));
    const temperature = flags.find((f) => f.flag === '--temperature');
    expect(temperature?.presets.map((p) => p.preset.name)).toEqual(['simclr', 'moco-v1', 'moco-v2', 'cpc', 'colorization']);
    expect(flags.map((f) => f.flag)).toContain('--base-momentum');
    expect(flags.map((f) => f.flag)).toContain('--hidden-dims');
  });

  it('resolves method options: defaults < config < flags; unknown keys and bad values name themselves', () => {
    const moco = methodTable().find('moco-v2');
    expect(resolveMethodOptions(moco, {})).toMatchObject({ momentum: 0.99, temperature: 0.2, shuffleGroups: 2 });
    expect(resolveMethodOptions(moco, { config: { temperature: 0.1, queueSize: 256 }, flags: { temperature: '0.3' } })).toMatchObject({
      momentum: 0.99,
      temperature: 0.3,
      shuffleGroups: 2,
      queueSize: 256,
    });
    expect(() => resolveMethodOptions(moco, { config: { temprature: 1 }, configFile: 'x.json' })).toThrow(
      /--config x\.json \(moco-v2 options\): unknown option "temprature" is not allowed; expected one of: queueSize, momentum, temperature, shuffleGroups/,
    );
    expect(() => resolveMethodOptions(moco, { flags: { baseMomentum: '0.9' } })).toThrow(
      /--base-momentum is not an option of moco-v2; expected one of its options: --queue-size, --momentum, --temperature, --shuffle-groups/,
    );
    expect(() => resolveMethodOptions(moco, { flags: { momentum: 'fast' } })).toThrow(/--momentum must be a number >= 0 and <= 1; got "fast"/);
  });
});

describe('generated help', () => {
  it('lists every method and every architecture with a default config', async () => {
    const c = capture();
    expect(await runCli(['pretrain', '--help'], c.io)).toBe(0);
    const help = c.stdout();
    for (const name of CLI_METHODS) expect(help).toContain(`  ${name} `);
    // Every built-in method has its paper's setting by name: `--recipe paper`.
    expect(help.match(/; recipes: small, paper(; encoder [^\n]*|; data: [^\n]*)?\n/g)).toHaveLength(CLI_METHODS.length);
    // Methods that need their own encoder or take other data say so.
    expect(help).toContain('; recipes: small, paper; encoder labConvNet {"input":"lightness"}\n');
    expect(help).toContain('; recipes: small, paper; encoder labConvNet {"input":"split","channels":[16,32,64]}\n');
    expect(help).toContain('; recipes: small, paper; encoder convNet {"norm":"group"}; data: images, sequences\n');
    for (const arch of listBackbones()) expect(help).toContain(arch.description);
    expect(listBackbones().map((a) => a.name)).toEqual(describeArchitectures().filter((a) => a.defaultConfig).map((a) => a.name));
    for (const flag of [
      '--temperature <value>',
      '--queue-size <value>',
      '--projector-dim <value>',
      '--projector-hidden-dim <value>',
      '--projector-output-dim <value>',
      '--projector-layers <value>',
      '--predictor-hidden-dim <value>',
      '--permutations <value>',
      '--soft-encoding-sigma <value>',
      '--rebalancing-lambda <value>',
      '--lightness-bins <value>',
      '--patch-size <value>',
      '--window <value>',
      '--prediction-steps <value>',
      '--config <file>',
      '--plugin <module>',
    ]) {
      expect(help).toContain(flag);
    }
    const top = capture();
    expect(await runCli(['--help'], top.io)).toBe(0);
    expect(top.stdout()).toContain(`Methods: ${CLI_METHODS.join(', ')}`);
    expect(top.stdout()).toContain('Architectures: mlp, convNet, resnet');
  });
});

describe('method options on the command line', () => {
  const base = ['pretrain', '--data', 'mnist', '--limit', '32', '--batch-size', '16', '--quiet'];

  it('takes flags and a --config file, records the resolved options in run.json, and returns the result', async () => {
    const out = path.join(tmp, 'simclr');
    const config = path.join(tmp, 'simclr.json');
    await fs.writeFile(config, JSON.stringify({ options: { temperature: 0.3 } }));
    const c = capture();
    const code = await runCli([...base, '--method', 'simclr', '--config', config, '--temperature', '0.25', '--out', out], c.io);
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    const run = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8'));
    expect(run.config.options).toMatchObject({ temperature: 0.25, cropScale: [0.3, 1] });
    expect(run.method).toMatchObject({ name: 'simclr', options: { temperature: 0.25 }, optimizer: { type: 'adam' }, learningRate: 1e-3 });
    const [result] = c.results;
    expect(result?.command).toBe('pretrain');
    if (result?.command !== 'pretrain') return;
    expect(result.result).toMatchObject({ runDir: out, encoderDir: path.join(out, 'encoder'), steps: 2, stoppedBy: 'completed' });
    expect(result.result.method).toMatchObject({ name: 'simclr', options: { temperature: 0.25 } });
    expect(result.result.method.config['temperature']).toBe(0.25);
    expect(result.result.history).toHaveLength(2);

    // --resume checks the method options too.
    const r = capture();
    expect(await runCli([...base, '--method', 'simclr', '--temperature', '0.5', '--out', out, '--resume'], r.io)).toBe(2);
    expect(r.stderr()).toMatch(/--resume: .*run\.json was started with options\.temperature 0\.25, this run has 0\.5 \(--temperature\)/);

    // A run recorded before an option existed (here the head sizes) resumes: the option's default is what it built.
    delete run.config.options.projectorOutputDim;
    delete run.config.options.projectorLayers;
    await fs.writeFile(path.join(out, 'run.json'), JSON.stringify(run));
    const older = capture();
    expect(await runCli([...base, '--method', 'simclr', '--config', config, '--temperature', '0.25', '--out', out, '--resume'], older.io)).toBe(0);
    expect(older.stderr()).toBe('');
    const changed = capture();
    expect(await runCli([...base, '--method', 'simclr', '--config', config, '--temperature', '0.25', '--projector-output-dim', '64', '--out', out, '--resume'], changed.io)).toBe(2);
    expect(changed.stderr()).toMatch(/was started with options\.projectorOutputDim 128, this run has 64 \(--projector-output-dim\)/);
  });

  it.each([
    [['--method', 'rotnet', '--temperature', '0.2'], /--temperature is not an option of rotnet; expected one of its options: --hidden-dims/],
    [['--method', 'simclr', '--temperature', 'warm'], /--temperature must be a number > 0; got "warm"/],
    [['--method', 'simclr', '--config', '/no/such.json'], /--config \/no\/such\.json: expected a readable JSON file; reading it gave ENOENT/],
  ])('exits 2 naming the option: %s', async (args, message) => {
    const c = capture();
    expect(await runCli([...base, ...args, '--out', path.join(tmp, 'bad')], c.io)).toBe(2);
    expect(c.stderr()).toMatch(message);
  });

  it('rejects unknown keys of a --config file, naming the allowed ones', async () => {
    const config = path.join(tmp, 'bad.json');
    await fs.writeFile(config, JSON.stringify({ options: { temperature: 0.2, projectorDim: 64 } }));
    const c = capture();
    expect(await runCli([...base, '--method', 'simclr', '--config', config, '--out', path.join(tmp, 'bad2')], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/unknown option "projectorDim" is not allowed; expected one of: temperature, projectorHiddenDim, projectorOutputDim, projectorLayers, cropScale/);
  });
});
