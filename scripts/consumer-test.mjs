#!/usr/bin/env node
// The packages as a user gets them: pack every publishable package (`pnpm pack` rewrites `workspace:^` to real
// versions), check each tarball (contents, manifest, `npm publish --dry-run`), install the tarballs with plain npm into
// a fresh project outside the workspace, then import every entry point and train two steps of SimCLR there.
// The prebuilt native package (@selfsup/tensors-linux-x64-gnu, when built here: it needs g++ and libdnnl-dev) is packed
// and installed too: its addon must load its own oneDNN; a second project installed with --omit=optional must fall back
// to plain wasm and say why.
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

/** Platform packages (prebuilt binaries, `os`/`cpu` set): no dist/, their own required files. */
const isPlatform = (manifest) => Array.isArray(manifest.os) || Array.isArray(manifest.cpu);
const PLATFORM_FILES = ['package.json', 'README.md', 'selfsup_dnnl.node', 'build-info.json'];
const skippedPlatform = [];
for (const { dir, manifest } of packages.filter(({ manifest }) => isPlatform(manifest))) {
  const builtHere = fs.existsSync(path.join(dir, 'selfsup_dnnl.node'));
  const thisPlatform = manifest.os.includes(process.platform) && manifest.cpu.includes(process.arch);
  if (!builtHere || !thisPlatform) {
    skippedPlatform.push(`${manifest.name} (${!thisPlatform ? `not for ${process.platform}-${process.arch}` : 'not built here: needs g++ and libdnnl-dev'})`);
  }
}
const packable = packages.filter(({ manifest }) => !isPlatform(manifest) || !skippedPlatform.some((s) => s.startsWith(`${manifest.name} `)));

