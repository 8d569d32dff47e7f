import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { currentBackend, initBackend } from '../backend.js';
import { SelfsupError } from '../errors.js';
import { useThreadedWasm, wasmThreadCount } from './wasm-threads.js';

describe('threaded wasm under Node', () => {
  it('reports the threads the default set-up uses: 1 beside the native kernels, else every core', () => {
    const report = currentBackend();
    expect(report?.backend).toBe('wasm');
    expect(wasmThreadCount()).toBe(report?.threads);
    expect(report?.threads).toBe(report?.native !== undefined ? 1 : availableParallelism());
  });

  it('refuses to switch builds once the wasm backend is initialised', async () => {
    const other = wasmThreadCount() + 1;
    await expect(useThreadedWasm(other)).rejects.toThrow(SelfsupError);
    await expect(useThreadedWasm(other)).rejects.toThrow(/already initialised/);
  });

  it('validates the requested thread count', async () => {
    await expect(initBackend({ backend: 'wasm', threads: 0 })).rejects.toThrow(/options.threads must be/);
    await expect(initBackend({ backend: 'wasm', env: { SELFSUP_WASM_THREADS: 'two' } })).rejects.toThrow(/SELFSUP_WASM_THREADS must be/);
  });

  it('runs XNNPACK on 2 threads in a fresh process, matches the cpu backend, and lets the process exit', async () => {
    const child = fileURLToPath(new URL('./wasm-threads.child.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, '2'], { timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { threads: number; maxError: number; size: number };
    expect(result.threads).toBe(2);
    expect(result.size).toBe(4 * 8 * 8 * 16);
    expect(result.maxError).toBeLessThan(1e-4);
  });
});
