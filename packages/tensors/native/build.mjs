#!/usr/bin/env node
// Builds selfsup's optional oneDNN addon (native/build/selfsup_dnnl.node). Needs a C++17 compiler and oneDNN's
// headers and library (Debian/Ubuntu: `apt-get install g++ libdnnl-dev`). Nothing is downloaded.
//   node native/build.mjs            build (exit 1 with the reason if it cannot)
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
const cxx = process.env.CXX ?? 'g++';
if (optional) {
  // --optional never fails its caller (the workspace's postinstall): an unexpected error is reported, not thrown.
  process.on('uncaughtException', (error) => {
    console.log(`selfsup native kernels not built: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(0);
  });
}

function fail(why) {
  if (optional) {
    console.log(`selfsup native kernels not built: ${why} (the wasm kernels are used instead)`);
    process.exit(0);
  }
  console.error(`selfsup native kernels: ${why}`);
  process.exit(1);
}

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
const dnnlHeader = ['/usr/include', '/usr/local/include', process.env.DNNL_ROOT && join(process.env.DNNL_ROOT, 'include')]
  .filter(Boolean)
  .find((dir) => existsSync(join(dir, 'oneapi', 'dnnl', 'dnnl.hpp')) || existsSync(join(dir, 'dnnl.hpp')));
if (dnnlHeader === undefined) fail('oneDNN headers (dnnl.hpp) not found: apt-get install libdnnl-dev, or set DNNL_ROOT');

// Every C++ source and header in this folder: the addon is one shared object built from all of them.
const sources = readdirSync(here).filter((file) => file.endsWith('.cc')).sort().map((file) => join(here, file));
const headers = readdirSync(here).filter((file) => file.endsWith('.h')).map((file) => join(here, file));

const out = outArg !== undefined ? resolve(outArg) : join(here, 'build');
mkdirSync(out, { recursive: true });
const target = join(out, 'selfsup_dnnl.node');
if (ifStale && existsSync(target)) {
  const built = statSync(target).mtimeMs;
  const libdnnl = ['/usr/lib/x86_64-linux-gnu/libdnnl.so', '/usr/lib/aarch64-linux-gnu/libdnnl.so', '/usr/local/lib/libdnnl.so']
    .concat(process.env.DNNL_ROOT ? [join(process.env.DNNL_ROOT, 'lib', 'libdnnl.so')] : [])
    .filter((file) => existsSync(file));
  const inputs = [...sources, ...headers, fileURLToPath(import.meta.url), ...libdnnl];
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
  '-fopenmp',
  '-DNODE_GYP_MODULE_NAME=selfsup_dnnl',
  `-I${include}`,
  ...(process.env.DNNL_ROOT ? [`-I${join(process.env.DNNL_ROOT, 'include')}`, `-L${join(process.env.DNNL_ROOT, 'lib')}`] : []),
  ...sources,
  '-o',
  target,
  '-ldnnl',
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
