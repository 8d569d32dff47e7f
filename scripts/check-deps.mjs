#!/usr/bin/env node
// Dependency hygiene of every published package, as its users will see it:
// - every bare import in shipped source (src/, tests excluded) is declared in dependencies or peerDependencies;
// - every declared dependency / peer is imported somewhere (or listed below with the reason it is not);
// - no @types/* in dependencies (types are for building us, not for running us).
// sherif checks the rest (one version per dependency across the workspace, ordering, root hygiene).
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');

/** Declared but never named in an import statement, on purpose. */
const loadedByName = {
  // initBackend() loads these by a computed specifier (optional peers, looked for only when asked).
  // The platform package (optional dependency) is resolved by a name computed from the platform (src/kernels/native/locate.ts).
  '@selfsup/tensors': ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu', 'webgpu', '@selfsup/tensors-linux-x64-gnu'],
  // The approximate k-NN index (optional dependency, prebuilt N-API binaries) is imported by a computed specifier
  // (src/probes/knn-index.ts) so that bundlers leave it out of browser builds.
  '@selfsup/eval': ['usearch'],
};

const isTest = (file) => /\.test\.ts$/.test(file) || /(^|\/)(test|bench|scripts)\//.test(file);

function sourceFiles(dir) {
  // Packages without TypeScript sources (the prebuilt platform package) import nothing.
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !isTest(path.relative(dir, f)));
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// Static imports and re-exports (`import x from 'y'`, `import 'y'`, `export * from 'y'`), dynamic imports and requires;
// a template literal counts up to its first substitution (`mnist/src/digits/${d}.json` names mnist).
const importPatterns = [
  /^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\s*\(\s*(?:\/\*.*?\*\/\s*)?['"`]([^'"`$]+)/g,
  /\brequire(?:\.resolve)?\s*\(\s*['"`]([^'"`$]+)/g,
];
const builtins = new Set(builtinModules);
const problems = [];
let checked = 0;

for (const dir of fs.readdirSync(path.join(root, 'packages'))) {
  const pkgDir = path.join(root, 'packages', dir);
  const manifestPath = path.join(pkgDir, 'package.json');
  if (!fs.existsSync(manifestPath)) continue;
  const pkg = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  if (pkg.private) continue;
  checked++;
  const runtime = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies };
  const imported = new Map();
  for (const file of sourceFiles(path.join(pkgDir, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of importPatterns.flatMap((pattern) => [...text.matchAll(pattern)])) {
      const spec = match[1];
      if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec.split('/')[0])) continue;
      const name = packageName(spec);
      if (name === pkg.name) continue;
      if (!imported.has(name)) imported.set(name, path.relative(root, file));
    }
  }
  for (const [name, file] of imported) {
    if (!(name in runtime)) problems.push(`${pkg.name}: imports ${name} (${file}) but does not declare it in dependencies, optionalDependencies or peerDependencies`);
  }
  const allowed = new Set(loadedByName[pkg.name] ?? []);
  for (const name of Object.keys(runtime)) {
    if (!imported.has(name) && !allowed.has(name)) problems.push(`${pkg.name}: declares ${name} but never imports it`);
  }
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    if (name.startsWith('@types/')) problems.push(`${pkg.name}: ${name} belongs in devDependencies, not dependencies`);
  }
  for (const name of Object.keys(pkg.peerDependencies ?? {})) {
    if (!(name in (pkg.devDependencies ?? {})) && !pkg.peerDependenciesMeta?.[name]?.optional) {
      problems.push(`${pkg.name}: peer ${name} is missing from devDependencies (the workspace would not install it)`);
    }
  }
}

if (problems.length > 0) {
  console.error(`dependency check: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`dependency check: ${checked} packages, imports and declared dependencies agree`);