for (const { dir, manifest } of packable) {
  if (isPlatform(manifest)) continue;
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
  step(`packing ${packable.length} packages into ${tarballs}`);
  for (const skipped of skippedPlatform) step(`not packing ${skipped}; only the fallback to wasm is checked`);
  const packed = [];
  for (const { dir, manifest } of packable) {
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
    for (const required of isPlatform(manifest) ? PLATFORM_FILES : ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
      if (!files.includes(required)) problems.push(`missing ${required}`);
    }
    // src/ ships (without tests) for the `@selfsup/source` export condition and the source maps; nothing else of the
    // workspace does.
    for (const file of files) {
      if (/^(test|bench|scripts)\//.test(file) || /\.test\.|tsconfig|vitest\.config|tsup\.config/.test(file)) problems.push(`ships ${file}`);
    }
    if (isPlatform(manifest)) {
      const info = JSON.parse(run('tar', ['-xzOf', tarball, 'package/build-info.json']));
      for (const { soname, licence } of info.bundled) {
        if (!files.includes(soname)) problems.push(`missing ${soname}, which build-info.json lists`);
        if (!files.includes(licence)) problems.push(`missing ${licence}, the licence of ${soname}`);
      }
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
  // No workspace settings leak in from the repository (pnpm's npm_config_* variables, a parent .npmrc), nor the
  // NODE_PATH that nx's bin shim sets to the workspace's node_modules/.pnpm/node_modules (require.resolve would find
  // the workspace's packages there, e.g. the platform package the --omit=optional project must not see).
  const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_PATH'));
  const npmInstall = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];
  run('npm', npmInstall, { cwd: app, env: npmEnv });
  fs.copyFileSync(path.join(import.meta.dirname, 'consumer-test', 'smoke.mjs'), path.join(app, 'smoke.mjs'));
  fs.copyFileSync(path.join(import.meta.dirname, 'consumer-test', 'native.mjs'), path.join(app, 'native.mjs'));

  // 4. Import everything and train.
  step('running the smoke script (imports, SimCLR x 2 steps, k-NN probe, selfsup --help)');
  // Platform packages export binaries (.node, JSON), not ES modules: step 5 checks them.
  const entries = packed.filter(({ manifest }) => !isPlatform(manifest)).flatMap(({ name, manifest }) =>
    Object.keys(manifest.exports ?? { '.': '' })
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`)),
  );
  const smoke = run('node', ['smoke.mjs', ...entries], { cwd: app, env: { ...npmEnv, SELFSUP_BACKEND: 'wasm' } });
  process.stdout.write(smoke);
  const help = run(path.join(app, 'node_modules', '.bin', 'selfsup'), ['--help'], { cwd: app });
  if (!/pretrain/.test(help)) throw new Error(`selfsup --help did not list the pretrain command:\n${help}`);
  if (!/Methods: simclr, .*inpainting/.test(help)) throw new Error(`selfsup --help did not list the methods of the presets:\n${help}`);

  // 5. The native kernels: the platform package's addon with its own oneDNN, or the fallback without it.
  const platform = packed.find(({ manifest }) => isPlatform(manifest));
  if (platform !== undefined) {
    step(`${platform.name}: ldd, and initBackend with the system's libraries first on LD_LIBRARY_PATH`);
    const dir = path.join(app, 'node_modules', ...platform.name.split('/'));
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'build-info.json'), 'utf8'));
    const ldd = run('ldd', [path.join(dir, 'selfsup_dnnl.node')]);
    for (const { soname } of info.bundled) {
      const line = ldd.split('\n').find((l) => l.trim().startsWith(`${soname} `));
      const resolved = line && /=>\s+(\S+)/.exec(line)?.[1];
      if (resolved === undefined || path.dirname(path.resolve(resolved)) !== fs.realpathSync(dir)) {
        throw new Error(`ldd: ${soname} does not resolve inside ${dir}:\n${ldd}`);
      }
    }
    const systemDirs = [...new Set(info.bundled.map((b) => path.dirname(b.from)))].join(':');
    process.stdout.write(run('node', ['native.mjs', 'platform'], { cwd: app, env: { ...npmEnv, LD_LIBRARY_PATH: systemDirs } }));
  }
  step('npm install --omit=optional of @selfsup/tensors: no platform package, initBackend falls back to wasm');
  const bare = path.join(work, 'app-without-optional');
  fs.mkdirSync(bare);
  const tensors = packed.find(({ name }) => name === '@selfsup/tensors');
  const bareManifest = {
    name: 'selfsup-consumer-without-optional',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: {
      '@selfsup/tensors': `file:${path.relative(bare, tensors.tarball)}`,
      '@tensorflow/tfjs-core': tfjsVersion,
      '@tensorflow/tfjs-backend-wasm': tfjsVersion,
    },
    // Where the platform tarball exists, offer it as the optional dependency that --omit=optional leaves out (as npm
    // does on other platforms); otherwise npm looks for it in the registry, and an optional dependency may be missing.
    ...(platform !== undefined ? { optionalDependencies: { [platform.name]: `file:${path.relative(bare, platform.tarball)}` } } : {}),
  };
  fs.writeFileSync(path.join(bare, 'package.json'), `${JSON.stringify(bareManifest, null, 2)}\n`);
  run('npm', [...npmInstall, '--omit=optional'], { cwd: bare, env: npmEnv });
  if (fs.existsSync(path.join(bare, 'node_modules', '@selfsup', 'tensors-linux-x64-gnu'))) {
    throw new Error('npm install --omit=optional installed @selfsup/tensors-linux-x64-gnu anyway');
  }
  fs.copyFileSync(path.join(import.meta.dirname, 'consumer-test', 'native.mjs'), path.join(bare, 'native.mjs'));
  process.stdout.write(run('node', ['native.mjs', 'fallback'], { cwd: bare, env: npmEnv }));
  failed = false;
  step(`passed: ${packed.length} tarballs, ${entries.length} entry points`);
} finally {
  if (keep || failed) console.log(`consumer-test: files left in ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
