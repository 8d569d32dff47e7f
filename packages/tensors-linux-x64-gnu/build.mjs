#!/usr/bin/env node
// Builds @selfsup/tensors-linux-x64-gnu from the system's oneDNN: compiles the addon (packages/tensors/native) with an
// $ORIGIN rpath into this folder, copies the shared libraries it needs beyond the C/C++ runtime (libdnnl, and what
// libdnnl links: GNU OpenMP, the OpenCL ICD loader) next to it under their SONAMEs, copies their licences from
// /usr/share/doc into licenses/, writes build-info.json, and checks that the addon loads with the copies (not the system's).
// Needs g++ and libdnnl-dev (Debian/Ubuntu: apt-get install g++ libdnnl-dev). Nothing is downloaded.
//   node build.mjs             build (exit 1 with the reason if it cannot): `prepack` runs this, so no empty package is packed
//   node build.mjs --optional  build if possible, otherwise print why and exit 0 (the nx build, machines without oneDNN)
//   --if-stale                 keep an addon that is newer than its sources and libdnnl
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');
const ifStale = process.argv.includes('--if-stale');
const addonBuild = join(here, '..', 'tensors', 'native', 'build.mjs');
const addon = join(here, 'selfsup_dnnl.node');

/** The C and C++ runtime every Linux with glibc and libstdc++ has: not bundled. */
const SYSTEM = new Set([
  'linux-vdso.so.1',
  'ld-linux-x86-64.so.2',
  'libc.so.6',
  'libm.so.6',
  'libdl.so.2',
  'libpthread.so.0',
  'librt.so.1',
  'libstdc++.so.6',
  'libgcc_s.so.1',
]);

/** Where the licence of a bundled library is when dpkg cannot say (non-Debian build machines). */
const LICENCE_FALLBACK = {
  'libdnnl.so.2': ['/usr/share/doc/libdnnl2/copyright', '/usr/share/doc/libdnnl3/copyright'],
  'libgomp.so.1': ['/usr/share/doc/libgomp1/copyright'],
  'libOpenCL.so.1': ['/usr/share/doc/ocl-icd-libopencl1/copyright'],
};

function fail(why) {
  if (optional) {
    // Leave the package clearly unbuilt (no addon without its libraries): the consumer test and prepack look for the addon.
    for (const file of [addon, join(here, 'build-info.json')]) rmSync(file, { force: true });
    console.log(`@selfsup/tensors-linux-x64-gnu not built: ${why}`);
    process.exit(0);
  }
  console.error(`@selfsup/tensors-linux-x64-gnu: ${why}`);
  process.exit(1);
}

