// The README result of `selfsup pretrain --method colorization` and `--method split-brain`: each pretrains for a budget
// of CPU seconds on a folder of photo crops (make-photo-crops.mjs), then `selfsup eval` probes the saved encoder on the
// held-out crops (k-NN and linear) next to the same architecture at its random initialisation and the raw pixels.
// Everything goes through the built `selfsup` bin, one process per command, exactly as the printed commands read.
//
//   node packages/pretext/scripts/make-photo-crops.mjs --photos /work/shared/data/images --out runs/photo-crops
//   node packages/pretext/scripts/color-results.mjs --data images:runs/photo-crops --out runs/color-results [--budget 240]
//
// Writes <out>/results.json and results.md (and packages/pretext/docs/color-cli-results.{json,md} with --publish).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const cli = fileURLToPath(new URL('../../cli/dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: 'runs/color-results' },
    methods: { type: 'string', default: 'colorization,split-brain' },
    budget: { type: 'string', default: '240' },
    seed: { type: 'string', default: '0' },
    publish: { type: 'boolean', default: false },
  },
});
if (values.data === undefined) {
  console.error('usage: color-results.mjs --data images:<crops dir> [--out runs/color-results] [--budget 240] [--methods colorization,split-brain] [--publish]');
  process.exit(2);
}

/** Runs the bin; returns its stdout, or stops with its output. */
function selfsup(args) {
  console.log(`$ selfsup ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(`${r.stdout}\n${r.stderr}`);
    throw new Error(`selfsup ${args[0]} failed (exit ${r.status})`);
  }
  return r.stdout;
}

const rows = [];
const commands = [];
for (const method of values.methods.split(',')) {
  const run = join(values.out, method);
  const pretrain = ['pretrain', '--method', method, '--data', values.data, '--epochs', '1000', '--time-budget', values.budget, '--budget-clock', 'cpu', '--seed', values.seed, '--no-monitor', '--quiet', '--overwrite', '--out', run];
  const evaluate = ['eval', '--encoder', join(run, 'encoder'), '--data', values.data, '--probe', 'knn,linear', '--baselines', 'random,pixels', '--seed', values.seed, '--plot', 'none', '--quiet', '--out', `${run}-eval`];
  selfsup(pretrain);
  process.stdout.write(selfsup(evaluate));
  commands.push(`selfsup ${pretrain.join(' ')}`, `selfsup ${evaluate.join(' ')}`);
  const log = JSON.parse(readFileSync(join(run, 'log.json'), 'utf8'));
  const report = JSON.parse(readFileSync(join(`${run}-eval`, 'report.json'), 'utf8'));
  const accuracy = (label, probe) => report.evaluations.find((e) => e.label === label)?.results.find((r) => r.probe === probe)?.top1;
  const losses = log.history.map((h) => h.loss);
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const random = report.evaluations.find((e) => e.label.startsWith('random '))?.label;
  for (const probe of ['knn', 'linear']) {
    rows.push({
      method,
      encoder: `${log.encoder.architecture} ${JSON.stringify({ input: log.encoder.config.input, channels: log.encoder.config.channels, strides: log.encoder.config.strides })}`,
      steps: log.steps,
      cpuSeconds: Math.round(log.cpuSeconds),
      lossFirst: mean(losses.slice(0, 10)),
      lossLast: mean(losses.slice(-10)),
      probe,
      pretrained: accuracy(join(run, 'encoder'), probe),
      random: accuracy(random, probe),
      pixels: accuracy('raw pixels', probe),
    });
  }
}

const pct = (x) => (x === undefined ? '-' : `${(100 * x).toFixed(1)} %`);
const md = [
  `Data: \`${values.data}\`; pretraining budget ${values.budget} CPU seconds per method (\`--budget-clock cpu\`), seed ${values.seed}.`,
  '',
  '| method | encoder | steps (CPU s) | loss, mean of first → last 10 steps | probe | pretrained | random init | raw pixels |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.method} | ${r.encoder} | ${r.steps} (${r.cpuSeconds}) | ${r.lossFirst.toFixed(3)} → ${r.lossLast.toFixed(3)} | ${r.probe} | ${pct(r.pretrained)} | ${pct(r.random)} | ${pct(r.pixels)} |`),
  '',
  'Commands:',
  '',
  '```sh',
  ...commands,
  '```',
  '',
].join('\n');
mkdirSync(values.out, { recursive: true });
const json = JSON.stringify({ data: values.data, budgetCpuSeconds: Number(values.budget), seed: Number(values.seed), rows, commands }, null, 2);
writeFileSync(join(values.out, 'results.json'), `${json}\n`);
writeFileSync(join(values.out, 'results.md'), md);
if (values.publish) {
  const docs = fileURLToPath(new URL('../docs/', import.meta.url));
  writeFileSync(join(docs, 'color-cli-results.json'), `${json}\n`);
  writeFileSync(join(docs, 'color-cli-results.md'), md);
}
console.log(`\n${md}`);
