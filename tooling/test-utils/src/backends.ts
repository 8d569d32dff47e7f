import { type BackendName, withBackend } from '@selfsup/tensors';

/**
 * Runs the same check on several backends (as tfjs's own test helper does), returning each backend's result so a test
 * can compare them: `const [wasm, cpu] = await onBackends(['wasm', 'cpu'], () => op(x).array())`.
 */
export async function onBackends<T>(backends: readonly BackendName[], fn: (backend: BackendName) => T | Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const b of backends) results.push(await withBackend(b, () => fn(b)));
  return results;
}
