/*
 * The module-resolution fix for running tfjs-core's ESM build under plain Node: its dist/*.js files import each other
 * without extensions ('./gradients'), which Node's ESM resolver (and tsx's) cannot resolve, least of all where a
 * same-named folder exists. A resolve hook maps them to the '.js' file (or the folder's index.js), as a bundler would.
 * Our dist bundles the one such module selfsup imports (register_all_gradients), so only code run from source needs
 * this; initBackend registers it itself then, and scripts can call it first thing.
 */

const RESOLVE_HOOK = `
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !/\\.[cm]?js$/.test(specifier)) {
    for (const candidate of [specifier + '.js', specifier + '/index.js']) {
      const target = new URL(candidate, parent);
      const file = fileURLToPath(target);
      if (existsSync(file) && statSync(file).isFile()) return next(target.href, context);
    }
  }
  return next(specifier, context);
}`;

let registered: Promise<boolean> | undefined;

/**
 * Registers (once) a Node resolve hook that lets tfjs-core's extensionless ESM imports resolve, for scripts run from
 * source (tsx, plain Node). A failed import stays cached by Node's loader, so call it before the first import of a
 * tfjs-core dist module. Resolves to false where Node cannot register hooks (not Node, or Node < 20.6).
 *
 * @example
 * ```ts
 * import { registerTfjsEsmResolver } from '@selfsup/tensors/node';
 * await registerTfjsEsmResolver();
 * ```
 */
export function registerTfjsEsmResolver(): Promise<boolean> {
  registered ??= register();
  return registered;
}

async function register(): Promise<boolean> {
  const nodeModule = 'node:module';
  try {
    const { register } = (await import(/* @vite-ignore */ nodeModule)) as { register?: (url: string) => void };
    if (typeof register !== 'function') return false;
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    return true;
  } catch {
    return false;
  }
}
