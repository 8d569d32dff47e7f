import { registerTfjsEsmResolver } from './tfjs-esm-resolver.js';

let gradientsRegistered = false;

/**
 * tfjs-core registers its gradient functions only through a side-effect module that the umbrella `@tensorflow/tfjs`
 * package imports; selfsup imports tfjs-core alone, so initBackend loads that module explicitly (once).
 */
export async function registerGradients(): Promise<void> {
  if (gradientsRegistered) return;
  // Our dist bundles that module. Run from source by plain Node (tsx scripts; vitest resolves on its own), tfjs-core's
  // extensionless ESM imports do not resolve: the resolve hook must be in place before the first attempt.
  const fromSource = import.meta.url.endsWith('.ts');
  const underVitest = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['VITEST'] !== undefined;
  if (fromSource && !underVitest) await registerTfjsEsmResolver();
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  gradientsRegistered = true;
}
