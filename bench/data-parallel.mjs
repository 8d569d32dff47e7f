#!/usr/bin/env node
// Data-parallel scaling on this machine (bench/README.md): the same SimCLR pretraining with 1 worker and with N workers
// (`selfsup pretrain --nproc N`, Gloo), the same number of images per worker and step (weak scaling), reported as
// images per second of wall time. One worker gets every core's native threads; N workers get cores / N each.
//
//   node bench/data-parallel.mjs [--workers 1,2] [--limit 3072] [--batch-size 64] [--data fashion-mnist] [--name data-parallel]
//
// Needs the packages built (pnpm --filter "@selfsup/cli..." build) and the Gloo addon (apt-get install libgloo-dev,
// then node packages/tensors/native/build.mjs --target gloo). Writes bench/results/<name>.json and .md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'cli.js');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const workers = option('workers', '1,2').split(',').map(Number);
const limit = option('limit', '3072');
const batchSize = option('batch-size', '64');
const data = option('data', 'fashion-mnist');
const name = option('name', 'data-parallel');
if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npx -y pnpm@10 --filter "@selfsup/cli..." build)`);
if (workers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--workers must list integers >= 1');

const cores = availableParallelism();
const load = loadavg().map((x) => x.toFixed(1)).join(' ');
const work = mkdtempSync(join(tmpdir(), 'selfsup-data-parallel-'));
const rows = [];
try {
  for (const n of workers) {
    const out = join(work, `workers-${n}`);
    const args = [cli, 'pretrain', '--method', 'simclr', '--data', data, '--limit', limit, '--batch-size', batchSize, '--epochs', '1'];
    args.push('--no-monitor', '--quiet', '--checkpoint-every', '1000000000', '--out', out, ...(n > 1 ? ['--nproc', String(n)] : []));
    const env = { ...process.env, SELFSUP_NATIVE_THREADS: String(Math.max(1, Math.floor(cores / n))) };
    console.error(`${n} worker(s), ${env.SELFSUP_NATIVE_THREADS} native thread(s) each...`);
    execFileSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
    const images = log.steps * Number(batchSize) * n;
    rows.push({ workers: n, threadsPerWorker: Number(env.SELFSUP_NATIVE_THREADS), steps: log.steps, globalBatch: Number(batchSize) * n, seconds: log.seconds, imagesPerSecond: images / log.seconds });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const base = rows[0]?.imagesPerSecond ?? 1;
const md = [
  `### Data-parallel SimCLR on ${data} (first ${limit} images, ${batchSize} per worker and step), ${cores} cores`,
  '',
  '| workers | native threads each | steps | images per step | seconds | images/s | vs 1 worker |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.workers} | ${r.threadsPerWorker} | ${r.steps} | ${r.globalBatch} | ${r.seconds.toFixed(1)} | ${r.imagesPerSecond.toFixed(1)} | ${(r.imagesPerSecond / base).toFixed(2)}x |`),
  '',
  `(${cpus()[0]?.model ?? 'CPU'}, load average ${load} at the start, ${new Date().toISOString()}.)`,
  '',
].join('\n');
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', `${name}.json`), `${JSON.stringify({ name, cores, load, limit: Number(limit), batchSize: Number(batchSize), data, rows }, null, 2)}\n`);
writeFileSync(join(root, 'bench', 'results', `${name}.md`), md);
console.log(md);
