// Node cannot load tfjs-core's ESM files (dist/*.js) as published: they import './x' without an extension.
// initBackend loads dist/register_all_gradients.js from them (no tfjs-core bundle contains the gradients), so under
// plain Node (tsx) this resolve hook adds the '.js' that bundlers and vitest add on their own.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    const target = new URL(`${specifier}.js`, parent);
    const path = fileURLToPath(target);
    if (existsSync(path) && statSync(path).isFile()) return next(target.href, context);
    const index = new URL(`${specifier}/index.js`, parent);
    if (existsSync(fileURLToPath(index))) return next(index.href, context);
  }
  return next(specifier, context);
}
