#!/usr/bin/env node
// Chooses a method's `small` recipe on a validation split, never on the test split: every candidate pretrains on the
// training split minus a class-balanced 20% held out with a fixed seed (`--validation 0.2`), and `selfsup eval` probes
// it on that held-out part. Candidates share a fixed number of epochs (a step count, not a clock), so a loaded machine
// changes how long the search takes, not what it finds. Results (one row per candidate and seed) go to
// docs/results/recipe-selection/<method>-<data>.json and .md; a rerun skips candidates already measured.
//
//   node scripts/select-recipe.mjs --method simclr --data mnist --epochs 17 --grid scripts/recipe-grids/simclr-mnist.json
//
// --eval-flags="--knn-preset select --optimizer lbfgs" (with "=": the value starts with a dash) probes every candidate as the main job does.
// A grid file is a JSON array of { "name": "...", "flags": ["--flip-probability", "0", ...] } (selfsup pretrain flags).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const cli = fileURLToPath(new URL('../packages/cli/dist/cli.js', import.meta.url));
const { values } = parseArgs({
  options: {
    method: { type: 'string' },
    data: { type: 'string', default: 'mnist' },
    epochs: { type: 'string', default: '17' },
    grid: { type: 'string' },
    seeds: { type: 'string', default: '1' },
    validation: { type: 'string', default: '0.2' },
    only: { type: 'string' },
    // selfsup eval flags for every candidate, e.g. "--knn-preset select --optimizer lbfgs" (the main job's probes).
    'eval-flags': { type: 'string', default: '' },
    work: { type: 'string', default: 'runs/recipe-selection' },
    results: { type: 'string', default: fileURLToPath(new URL('../docs/results/recipe-selection', import.meta.url)) },
  },
});
if (values.method === undefined || values.grid === undefined) {
  console.error('usage: select-recipe.mjs --method <name> --grid <file.json> [--data mnist] [--epochs 17] [--seeds 1] [--only "name;name"]');
  process.exit(2);
}
const grid = JSON.parse(readFileSync(values.grid, 'utf8'));
if (!Array.isArray(grid) || !grid.every((c) => typeof c?.name === 'string' && Array.isArray(c.flags))) {
  console.error(`--grid ${values.grid}: expected a JSON array of { name, flags: [...] }`);
  process.exit(2);
}
const only = values.only?.split(';'); // names may hold commas
const key = `${values.method}-${values.data.replace(/[^\w-]+/g, '_')}`;
mkdirSync(values.results, { recursive: true });
const jsonFile = join(values.results, `${key}.json`);
const previous = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : { rows: [] };
const rows = previous.rows;
const common = ['--data', values.data, '--validation', values.validation];
const evalFlags = values['eval-flags'].split(/\s+/).filter((f) => f !== '');

function selfsup(args, log) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  writeFileSync(log, `${r.stdout}\n${r.stderr}`);
  if (r.status !== 0) throw new Error(`selfsup ${args.join(' ')} failed (exit ${r.status}); see ${log}`);
}

for (const candidate of grid) {
  if (only !== undefined && !only.includes(candidate.name)) continue;
  for (let seed = 0; seed < Number(values.seeds); seed++) {
    const done = rows.find((r) => r.name === candidate.name && r.seed === seed && r.epochs === Number(values.epochs));
    if (done !== undefined) continue;
    const dir = join(values.work, key, `${candidate.name}-s${seed}`);
    mkdirSync(dir, { recursive: true });
    const started = Date.now();
    process.stdout.write(`${candidate.name} seed ${seed}: pretraining ${values.epochs} epochs ... `);
    // A run left by an interrupted earlier call has no row in the results: it is redone from scratch.
    selfsup(['pretrain', '--method', values.method, ...common, '--epochs', values.epochs, '--seed', String(seed), '--no-monitor', '--quiet', '--out', join(dir, 'run'), '--overwrite', ...candidate.flags], join(dir, 'pretrain.log'));
    // A candidate's --plugin (a method or an architecture from elsewhere) is needed to load its encoder too.
    const plugins = candidate.flags.flatMap((f, i) => (f === '--plugin' ? ['--plugin', candidate.flags[i + 1]] : []));
    selfsup(['eval', '--encoder', join(dir, 'run', 'encoder'), ...common, ...plugins, ...evalFlags, '--seed', String(seed), '--no-metrics', '--quiet', '--out', join(dir, 'eval')], join(dir, 'eval.log'));
    const report = JSON.parse(readFileSync(join(dir, 'eval', 'report.json'), 'utf8'));
    const top1 = Object.fromEntries(report.evaluations[0].results.map((r) => [r.probe, r.top1]));
    const log = JSON.parse(readFileSync(join(dir, 'run', 'log.json'), 'utf8'));
    const row = {
      name: candidate.name,
      flags: candidate.flags,
      seed,
      epochs: Number(values.epochs),
      steps: log.steps ?? log.result?.steps ?? null,
      knn: top1.knn ?? null,
      linear: top1.linear ?? null,
      wallSeconds: (Date.now() - started) / 1000,
    };
    rows.push(row);
    console.log(`k-NN ${(100 * row.knn).toFixed(1)}, linear ${(100 * row.linear).toFixed(1)} (${row.wallSeconds.toFixed(0)} s)`);
    writeFileSync(jsonFile, `${JSON.stringify({ method: values.method, data: values.data, validation: Number(values.validation), rows }, null, 2)}\n`);
  }
}

// The table: mean over seeds per candidate and epoch count, best k-NN first.
const groups = new Map();
for (const r of rows) {
  const id = `${r.name}@${r.epochs}`;
  groups.set(id, [...(groups.get(id) ?? []), r]);
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const table = [...groups.values()]
  .map((rs) => ({ name: rs[0].name, flags: rs[0].flags.join(' ') || '(the current defaults)', epochs: rs[0].epochs, steps: rs[0].steps, seeds: rs.length, knn: mean(rs.map((r) => r.knn)), linear: mean(rs.map((r) => r.linear)) }))
  .sort((a, b) => b.knn - a.knn);
const md = [
  `# ${values.method} on ${values.data}: recipe selection on a validation split`,
  '',
  `Every candidate pretrains on the training split minus a class-balanced ${Number(values.validation) * 100}% held out (seed 0) and is probed on that part by \`selfsup eval\` (the test split is never read). Made by \`node scripts/select-recipe.mjs --method ${values.method} --data ${values.data} --epochs ${values.epochs} --grid ${values.grid}${evalFlags.length > 0 ? ` --eval-flags=\"${evalFlags.join(' ')}\"` : ''}\`.`,
  ...(previous.note !== undefined ? ['', previous.note] : []),
  '',
  '| candidate | flags | epochs | steps | seeds | k-NN (val) | linear (val) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...table.map((t) => `| ${t.name} | \`${t.flags}\` | ${t.epochs} | ${t.steps ?? '-'} | ${t.seeds} | ${(100 * t.knn).toFixed(1)} | ${(100 * t.linear).toFixed(1)} |`),
  '',
];
writeFileSync(join(values.results, `${key}.md`), md.join('\n'));
console.log(md.join('\n'));
