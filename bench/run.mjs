#!/usr/bin/env node
// `pnpm bench`: the side-by-side benchmark of bench/README.md. Each workload runs on each peer in its own process
// (bench/simclr.ts for the tfjs backends, bench/peers/simclr_peer.py for PyTorch), after an equal-work check; the
// results go to bench/results/simclr-bench.json and .md, and the table is printed.
//
//   node bench/run.mjs [--quick] [--workloads a,b] [--peers a,b] [--steps N] [--threads N] [--no-cpu] [--full-cpu] [--resnet-batch N] [--name simclr-bench]
//
// --quick: 2 timed steps. The stock cpu backend runs on the convNet workload only (a small batch, scaled per image):
// on ResNet-18 it needs more than 10 minutes for one step of 2 images; --full-cpu runs it there too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const quick = flag('quick');
const threads = Number(option('threads', String(availableParallelism())));
const steps = Number(option('steps', quick ? '2' : '3'));
const python = option('python', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const WORKLOADS = {
  // 2x128 does not fit: a ResNet-18 training step on 256 images needs more than the 4 GB a wasm32 heap can hold.
  'simclr-resnet18': { title: 'SimCLR step, ResNet-18 (CIFAR stem) + head, 2x64 images 32x32x3', batch: Number(option('resnet-batch', '64')), cpuBatch: 1 },
  'simclr-convnet': { title: 'SimCLR step, convNet (CLI default) + head, 2x128 images 28x28x1', batch: 128, cpuBatch: 4 },
  'embed-resnet18': { title: 'Embedding 1024 images 32x32x3 through ResNet-18 (forward only)', batch: 256, cpuBatch: 4 },
};
const PEERS = {
  pytorch: 'PyTorch CPU (reference)',
  'wasm-native': 'selfsup default install: wasm + oneDNN kernels (platform package)',
  wasm: 'selfsup wasm without the native kernels (SELFSUP_NATIVE=off)',
  'wasm-stock': 'stock tfjs-backend-wasm 4.22',
  cpu: 'stock tfjs-backend-cpu 4.22',
};
const workloads = (option('workloads') ?? Object.keys(WORKLOADS).join(',')).split(',');
const peers = (option('peers') ?? Object.keys(PEERS).join(',')).split(',');
for (const w of workloads) if (!(w in WORKLOADS)) throw new Error(`unknown workload ${w}; one of ${Object.keys(WORKLOADS).join(', ')}`);
for (const p of peers) if (!(p in PEERS)) throw new Error(`unknown peer ${p}; one of ${Object.keys(PEERS).join(', ')}`);

const resultsDir = join(root, 'bench', 'results');
const exchange = join(resultsDir, 'exchange');
mkdirSync(exchange, { recursive: true });
const env = {
  ...process.env,
  TSX_TSCONFIG_PATH: join(root, 'tsconfig.dev.json'),
  SELFSUP_NATIVE_THREADS: String(threads),
  OMP_NUM_THREADS: String(threads),
};
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function runTfjs(workload, peer, batch, extra = []) {
  const out = join(exchange, `${workload}-${peer}.json`);
  rmSync(out, { force: true });
  const embed = workload.startsWith('embed');
  const timed = peer === 'cpu' ? 1 : embed ? Math.max(1, steps - 1) : steps;
  const warmup = peer === 'cpu' && !embed ? 0 : 1;
  const images = peer === 'cpu' ? batch : 1024;
  const args = ['bench/simclr.ts', '--workload', workload, '--peer', peer, '--batch', String(batch), '--steps', String(timed)];
  args.push('--warmup', String(warmup), '--images', String(images), '--out', out, ...extra);
  const child = spawnSync(tsx, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(out)) return { workload, peer, error: `the run ended without a result (exit ${child.status})` };
  return JSON.parse(readFileSync(out, 'utf8'));
}

function runPytorch(workload, stateDir) {
  const out = join(exchange, `${workload}-pytorch.json`);
  rmSync(out, { force: true });
  const embed = workload.startsWith('embed');
  const args = [join(root, 'bench', 'peers', 'simclr_peer.py'), '--state', stateDir, '--threads', String(threads), '--out', out];
  args.push('--steps', String(embed ? Math.max(1, steps - 1) : steps), '--warmup', '1');
  const child = spawnSync(python, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (child.error) return { workload, peer: 'pytorch', error: `skipped: ${python} not runnable (${child.error.message})` };
  if (child.status === 3) return { workload, peer: 'pytorch', error: `skipped: ${JSON.parse(child.stdout).error} (apt-get install python3-torch)` };
  if (!existsSync(out)) return { workload, peer: 'pytorch', error: `the run ended without a result (exit ${child.status}) ${child.stdout}` };
  return { workload, ...JSON.parse(readFileSync(out, 'utf8')) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function summarise(r) {
  if (r.error !== undefined || !Array.isArray(r.wall) || r.wall.length === 0) return r;
  const wall = median(r.wall);
  const cpu = median(r.cpu);
  return { ...r, secondsWall: wall, secondsCpu: cpu, imagesPerSecond: r.imagesPerStep / wall, imagesPerCpuSecond: r.imagesPerStep / cpu };
}

const started = new Date();
const rows = [];
for (const workload of workloads) {
  const spec = WORKLOADS[workload];
  process.stderr.write(`${spec.title}\n`);
  const stateDir = join(exchange, workload);
  let exported = false;
  const results = {};
  for (const peer of peers.filter((p) => p !== 'pytorch')) {
    if (peer === 'cpu' && (flag('no-cpu') || (!flag('full-cpu') && workload !== 'simclr-convnet'))) {
      results[peer] = { workload, peer, error: 'not run: minutes per ResNet image (--full-cpu runs it)' };
      continue;
    }
    const batch = peer === 'cpu' ? spec.cpuBatch : spec.batch;
    // The first full-batch tfjs run exports weights and inputs for the PyTorch peer's equal-work check.
    const exportNow = !exported && peer !== 'cpu';
    const r = summarise(runTfjs(workload, peer, batch, exportNow ? ['--export', stateDir] : []));
    if (exportNow && r.error === undefined) exported = true;
    results[peer] = r;
  }
  if (peers.includes('pytorch')) {
    results.pytorch = exported
      ? summarise(runPytorch(workload, stateDir))
      : { workload, peer: 'pytorch', error: 'skipped: no tfjs run exported the weights to compare with' };
  }
  // Equal work among the tfjs peers too: the same parameter count and the same initial loss (full batch).
  const reference = results.pytorch?.error === undefined ? results.pytorch : undefined;
  for (const peer of peers) {
    const r = results[peer];
    if (r === undefined) continue;
    if (reference !== undefined && r.error === undefined) {
      r.ratioWall = r.imagesPerSecond / reference.imagesPerSecond;
      r.ratioCpu = r.imagesPerCpuSecond / reference.imagesPerCpuSecond;
      r.sameParameters = r.parameters === reference.parameters;
      if (peer !== 'pytorch' && r.batch === reference.batch && r.check !== undefined) r.checkRelativeError = Math.abs(r.check - reference.check) / Math.abs(reference.check);
    }
    rows.push({ ...r, title: spec.title, peerTitle: PEERS[peer] });
  }
}

const fmt = (v, digits = 1) => (v === undefined || Number.isNaN(v) ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(digits));
const lines = [
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}, ${threads} threads for oneDNN and PyTorch; load average at start ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${started.toISOString()}.`,
  '',
  '| workload | peer | batch | s/step (wall) | images/s (wall) | images per CPU-s | vs PyTorch (wall) | vs PyTorch (CPU) | params | equal work |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of rows) {
  if (r.error !== undefined) {
    lines.push(`| ${r.workload} | ${r.peerTitle} | - | - | - | - | - | - | - | ${r.error} |`);
    continue;
  }
  const equal =
    r.peer === 'pytorch'
      ? `loss ${r.check?.toPrecision(6)} vs tfjs ${r.tfjsCheck?.toPrecision(6)} (rel ${r.checkRelativeError?.toExponential(1)})`
      : r.checkRelativeError !== undefined
        ? `${r.sameParameters ? 'same params' : 'PARAMS DIFFER'}, rel ${r.checkRelativeError.toExponential(1)}`
        : r.batch !== WORKLOADS[r.workload].batch
          ? `batch ${r.batch}, scaled per image`
          : '-';
  lines.push(
    `| ${r.workload} | ${r.peerTitle} | ${r.imagesPerStep} | ${fmt(r.secondsWall, 2)} | ${fmt(r.imagesPerSecond)} | ${fmt(r.imagesPerCpuSecond)} | ${fmt(r.ratioWall, 3)} | ${fmt(r.ratioCpu, 3)} | ${r.parameters ?? '-'} | ${equal} |`,
  );
}
const markdown = lines.join('\n');
process.stdout.write(`\n${markdown}\n`);
const name = option('name', 'simclr-bench');
writeFileSync(join(resultsDir, `${name}.md`), `${markdown}\n`);
writeFileSync(
  join(resultsDir, `${name}.json`),
  JSON.stringify({ date: started.toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.versions.node, loadavg: loadavg() }, threads, steps, quick, rows }, null, 1),
);
