import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernels } from '../kernels/register.js';
import { isNode, useThreadedWasm } from '../kernels/wasm-threads.js';
import type { BackendName, Env, ModuleLoader, WebGpuAdapterReport, WebGpuOptions } from './types.js';
import { errorText } from './error-text.js';
import { WEBGPU_HOW_TO, explainSyncReads, installNavigatorGpu, probeWebGpu } from './webgpu.js';

/** The npm packages that provide each backend, in the order they are tried. */
export const PACKAGES: Record<BackendName, readonly string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

/** What to do to get each backend (said when a forced one cannot load). */
export const HOW_TO_GET: Record<BackendName, string> = {
  tensorflow:
    'install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (their installer downloads libtensorflow, which needs network access to the TensorFlow binaries host)',
  webgpu: WEBGPU_HOW_TO,
  wasm: 'install @tensorflow/tfjs-backend-wasm@^4.22.0 (npm i @tensorflow/tfjs-backend-wasm)',
  cpu: 'install @tensorflow/tfjs-backend-cpu@^4.22.0 (npm i @tensorflow/tfjs-backend-cpu)',
};

/** A dynamic `import()`: optional peers are looked for only when asked. */
export const defaultLoader: ModuleLoader = (specifier) => import(/* @vite-ignore */ specifier);

export type BackendAttempt = { ok: true; pkg: string; note?: string; adapter?: WebGpuAdapterReport } | { ok: false; pkg: string; why: string };

/** What trying the webgpu backend needs besides the loader. */
export interface WebGpuAttempt {
  readonly options: WebGpuOptions;
  readonly env: Env;
  /** Chosen by name: a software adapter is taken (auto refuses it). */
  readonly forced: boolean;
}

/**
 * Loads the packages of backend `name` in turn until one registers it and it initialises (wasm: with selfsup's
 * kernels, and `threads` XNNPACK threads when more than 1 under Node); says which package, or why none.
 */
export async function tryBackend(name: BackendName, loader: ModuleLoader, threads = 1, webgpu?: WebGpuAttempt): Promise<BackendAttempt> {
  const errors: string[] = [];
  // WebGPU: the adapter first (tfjs's backend registers itself only where navigator.gpu exists), then the package.
  let adapter: WebGpuAdapterReport | undefined;
  let undoNavigator: (() => void) | undefined;
  if (name === 'webgpu') {
    const probe = await probeWebGpu(webgpu?.options ?? {}, loader, webgpu?.env ?? {}, webgpu?.forced ?? false);
    if (!probe.ok) return { ok: false, pkg: PACKAGES.webgpu.join(' / '), why: probe.why };
    adapter = probe.adapter;
    undoNavigator = installNavigatorGpu(probe.gpu);
  }
  for (const pkg of PACKAGES[name]) {
    try {
      await loader(pkg);
    } catch (error) {
      errors.push(`${pkg}: ${errorText(error)}`);
      continue;
    }
    // tfjs-node registers as "tensorflow"; tfjs-node-gpu too.
    if (tf.findBackendFactory(name) === null) {
      errors.push(`${pkg} loaded but registered no "${name}" backend`);
      continue;
    }
    if (name === 'wasm') registerWasmKernels();
    const note = name === 'wasm' ? await tryThreadedWasm(threads) : undefined;
    try {
      const ok = await tf.setBackend(name);
      if (!ok) {
        errors.push(`${pkg}: backend "${name}" failed to initialise`);
        continue;
      }
      await tf.ready();
      if (name === 'webgpu' && isNode()) explainSyncReads();
    } catch (error) {
      errors.push(`${pkg}: ${errorText(error)}`);
      continue;
    }
    return { ok: true, pkg, ...(note !== undefined ? { note } : {}), ...(adapter !== undefined ? { adapter } : {}) };
  }
  undoNavigator?.();
  return { ok: false, pkg: PACKAGES[name].join(' / '), why: errors.join('; ') };
}

/**
 * Brings the wasm backend up on tfjs's threaded build when more than one thread is asked for under Node, before the
 * backend is first initialised. The threaded build is a workaround of tfjs internals: if it does not come up, the
 * stock build still may, and the returned note says so.
 */
async function tryThreadedWasm(threads: number): Promise<string | undefined> {
  if (threads <= 1 || !isNode() || tf.engine().registry['wasm'] !== undefined) return undefined;
  let restore: (() => void) | undefined;
  try {
    restore = await useThreadedWasm(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm build failed to initialise');
    return undefined;
  } catch (error) {
    restore?.();
    return `${threads} wasm threads requested, 1 used: ${errorText(error)}`;
  }
}
