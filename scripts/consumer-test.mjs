#!/usr/bin/env node
// The packages as a user gets them: pack every publishable package (`pnpm pack` rewrites `workspace:^` to real
// versions), check each tarball (contents, manifest, `npm publish --dry-run`), install the tarballs with plain npm into
// a fresh project outside the workspace, then import every entry point and train two steps of SimCLR there.
// Needs built packages (the nx target `consumer-test` depends on `^build`). Run: node scripts/consumer-test.mjs [--keep]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const started = performance.now();
const tfjsVersion = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies['@tensorflow/tfjs-core'];

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  } catch (error) {
    process.stderr.write(`${command} ${args.join(' ')} failed (in ${options.cwd ?? process.cwd()}):\n${error.stdout ?? ''}${error.stderr ?? ''}\n`);
    throw error;
  }
}

function step(label) {
  console.log(`consumer-test: ${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

const packages = fs
  .readdirSync(path.join(root, 'packages'))
  .map((dir) => path.join(root, 'packages', dir))
  .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

for (const { dir, manifest } of packages) {
  if (!fs.existsSync(path.join(dir, 'dist', 'index.js'))) {
    throw new Error(`${manifest.name} is not built (no dist/index.js): run \`pnpm build\` or \`nx run-many -t build\` first`);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'selfsup-consumer-'));
const tarballs = path.join(work, 'tarballs');
const app = path.join(work, 'app');
fs.mkdirSync(tarballs);
fs.mkdirSync(app);
let failed = true;
try {
  // 1. Pack.
  step(`packing ${packages.length} packages into ${tarballs}`);
  const packed = [];
  for (const { dir, manifest } of packages) {
    const out = run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
    const file = out.trim().split('\n').filter((line) => line.endsWith('.tgz')).at(-1);
    if (file === undefined) throw new Error(`pnpm pack printed no tarball for ${manifest.name}:\n${out}`);
    packed.push({ name: manifest.name, manifest, tarball: path.isAbsolute(file) ? file : path.join(tarballs, path.basename(file)) });
  }

  // 2. Check each tarball as npm would publish it.
  step('checking tarball contents and npm publish --dry-run');
  for (const { name, manifest, tarball } of packed) {
    const files = run('tar', ['-tzf', tarball]).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    const problems = [];
    for (const required of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
      if (!files.includes(required)) problems.push(`missing ${required}`);
    }
    for (const file of files) {
      if (/^(src|test|bench|scripts)\//.test(file) || /\.test\.|tsconfig|vitest\.config|tsup\.config/.test(file)) problems.push(`ships ${file}`);
    }
    const packedManifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']));
    if (JSON.stringify(packedManifest).includes('workspace:')) problems.push('package.json still has workspace: ranges');
    if (packedManifest.version !== manifest.version) problems.push(`version ${packedManifest.version} != ${manifest.version}`);
    // The "@selfsup/source" condition points at src/ for the workspace's own tests and type-checks; no consumer sets it.
    const targets = Object.values(packedManifest.exports ?? {}).flatMap((e) =>
      typeof e === 'string' ? [e] : Object.entries(e).filter(([condition]) => condition !== '@selfsup/source').map(([, t]) => t),
    );
    for (const target of targets) {
      if (!files.includes(target.replace(/^\.\//, ''))) problems.push(`exports points at ${target}, which is not in the tarball`);
    }
    if (problems.length > 0) throw new Error(`${name} tarball: ${problems.join('; ')}`);
    // --dry-run reports what would be published without contacting the registry for auth; --tag avoids npm's refusal
    // to dry-run a prerelease without one.
    run('npm', ['publish', '--dry-run', '--tag', 'dry-run', '--access', 'public', '--ignore-scripts', tarball], { cwd: work });
  }

  // 3. A fresh project outside the workspace, plain npm.
  step('npm install of the tarballs and tfjs into a fresh project');
  const dependencies = Object.fromEntries(packed.map(({ name, tarball }) => [name, `file:${path.relative(app, tarball)}`]));
  for (const tfjs of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu']) dependencies[tfjs] = tfjsVersion;
  fs.writeFileSync(
    path.join(app, 'package.json'),
    `${JSON.stringify({ name: 'selfsup-consumer', version: '1.0.0', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], {
    cwd: app,
    // No workspace settings leak in from the repository (pnpm's npm_config_* variables, a parent .npmrc).
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))),
  });
  fs.copyFileSync(path.join(import.meta.dirname, 'consumer-test', 'smoke.mjs'), path.join(app, 'smoke.mjs'));

  // 4. Import everything and train.
  step('running the smoke script (imports, SimCLR x 2 steps, k-NN probe, selfsup --help)');
  const entries = packed.flatMap(({ name, manifest }) =>
    Object.keys(manifest.exports ?? { '.': '' })
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`)),
  );
  const smoke = run('node', ['smoke.mjs', ...entries], { cwd: app, env: { ...process.env, SELFSUP_BACKEND: 'wasm' } });
  process.stdout.write(smoke);
  const help = run(path.join(app, 'node_modules', '.bin', 'selfsup'), ['--help'], { cwd: app });
  if (!/pretrain/.test(help)) throw new Error(`selfsup --help did not list the pretrain command:\n${help}`);
  if (!/Methods: simclr, .*inpainting/.test(help)) throw new Error(`selfsup --help did not list the methods of the presets:\n${help}`);
  failed = false;
  step(`passed: ${packed.length} tarballs, ${entries.length} entry points`);
} finally {
  if (keep || failed) console.log(`consumer-test: files left in ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
