// tfjs-core's ESM build (dist/*.js) uses extensionless relative imports ('./gradients'), which Node's ESM resolver
// (and tsx's) cannot resolve when a same-named folder exists. Resolve them to the '.js' file, as a bundler would.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && !/\.[cm]?js$/.test(specifier) && context.parentURL?.includes('/@tensorflow/tfjs-core/dist/')) {
    const url = new URL(`${specifier}.js`, context.parentURL);
    if (existsSync(url)) return next(url.href, context);
  }
  return next(specifier, context);
}

if (!import.meta.url.includes('?hook')) register(`${import.meta.url}?hook`);
