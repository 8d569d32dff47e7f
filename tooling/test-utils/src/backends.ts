import { type BackendName, currentBackend, initBackend, withBackend } from '@selfsup/tensors';

/**
 * Runs the same check on several backends (as tfjs's own test helper does), returning each backend's result so a test
 * can compare them: `const [wasm, cpu] = await onBackends(['wasm', 'cpu'], () => op(x).array())`.
 */
export async function onBackends<T>(backends: readonly BackendName[], fn: (backend: BackendName) => T | Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const b of backends) results.push(await withBackend(b, () => fn(b)));
  return results;
}

/** A backend the suites that run "on every backend" cover here, or why it is skipped. */
export interface PresentBackend {
  /** For test titles: "wasm + native kernels", "webgpu (skipped: no WebGPU adapter ...)". */
  readonly title: string;
  readonly backend: BackendName;
  readonly native?: 'on' | 'off';
  /** Why it cannot run on this machine; undefined when it can. */
  readonly skip?: string;
}

/**
 * The backends besides cpu (the reference) that are present on this machine: wasm with selfsup's kernels, wasm with
 * the native kernels when the addon loads, webgpu when a real GPU adapter exists (a software or null adapter, or none,
 * is listed as skipped with the reason), tensorflow when tfjs-node loads. Ends on the backend it started from.
 */
export async function presentBackends(): Promise<PresentBackend[]> {
  const before = currentBackend()?.backend ?? 'wasm';
  const list: PresentBackend[] = [{ title: 'wasm', backend: 'wasm', native: 'off' }];
  const why = async (init: () => Promise<{ adapter?: { software: boolean; description: string; device: string } }>): Promise<string | undefined> => {
    try {
      const report = await init();
      if (report.adapter?.software === true) return `only a software adapter (${report.adapter.description || report.adapter.device})`;
      return undefined;
    } catch (error) {
      return (error instanceof Error ? error.message : String(error)).split('; to use it')[0]?.slice(0, 160);
    }
  };
  const native = await why(() => initBackend({ backend: 'wasm', native: 'on' }));
  list.push({ title: native === undefined ? 'wasm + native kernels' : `wasm + native kernels (skipped: ${native})`, backend: 'wasm', native: 'on', ...(native !== undefined ? { skip: native } : {}) });
  for (const backend of ['webgpu', 'tensorflow'] as const) {
    const reason = await why(() => initBackend({ backend }));
    list.push({ title: reason === undefined ? backend : `${backend} (skipped: ${reason})`, backend, ...(reason !== undefined ? { skip: reason } : {}) });
  }
  await initBackend({ backend: before });
  return list;
}
