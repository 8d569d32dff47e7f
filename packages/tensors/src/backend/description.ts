import type { WebGpuAdapterReport } from './types.js';
import { adapterName } from './webgpu.js';
/** The one-line name of what computes, for reports and CLI output: `wasm + oneDNN 2.6.3 (2 threads)`, `wasm (1 thread)`. */

const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;

/**
 * Describes a backend choice in a few words: the backend, the library doing the heavy kernels and its threads.
 * `threads` is the backend's own (XNNPACK's pool for wasm); `native` the oneDNN kernels when they serve wasm.
 */
export function describeBackend(
  backend: string,
  pkg: string,
  threads: number,
  native?: { readonly library: string; readonly threads: number },
  adapter?: WebGpuAdapterReport,
): string {
  if (backend === 'wasm') {
    if (native !== undefined) {
      const wasm = threads > 1 ? `wasm (${plural(threads)})` : 'wasm';
      return `${wasm} + ${native.library} (${plural(native.threads)})`;
    }
    return `wasm (${plural(threads)})`;
  }
  if (backend === 'tensorflow') return `tensorflow (${pkg})`;
  if (backend === 'webgpu') return adapter !== undefined ? `webgpu (${adapterName(adapter)})` : 'webgpu';
  return threads > 0 ? `${backend} (${plural(threads)})` : backend;
}
