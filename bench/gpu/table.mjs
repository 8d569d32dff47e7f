#!/usr/bin/env node
// The one table of bench/gpu/run.sh: parity of webgpu with cpu, then images/s of each workload on webgpu and on
// PyTorch (CUDA on the GPU machine), from the JSON files run.sh left in <dir>. Plain Node, no dependencies.
//   node bench/gpu/table.mjs <dir>
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: node bench/gpu/table.mjs <dir>');
// Python's json writes NaN for a NaN loss: read it as null.
const read = (file) => (existsSync(join(dir, file)) ? JSON.parse(readFileSync(join(dir, file), 'utf8').replace(/\bNaN\b/g, 'null')) : undefined);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rate = (r) => (r === undefined || r.error !== undefined || !Array.isArray(r.wall) ? undefined : r.imagesPerStep / median(r.wall));
const cell = (x) => (x === undefined ? '-' : x.toFixed(1));

const lines = [];
const gpu = existsSync(join(dir, 'gpu.txt')) ? readFileSync(join(dir, 'gpu.txt'), 'utf8').trim() : 'no nvidia-smi (a local run?)';
const parity = read('parity.json');
lines.push(`### selfsup on webgpu against PyTorch (${gpu})`, '');
if (parity === undefined) {
  lines.push('Parity: not run (no parity.json).', '');
} else {
  const failed = parity.checks.filter((c) => !c.ok);
  lines.push(`Parity with cpu on ${parity.backend}: ${parity.checks.length - failed.length} of ${parity.checks.length} checks pass.`);
  for (const c of failed) lines.push(`- failed: ${c.name}${c.note ? ` (${c.note})` : ` (max relative error ${c.error})`}`);
  lines.push('');
}
lines.push('| workload | webgpu images/s | PyTorch images/s | webgpu / PyTorch | equal work (relative error of the first loss) | notes |', '| --- | ---: | ---: | ---: | ---: | --- |');
for (const workload of ['simclr-resnet18', 'embed-resnet18']) {
  const ours = read(`${workload}-webgpu.json`);
  const theirs = read(`${workload}-pytorch.json`);
  const [a, b] = [rate(ours), rate(theirs)];
  const notes = [
    ours === undefined ? 'webgpu: no result' : ours.error && `webgpu: ${ours.error}`,
    theirs === undefined ? 'PyTorch: no result (see bench.log)' : theirs.error && `PyTorch: ${theirs.error}`,     theirs?.device && `PyTorch on ${theirs.device}`,
    ours?.batch && `batch ${ours.batch}`,
  ]
    .filter(Boolean)
    .join('; ');
  const check = theirs?.checkRelativeError;
  lines.push(`| ${workload} | ${cell(a)} | ${cell(b)} | ${a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}x` : '-'} | ${typeof check === 'number' ? check.toExponential(1) : check === null ? 'NaN' : '-'} | ${notes} |`);
}
const backend = read('simclr-resnet18-webgpu.json')?.backend;
if (backend !== undefined) lines.push('', `webgpu backend: ${backend}`);
console.log(lines.join('\n'));
