import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from '../errors.js';

/*
 * Multi-threaded wasm under Node. tfjs-backend-wasm 4.22 never picks its threaded build in Node
 * (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false there, tfjs issue #3830), and forcing the flag fails:
 *   1. the pthread worker script is handed to `new Worker()` as a `blob:` URL, which Node's worker_threads rejects
 *      (ERR_WORKER_PATH), and the worker would in turn load the main script from a Blob, which Node cannot import;
 *   2. even when the workers start, the C++ side caps the pool at emscripten_num_logical_cores() / 2, i.e.
 *      os.cpus().length / 2, so a 2-core machine gets 1 thread whatever setThreadsCount asks;
 *   3. the 8 pre-spawned pthread workers keep Node's event loop alive, so a script never exits.
 * This module works around all three: it instantiates the threaded-simd build itself with the worker and main
 * scripts written to a temporary directory (file paths Node accepts), reports `threads * 2` logical cores while the
 * module starts, and unrefs the workers. It re-registers the 'wasm' backend factory, so it must run before the wasm
 * backend is first initialised. Opt-in (initBackend({ threads }) / SELFSUP_WASM_THREADS): it relies on tfjs-backend-wasm
 * 4.22's internals (the emscripten module layout and the cwraps BackendWasm expects).
 */

type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

interface EmscriptenModule {
  cwrap: (name: string, returnType: string | null, argTypes: string[]) => unknown;
  PThread?: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[] };
  tfjs?: Record<string, unknown>;
}

interface WasmPackage {
  BackendWasm: new (module: never) => tf.KernelBackend;
  setThreadsCount: (threads: number) => void;
}

let installed: number | undefined;
let stockWasmFactory: ReturnType<typeof tf.findBackendFactory> | undefined;

/** Whether this process is Node (threads are only patched there; browsers use tfjs's own threaded path). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Makes the next initialisation of the 'wasm' backend use tfjs's threaded-simd build with `threads` XNNPACK threads.
 * Node only. Returns a function that puts the stock (single-threaded) factory back, for when initialisation fails.
 * Throws SelfsupError (UNSUPPORTED) if the wasm backend is already initialised.
 */
export async function useThreadedWasm(threads: number): Promise<() => void> {
  if (!isNode()) throw new SelfsupError('UNSUPPORTED', 'useThreadedWasm patches the Node build only; browsers choose threads themselves');
  const stockFactory = stockWasmFactory ?? tf.findBackendFactory('wasm');
  const restore = () => {
    if (stockFactory === null) return;
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', stockFactory, 2);
    installed = undefined;
  };
  if (installed === threads) return restore;
  if (tf.engine().registry['wasm'] !== undefined) {
    throw new SelfsupError('UNSUPPORTED', 'the wasm backend is already initialised; choose wasm threads before the first initBackend');
  }
  // Specifiers in variables, so that browser bundlers do not try to resolve Node built-ins in this Node-only path.
  const load = (specifier: string) => import(/* @vite-ignore */ specifier);
  const [{ createRequire }, fs, os, path] = (await Promise.all([
    load('node:module'),
    load('node:fs'),
    load('node:os'),
    load('node:path'),
  ])) as [typeof import('node:module'), typeof import('node:fs'), typeof import('node:os'), typeof import('node:path')];
  const require = createRequire(import.meta.url);
  const wasm = (await load('@tensorflow/tfjs-backend-wasm')) as WasmPackage;
  const outDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '..', 'wasm-out');
  const loaded = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js')) as Factory | { default: Factory };
  const factory = typeof loaded === 'function' ? loaded : loaded.default;
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfsup-wasm-'));
  const workerPath = path.join(dir, 'worker.cjs');
  const mainPath = path.join(dir, 'main.js');
  // tfjs escapes the newlines before making its Blob (they sit inside string literals); so must we.
  fs.writeFileSync(workerPath, wasmWorkerContents.replace(/\n/g, '\\n'));
  fs.writeFileSync(mainPath, `var WasmBackendModuleThreadedSimd = ${factory.toString()};\n`);
  const wasmPath = path.join(outDir, 'tfjs-backend-wasm-threaded-simd.wasm');
  // Workers read these files when they start, which may be any time; they go when the process does.
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

  stockWasmFactory = stockFactory;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const nodeOs = require('node:os') as typeof import('node:os');
      const realCpus = nodeOs.cpus;
      const one = realCpus()[0];
      // The C++ side takes half the logical cores as its ceiling; report enough for `threads`.
      nodeOs.cpus = () => Array.from({ length: Math.max(2 * threads, realCpus().length) }, () => one as import('node:os').CpuInfo);
      try {
        const module = await factory({
          locateFile: (file: string) =>
            file.endsWith('.worker.js') ? workerPath : file.endsWith('.wasm') ? wasmPath : path.join(outDir, file),
          mainScriptUrlOrBlob: mainPath,
        });
        // The bridge tfjs's own init() installs (backend_wasm.ts), which BackendWasm calls.
        module.tfjs = {
          init: module.cwrap('init', null, []),
          initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
          getThreadsCount: module.cwrap('get_threads_count', 'number', []),
          registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
          disposeData: module.cwrap('dispose_data', null, ['number']),
          dispose: module.cwrap('dispose', null, []),
        };
        wasm.setThreadsCount(threads);
        const backend = new wasm.BackendWasm(module as never);
        // All work is synchronous on the main thread; idle workers must not keep the process alive.
        for (const worker of [...(module.PThread?.unusedWorkers ?? []), ...(module.PThread?.runningWorkers ?? [])]) worker.unref();
        return backend;
      } finally {
        nodeOs.cpus = realCpus;
      }
    },
    2,
  );
  installed = threads;
  return restore;
}

/** XNNPACK threads of the initialised wasm backend, as its module reports them (1 for the single-threaded builds). */
export function wasmThreadCount(): number {
  const backend = tf.findBackend('wasm') as { wasm?: { tfjs?: { getThreadsCount?: () => number } } } | null;
  const count = backend?.wasm?.tfjs?.getThreadsCount?.();
  return typeof count === 'number' && count >= 1 ? count : 1;
}
