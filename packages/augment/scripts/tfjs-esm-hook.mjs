// Node cannot load tfjs-core's ESM files (dist/*.js) as published: they import './x' without an extension, and
// initBackend loads dist/register_all_gradients.js from them. Bundlers and vitest add the '.js' on their own; under
// plain Node (tsx) this resolve hook does. Registered by scripts/node-setup.ts.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    const file = new URL(`${specifier}.js`, parent);
    if (existsSync(fileURLToPath(file)) && statSync(fileURLToPath(file)).isFile()) return next(file.href, context);
    const index = new URL(`${specifier}/index.js`, parent);
    if (existsSync(fileURLToPath(index))) return next(index.href, context);
  }
  return next(specifier, context);
}
