// The README results of `selfsup pretrain --method cpc`, on Fashion-MNIST patch grids and on sequences: CPC pretrains
// for a budget of CPU seconds, then `selfsup eval` probes the saved encoder (the mean of its patch or window
// embeddings) with k-NN and a linear probe next to the same architecture at its random initialisation and the raw
// pixels (the raw values of a sequence). Everything goes through the built `selfsup` bin, one process per command,
// exactly as the printed commands read.
//
//   node packages/contrastive/scripts/cpc-results.mjs [--data fashion-mnist] [--limit 10000] [--eval-limit 5000]
//     [--budget 300] [--batch-size 32] [--window 4 --hop 2] [--out runs/cpc-results] [--publish] [--name cpc-fashion-mnist]
//
// Sequences: `--data sequences:<dir>` with `--window` and `--hop` (e.g. the folder of sequential-fashion-mnist.mjs).
// Writes <out>/results.json and results.md (and packages/contrastive/scripts/results/<name>.{json,md} with --publish). Needs the built packages (`npx -y pnpm@10 --filter "@selfsup/cli..." build`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const cli = fileURLToPath(new URL('../../cli/dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'fashion-mnist' },
    limit: { type: 'string', default: '10000' },
    'eval-limit': { type: 'string', default: '5000' },
    budget: { type: 'string', default: '300' },
    // Smaller batches, more updates: the patch encoder's cost per image is the same (about 47 images per CPU second here).
    'batch-size': { type: 'string', default: '32' },
    seed: { type: 'string', default: '0' },
    window: { type: 'string' },
    hop: { type: 'string' },
    out: { type: 'string', default: 'runs/cpc-results' },
    publish: { type: 'boolean', default: false },
    name: { type: 'string', default: 'cpc-fashion-mnist' },
  },
});

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

const sequenceArgs = [...(values.window ? ['--window', values.window] : []), ...(values.hop ? ['--hop', values.hop] : [])];
const run = join(values.out, 'cpc');
const pretrain = ['pretrain', '--method', 'cpc', '--data', values.data, '--limit', values.limit, '--batch-size', values['batch-size'], ...sequenceArgs, '--epochs', '1000', '--time-budget', values.budget, '--budget-clock', 'cpu', '--seed', values.seed, '--no-monitor', '--quiet', '--overwrite', '--out', run];
const evaluate = ['eval', '--encoder', join(run, 'encoder'), '--data', values.data, '--limit', values['eval-limit'], '--probe', 'knn,linear', '--baselines', 'random,pixels', '--seed', values.seed, '--plot', 'none', '--quiet', '--out', `${run}-eval`];
selfsup(pretrain);
process.stdout.write(selfsup(evaluate));
const commands = [`selfsup ${pretrain.join(' ')}`, `selfsup ${evaluate.join(' ')}`];
const log = JSON.parse(readFileSync(join(run, 'log.json'), 'utf8'));
const report = JSON.parse(readFileSync(join(`${run}-eval`, 'report.json'), 'utf8'));
const accuracy = (label, probe) => report.evaluations.find((e) => e.label === label)?.results.find((r) => r.probe === probe)?.top1;
const losses = log.history.map((h) => h.loss);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const random = report.evaluations.find((e) => e.label.startsWith('random '))?.label;
const { frontEnd, grid, predictionSteps, contextDim } = log.method.config;
const rows = ['knn', 'linear'].map((probe) => ({
  probe,
  pretrained: accuracy(join(run, 'encoder'), probe),
  random: accuracy(random, probe),
  pixels: accuracy('raw pixels', probe),
}));
const summary = {
  data: values.data,
  pretrainImages: Number(values.limit),
  evalImagesPerSplit: Number(values['eval-limit']),
  budgetCpuSeconds: Number(values.budget),
  batchSize: Number(values['batch-size']),
  seed: Number(values.seed),
  steps: log.steps,
  cpuSeconds: Math.round(log.cpuSeconds),
  lossFirst: mean(losses.slice(0, 10)),
  lossLast: mean(losses.slice(-10)),
  frontEnd,
  grid,
  predictionSteps,
  contextDim,
  pieceEncoder: log.encoder.config.pieceEncoder,
  pieceConfig: log.encoder.config.pieceConfig,
  rows,
  commands,
};
const pct = (x) => (x === undefined ? '-' : `${(100 * x).toFixed(1)} %`);
const sequences = frontEnd.kind === 'sequence';
const pieces = sequences
  ? `windows of ${frontEnd.window} steps every ${frontEnd.hop} steps (${grid[0]} windows)`
  : `${frontEnd.patchSize} px patches every ${frontEnd.stride} px (a ${grid[0]}x${grid[1]} grid)`;
const md = [
  `CPC on \`${values.data}\` (${values.limit} training ${sequences ? 'sequences' : 'images'} for pretraining; probes on ${values['eval-limit']} of each split: the first, or from class folders the classes in turn), ${summary.steps} steps of ${values['batch-size']} in ${summary.cpuSeconds} CPU seconds (budget ${values.budget}), seed ${values.seed}: ${pieces}, ${summary.pieceEncoder} piece encoder, GRU context ${contextDim}, K = ${predictionSteps}; InfoNCE, mean of first → last 10 steps, ${summary.lossFirst.toFixed(3)} → ${summary.lossLast.toFixed(3)}.`,
  '',
  `| probe | CPC (mean of ${sequences ? 'window' : 'patch'} embeddings) | random init (same architecture) | raw ${sequences ? 'values' : 'pixels'} |`,
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.probe} | ${pct(r.pretrained)} | ${pct(r.random)} | ${pct(r.pixels)} |`),
  '',
  'Commands:',
  '',
  '```sh',
  ...commands,
  '```',
  '',
].join('\n');
mkdirSync(values.out, { recursive: true });
const json = `${JSON.stringify(summary, null, 2)}\n`;
writeFileSync(join(values.out, 'results.json'), json);
writeFileSync(join(values.out, 'results.md'), md);
if (values.publish) {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  writeFileSync(join(dir, `${values.name}.json`), json);
  writeFileSync(join(dir, `${values.name}.md`), md);
}
console.log(`\n${md}`);
