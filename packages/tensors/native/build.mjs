#!/usr/bin/env node
// Builds selfsup's optional native addons: the oneDNN kernels (native/build/selfsup_dnnl.node, from native/*.cc; needs
// `apt-get install g++ libdnnl-dev`) and, with --target gloo, the Gloo collectives (native/build/selfsup_gloo.node, from
// native/gloo/*.cc; needs `apt-get install g++ libgloo-dev`). Nothing is downloaded.
//   node native/build.mjs            build (exit 1 with the reason if it cannot)
//   --target dnnl|gloo  which addon (default dnnl)
//   node native/build.mjs --optional build if possible, otherwise print why and exit 0 (CI, the workspace's postinstall)
//   --out DIR        write DIR/selfsup_dnnl.node instead of native/build/ (the platform package's build uses this)
//   --rpath-origin   link with an $ORIGIN rpath (DT_RPATH: searched before LD_LIBRARY_PATH and, unlike RUNPATH, also for
//                    the dependencies of libdnnl), so that shared libraries copied next to the addon are the ones loaded
//   --if-stale       skip the build when the addon is newer than its sources (*.cc, *.h), this script and libdnnl
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const optional = argv.includes('--optional');
const rpathOrigin = argv.includes('--rpath-origin');
const ifStale = argv.includes('--if-stale');
const outIndex = argv.indexOf('--out');
const outArg = outIndex >= 0 ? argv[outIndex + 1] : undefined;
const targetIndex = argv.indexOf('--target');
const targetName = targetIndex >= 0 ? argv[targetIndex + 1] : 'dnnl';
const cxx = process.env.CXX ?? 'g++';
if (optional) {
  // --optional never fails its caller (the workspace's postinstall): an unexpected error is reported, not thrown.
  process.on('uncaughtException', (error) => {
    console.log(`selfsup native kernels not built: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(0);
  });
}

// What each addon is built from and links against; `header` tells whether the library's headers are installed.
const TARGETS = {
  dnnl: {
    what: 'native kernels',
    fallback: 'the wasm kernels are used instead',
    dir: here,
    headers: ['oneapi/dnnl/dnnl.hpp', 'dnnl.hpp'],
    missing: 'oneDNN headers (dnnl.hpp) not found: apt-get install libdnnl-dev, or set DNNL_ROOT',
    root: process.env.DNNL_ROOT,
    // -ffp-contract=off: no fused multiply-adds where the target has them (aarch64), so the element-wise kernels round
    // every step as the tfjs ops they replace do.
    flags: ['-fopenmp', '-ffp-contract=off'],
    libs: ['-ldnnl'],
    libraryFiles: ['lib/x86_64-linux-gnu/libdnnl.so', 'lib/aarch64-linux-gnu/libdnnl.so', 'lib/libdnnl.so'],
  },
  gloo: {
    what: 'Gloo collectives',
    fallback: 'data-parallel training is unavailable; single-process training is unaffected',
    dir: join(here, 'gloo'),
    headers: ['gloo/allreduce.h'],
    missing: 'Gloo headers (gloo/allreduce.h) not found: apt-get install libgloo-dev, or set GLOO_ROOT',
    root: process.env.GLOO_ROOT,
    flags: ['-pthread'],
    libs: ['-lgloo'],
    libraryFiles: ['lib/libgloo.so', 'lib/x86_64-linux-gnu/libgloo.so', 'lib/aarch64-linux-gnu/libgloo.so'],
  },
};
const target_ = TARGETS[targetName];

function fail(why) {
  const what = target_?.what ?? 'native addon';
  if (optional) {
    console.log(`selfsup ${what} not built: ${why}${target_ !== undefined ? ` (${target_.fallback})` : ''}`);
    process.exit(0);
  }
  console.error(`selfsup ${what}: ${why}`);
  process.exit(1);
}
if (target_ === undefined) fail(`--target must be one of ${Object.keys(TARGETS).join(', ')}; got ${targetName}`);

function nodeApiIncludeDir() {
  // The npm package node-api-headers when present, else the headers that ship with Node itself.
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('node-api-headers/package.json')), 'include');
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  } catch {}
  const candidates = [
    resolve(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

const include = nodeApiIncludeDir();
if (include === undefined) fail('node_api.h not found (install node-api-headers or Node.js with its headers)');
const prefixes = ['/usr', '/usr/local', target_.root].filter(Boolean);
const libraryHeader = prefixes.map((p) => join(p, 'include')).find((dir) => target_.headers.some((h) => existsSync(join(dir, h))));
if (libraryHeader === undefined) fail(target_.missing);

// Every C++ source and header in the target's folder: the addon is one shared object built from all of them.
const sources = readdirSync(target_.dir).filter((file) => file.endsWith('.cc')).sort().map((file) => join(target_.dir, file));
const headers = readdirSync(target_.dir).filter((file) => file.endsWith('.h')).map((file) => join(target_.dir, file));

const out = outArg !== undefined ? resolve(outArg) : join(here, 'build');
mkdirSync(out, { recursive: true });
const target = join(out, `selfsup_${targetName}.node`);
if (ifStale && existsSync(target)) {
  const built = statSync(target).mtimeMs;
  const libraries = prefixes.flatMap((p) => target_.libraryFiles.map((f) => join(p, f))).filter((file) => existsSync(file));
  const inputs = [...sources, ...headers, fileURLToPath(import.meta.url), ...libraries];
  if (inputs.every((file) => statSync(file).mtimeMs <= built)) {
    console.log(`up to date: ${target}`);
    process.exit(0);
  }
}
const args = [
  '-O3',
  '-std=c++17',
  '-shared',
  '-fPIC',
  ...target_.flags,
  `-DNODE_GYP_MODULE_NAME=selfsup_${targetName}`,
  `-I${include}`,
  ...(target_.root ? [`-I${join(target_.root, 'include')}`, `-L${join(target_.root, 'lib')}`] : []),
  ...sources,
  '-o',
  target,
  ...target_.libs,
  ...(rpathOrigin ? ['-Wl,--disable-new-dtags', "-Wl,-rpath,$ORIGIN"] : []),
];
// A failed build must not leave an older addon behind that looks current.
rmSync(target, { force: true });
try {
  execFileSync(cxx, args, { stdio: ['ignore', 'inherit', 'inherit'] });
} catch (error) {
  fail(`${cxx} failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
}
console.log(`built ${target}`);
