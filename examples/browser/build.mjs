// Bundles the page with esbuild into dist/ and copies tfjs's .wasm binaries beside it (the page points
// setWasmPaths at its own folder, so nothing is fetched from a CDN).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';

const here = import.meta.dirname;
export const distDir = path.join(here, 'dist');

export async function build() {
  fs.rmSync(distDir, { recursive: true, force: true });
  fs.mkdirSync(distDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(here, 'src', 'main.ts')],
    outdir: distDir,
    entryNames: 'app',
    bundle: true,
    format: 'esm',
    // Lazily imported parts (vega for SVG pictures, umap) become chunks the page loads only if it uses them.
    splitting: true,
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    // selfsup's Node-only code paths (tfjs-node detection, the threaded wasm loader, the terminal progress bar of
    // cli-progress) sit behind runtime checks and dynamic imports; they never run in a page, so they stay out.
    external: ['node:*', 'cli-progress'],
    logLevel: 'warning',
    // tsup's shared helper chunk is imported bare; with "sideEffects": false esbuild rightly drops it, and says so.
    logOverride: { 'ignored-bare-import': 'silent' },
  });
  fs.copyFileSync(path.join(here, 'src', 'index.html'), path.join(distDir, 'index.html'));
  const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  for (const file of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(wasmDir, file), path.join(distDir, file));
  }
  return distDir;
}

if (process.argv[1] === import.meta.filename) {
  await build();
  const size = fs.statSync(path.join(distDir, 'app.js')).size;
  console.log(`built ${path.relative(process.cwd(), distDir)}/app.js (${(size / 1024).toFixed(0)} KiB) and the tfjs .wasm files`);
}
