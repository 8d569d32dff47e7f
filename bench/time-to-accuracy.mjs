#!/usr/bin/env node
// Time to accuracy against PyTorch (bench/README.md): `selfsup pretrain --method simclr` on Fashion-MNIST and its
// PyTorch twin (bench/peers/simclr_twin.py, the recipe read from the selfsup run's run.json) train side by side for the
// same CPU-time budget, one thread each, pinned to separate cores; then both backbones are probed by the same code
// (`selfsup eval` for selfsup's encoder, bench/peers/probe-features.mjs for the twin's embeddings: both call
// @selfsup/eval's probeFeatures with @selfsup/cli's evalProbeOptions). Prints a markdown table and writes
// bench/results/<name>.json and .md.
//
//   node bench/time-to-accuracy.mjs [--budget 600] [--seeds 3] [--seed 0] [--limit N] [--epochs 1000]
//       [--data DIR] [--cores 0,1] [--python /usr/bin/python3] [--name time-to-accuracy] [--work DIR] [-- <selfsup pretrain flags>]
//       [--runs <selfsup bench --out>]
//
// --runs reuses the SimCLR runs of a `selfsup bench --seeds n` (with or without --jobs) instead of pretraining selfsup
// again: the twin of each seed follows that run's run.json (the bench's cosine spans 1000 planned epochs too) and the
// run's encoder is probed by `selfsup eval` as usual, so the table's selfsup row is the bench's SimCLR. Only the twin
// then trains here (it waits for each run's run.json, and the probe for its encoder).
//
// Flags after `--` go to `selfsup pretrain` (e.g. `-- --lr 3e-3 --batch-size 256 --crop-scale 0.2,1`); the twin follows
// whatever recipe that run resolved. --epochs sets the planned steps the cosine schedule spans (as `selfsup bench`:
// 1000, so the budget, not the epochs, ends the run). Needs the packages built (pnpm --filter "@selfsup/cli..." build)
// and PyTorch for /usr/bin/python3 (apt-get install python3-torch).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'cli.js');
const twinScript = join(root, 'bench', 'peers', 'simclr_twin.py');
const probeScript = join(root, 'bench', 'peers', 'probe-features.mjs');

const dashDash = process.argv.indexOf('--');
const argv = process.argv.slice(2, dashDash >= 0 ? dashDash : undefined);
const pretrainExtra = dashDash >= 0 ? process.argv.slice(dashDash + 1) : [];
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const budget = Number(option('budget', '600'));
const seeds = Number(option('seeds', '3'));
const seed0 = Number(option('seed', '0'));
const limit = option('limit');
const epochs = option('epochs', '1000');
const dataDir = option('data');
const [coreSelfsup, coreTwin] = option('cores', '0,1').split(',');
const python = option('python', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const name = option('name', 'time-to-accuracy');
const work = resolve(option('work', join(tmpdir(), `selfsup-${name}`)));
const benchRuns = option('runs') !== undefined ? resolve(option('runs')) : undefined;
const resultsDir = join(root, 'bench', 'results');
if (!(budget > 0) || !(seeds >= 1)) throw new Error('--budget must be > 0 and --seeds >= 1');
if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npx -y pnpm@10 --filter "@selfsup/cli..." build)`);

// One thread each: oneDNN's OpenMP pool (SELFSUP_NATIVE_THREADS) and PyTorch's intra-op threads (the twin sets 1).
const env = { ...process.env, SELFSUP_NATIVE_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
const dataSpec = dataDir !== undefined ? `fashion-mnist:${dataDir}` : 'fashion-mnist';

function run(label, core, command, args) {
  const child = spawn('taskset', ['-c', core, command, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const line of String(d).split('\n')) if (line.trim() !== '') process.stderr.write(`  [${label}] ${line}\n`);
  });
  const done = new Promise((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveRun({ stdout, stderr }) : reject(new Error(`${label} exited with ${code}: ${stderr.slice(-2000)}`))));
  });
  return { child, done };
}

async function waitForFile(file, process_, label) {
  let exited = false;
  process_.done.catch(() => undefined).finally(() => (exited = true));
  while (!existsSync(file)) {
    if (exited) throw new Error(`${label} ended before writing ${file}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lastMean = (xs, n = 10) => mean(xs.slice(-n));