function glibc() {
  return process.report?.getReport?.().header?.glibcVersionRuntime;
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

try {
  if (process.platform !== 'linux' || process.arch !== 'x64' || glibc() === undefined) {
    fail(`this package is for linux-x64 with glibc; this is ${process.platform}-${process.arch}${glibc() ? '' : ' without glibc'}`);
  }
  if (!existsSync(addonBuild)) fail(`${addonBuild} not found (build from the selfsup repository)`);

  // Old copies next to the addon would satisfy ldd below through the $ORIGIN rpath and hide what the new build needs.
  for (const file of readdirSync(here)) if (/\.so\.\d+$/.test(file)) rmSync(join(here, file));
  rmSync(join(here, 'licenses'), { recursive: true, force: true });

  const args = [addonBuild, '--out', here, '--rpath-origin', ...(ifStale ? ['--if-stale'] : []), ...(optional ? ['--optional'] : [])];
  execFileSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(addon)) {
    // --optional, and the addon build said why not.
    rmSync(join(here, 'build-info.json'), { force: true });
    process.exit(0);
  }

  // What the addon loads, resolved the way the dynamic loader will: every library outside the C/C++ runtime is bundled.
  const libraries = [];
  for (const line of run('ldd', [addon]).split('\n')) {
    const match = /^\s*(\S+)\s+=>\s+(.+?)\s+\(0x[0-9a-f]+\)/.exec(line) ?? /^\s*(\S+)\s+=>\s+not found/.exec(line);
    if (match === null) continue;
    const [, soname, path] = match;
    if (SYSTEM.has(soname)) continue;
    if (path === undefined) fail(`${soname}, which the addon needs, is not found (ldd ${addon})`);
    libraries.push({ soname, path: realpathSync(path) });
  }
  if (!libraries.some((lib) => lib.soname.startsWith('libdnnl.so'))) fail('ldd does not list libdnnl among the addon\'s libraries');

  mkdirSync(join(here, 'licenses'), { recursive: true });
  const bundled = [];
  for (const { soname, path } of libraries) {
    copyFileSync(path, join(here, soname));
    let debianPackage;
    let version;
    try {
      debianPackage = run('dpkg', ['-S', path]).split(':')[0]?.trim();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's output format, not a JavaScript template
      version = run('dpkg-query', ['-W', '-f', '${Version}', `${debianPackage}:amd64`]).trim();
    } catch {}
    const licenceCandidates = [...(debianPackage ? [`/usr/share/doc/${debianPackage}/copyright`] : []), ...(LICENCE_FALLBACK[soname] ?? [])];
    const licence = licenceCandidates.find((file) => existsSync(file));
    if (licence === undefined) fail(`no licence text found for ${soname} (${path}); looked at ${licenceCandidates.join(', ') || 'nothing'}`);
    const licenceFile = `${soname.replace(/\.so\..*$/, '')}.copyright`;
    copyFileSync(licence, join(here, 'licenses', licenceFile));
    bundled.push({ soname, from: path, ...(debianPackage ? { debianPackage } : {}), ...(version ? { version } : {}), licence: `licenses/${licenceFile}` });
  }

  // Load it in a fresh Node with the system's library directories first on LD_LIBRARY_PATH: the copies must still win
  // (DT_RPATH), and /proc/self/maps says which files were mapped.
  const probe = `
    const addon = require(process.argv[1]);
    const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
    const mapped = [...new Set(maps.split('\\n').map((l) => l.split(/\\s+/)[5]).filter((f) => f && f.includes('.so')))];
    const functions = Object.getOwnPropertyNames(addon).filter((name) => typeof addon[name] === 'function').sort();
    console.log(JSON.stringify({ version: addon.version(), threads: addon.getThreads(), functions, mapped }));`;
  const systemDirs = [...new Set(libraries.map((lib) => dirname(lib.path)))].join(':');
  const loaded = JSON.parse(run(process.execPath, ['-e', probe, addon], { env: { ...process.env, LD_LIBRARY_PATH: systemDirs } }));
  for (const { soname } of libraries) {
    const stem = soname.replace(/\.so\..*$/, '.so');
    const outside = loaded.mapped.filter((file) => basename(file).startsWith(stem) && resolve(dirname(file)) !== here);
    if (outside.length > 0) fail(`the addon loaded ${outside.join(', ')} instead of the copy in ${here}`);
  }

  let builtOn;
  try {
    builtOn = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(run('cat', ['/etc/os-release']))?.[1];
  } catch {}
  const info = {
    library: loaded.version,
    addon: 'selfsup_dnnl.node',
    // What this addon offers (@selfsup/tensors uses the kernels an addon has: an older one lacks the newer functions).
    functions: loaded.functions,
    napiVersion: Number(process.versions.napi),
    glibc: glibc(),
    ...(builtOn ? { builtOn } : {}),
    bundled,
  };
  writeFileSync(join(here, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  console.log(`built @selfsup/tensors-linux-x64-gnu: ${loaded.version}, bundling ${bundled.map((b) => b.soname).join(', ')}`);
} catch (error) {
  fail(error instanceof Error ? error.message.split('\n')[0] : String(error));
}