/** The SimCLR run of `selfsup bench --out <benchRuns>` at this seed: its --jobs layout, else its sequential one. */
function benchRun(seed) {
  const candidates = [join(benchRuns, 'jobs', `simclr-seed-${seed}`, 'simclr'), join(benchRuns, 'simclr', `seed-${seed}`), join(benchRuns, 'simclr')];
  const found = candidates.find((dir) => existsSync(dir)) ?? candidates[0];
  return found;
}

/** Waits (polling) for a file another process writes: here a bench's run, which may still be training. */
async function waitFor(file) {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 2000));
}

async function oneSeed(seed) {
  const dir = join(work, `seed${seed}`);
  const runDir = benchRuns !== undefined ? benchRun(seed) : join(dir, 'selfsup');
  const twinDir = join(dir, 'pytorch');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const limitArgs = limit !== undefined ? ['--limit', limit] : [];
  let selfsup;
  if (benchRuns !== undefined) {
    console.error(`seed ${seed}: PyTorch twin on core ${coreTwin}, ${budget} CPU-s, of the bench's run ${runDir}`);
    await waitFor(join(runDir, 'run.json'));
  } else {
    console.error(`seed ${seed}: selfsup on core ${coreSelfsup}, PyTorch twin on core ${coreTwin}, ${budget} CPU-s each (${dir})`);
    selfsup = run('selfsup', coreSelfsup, process.execPath, [
      cli, 'pretrain', '--method', 'simclr', '--data', dataSpec, '--time-budget', String(budget), '--budget-clock', 'cpu',
      '--epochs', epochs, '--seed', String(seed), '--no-monitor', '--checkpoint-every', '1000000000', '--out', runDir, '--quiet',
      ...limitArgs, ...pretrainExtra,
    ]);
    // The twin starts once selfsup has written its resolved recipe (before its first step).
    await waitForFile(join(runDir, 'run.json'), selfsup, 'selfsup pretrain');
  }
  const twin = run('twin', coreTwin, python, [twinScript, '--run', runDir, '--budget', String(budget), '--seed', String(seed), '--out', twinDir, '--quiet', ...limitArgs, ...(dataDir !== undefined ? ['--data', dataDir] : [])]);
  await Promise.all([selfsup?.done, twin.done]);
  if (benchRuns !== undefined) await waitFor(join(runDir, 'log.json'));
  console.error(`seed ${seed}: probing both`);
  const evalDir = benchRuns !== undefined ? join(dir, 'selfsup-eval') : join(runDir, 'eval');
  const probes = [
    run('selfsup eval', coreSelfsup, process.execPath, [cli, 'eval', '--encoder', join(runDir, 'encoder'), '--data', dataSpec, '--seed', String(seed), '--no-metrics', '--plot', 'none', '--out', evalDir, '--quiet', ...limitArgs]),
    run('twin probe', coreTwin, process.execPath, [probeScript, '--features', twinDir, '--seed', String(seed), '--out', join(twinDir, 'probe.json')]),
  ];
  await Promise.all(probes.map((p) => p.done));

  const log = readJson(join(runDir, 'log.json'));
  const report = readJson(join(evalDir, 'report.json'));
  const top1 = Object.fromEntries(report.evaluations[0].results.map((r) => [r.probe, r.top1]));
  const twinResult = readJson(join(twinDir, 'twin.json'));
  const twinProbe = readJson(join(twinDir, 'probe.json'));
  const losses = log.history.map((h) => h.loss);
  return {
    seed,
    dir,
    selfsup: {
      steps: log.steps,
      cpuSeconds: log.cpuSeconds,
      wallSeconds: log.seconds,
      finalLoss: lastMean(losses),
      lastLoss: losses.at(-1),
      stoppedBy: log.stoppedBy,
      backend: log.backend.description,
      knn: top1.knn,
      linear: top1.linear,
      probeTrain: report.data.train,
      probeTest: report.data.test,
    },
    pytorch: {
      steps: twinResult.steps,
      cpuSeconds: twinResult.cpuSeconds,
      wallSeconds: twinResult.wallSeconds,
      finalLoss: lastMean(twinResult.losses),
      lastLoss: twinResult.finalLoss,
      stoppedBy: twinResult.stoppedBy,
      backend: `PyTorch ${twinResult.torch} CPU (${twinResult.threads} thread)`,
      knn: twinProbe.knn,
      linear: twinProbe.linear,
      probeTrain: twinProbe.train.name,
      probeTest: twinProbe.test.name,
      parameters: twinResult.parameters,
    },
    recipe: { training: twinResult.training, options: twinResult.options, encoder: twinResult.encoder },
  };
}

function stat(values) {
  const m = mean(values);
  const sd = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
  return { mean: m, sd, values };
}

function cell(s, digits, scale = 1, suffix = '') {
  const m = (s.mean * scale).toFixed(digits);
  return s.values.length > 1 ? `${m} ± ${(s.sd * scale).toFixed(digits)}${suffix}` : `${m}${suffix}`;
}

const startedAt = new Date().toISOString();
const load = loadavg().map((x) => x.toFixed(1)).join(' ');
const runs = [];
for (let s = seed0; s < seed0 + seeds; s++) runs.push(await oneSeed(s));

const peers = [
  ['selfsup', 'selfsup (wasm + oneDNN, 1 thread)'],
  ['pytorch', 'PyTorch twin (1 thread)'],
];
const summary = peers.map(([key, label]) => {
  const pick = (field) => stat(runs.map((r) => r[key][field]));
  return { peer: key, label, backend: runs[0][key].backend, steps: pick('steps'), cpuSeconds: pick('cpuSeconds'), finalLoss: pick('finalLoss'), knn: pick('knn'), linear: pick('linear') };
});
const first = runs[0];
const t = first.recipe.training;
const title = `SimCLR on Fashion-MNIST, ${budget} CPU-s of pretraining each, ${seeds} seed${seeds > 1 ? 's' : ''} (${seed0}..${seed0 + seeds - 1})${limit !== undefined ? `, first ${limit} images of each split` : ''}`;
const md = [
  `### ${title}`,
  '',
  `Recipe (run.json of the selfsup run): convNet ${JSON.stringify(first.recipe.encoder.channels)} + 2-layer head, ${t.optimizer} lr ${t.learningRate}${t.learningRateScaling === 'linear' ? ' x batch/256' : ''}, ${t.schedule} schedule over ${t.epochs} planned epochs (the CPU clock drives it), batch ${t.batchSize}, T = ${first.recipe.options.temperature}; probes: k-NN (k = 200, T = 0.1) and the SGD linear-probe sweep of \`selfsup eval\` on ${first.pytorch.probeTrain} -> ${first.pytorch.probeTest}.`,
  '',
  '| peer | steps | CPU-s | final loss | k-NN top-1 | linear top-1 |',
  '| --- | --- | --- | --- | --- | --- |',
  ...summary.map((r) => `| ${r.label} | ${cell(r.steps, 0)} | ${cell(r.cpuSeconds, 1)} | ${cell(r.finalLoss, 3)} | ${cell(r.knn, 1, 100, '%')} | ${cell(r.linear, 1, 100, '%')} |`),
  '',
  `(final loss: the mean NT-Xent of the last 10 steps; CPU-s: the process CPU time over the training loop, the budget's clock. ${cpus()[0]?.model ?? 'CPU'}, load average ${load} at the start, ${startedAt}.)`,
  '',
].join('\n');
mkdirSync(resultsDir, { recursive: true });
const result = { name, title, startedAt, loadAverage: load, cpu: cpus()[0]?.model, node: process.version, budget, seeds, limit: limit ?? null, epochs: Number(epochs), pretrainExtra, summary, runs };
writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(resultsDir, `${name}.md`), md);
console.log(md);
console.error(`wrote ${join(resultsDir, `${name}.json`)} and .md (runs and features under ${work})`);
