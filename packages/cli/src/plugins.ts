import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeArchitectures, registerArchitecture } from '@selfsup/encoders';
import { type MethodPreset, type PresetArchitecture, SelfsupError, describeValue, invalidArgument, isMethodPreset } from '@selfsup/tensors';

/**
 * What `--plugin <module>` loads. A plugin is any ES module (an installed package name, or a path to a file or a
 * package directory, resolved from the working directory) whose exports include:
 * - `MethodPreset` values, or arrays of them (any export name): their methods join `--method`'s list;
 * - optionally `selfsupArchitectures`: an array of `{ name, factory, description?, defaultConfig? }` (the
 *   `PresetArchitecture` shape) registered with @selfsup/encoders, so that `--arch <name>` trains them (with a
 *   `defaultConfig`) and `selfsup eval --encoder <dir>` loads their checkpoints. A preset's own `architectures` are
 *   registered the same way.
 */
export interface LoadedPlugin {
  /** As given to --plugin. */
  readonly spec: string;
  /** The file that was imported. */
  readonly file: string;
  readonly presets: readonly MethodPreset[];
  /** Names of the architectures it registered. */
  readonly architectures: readonly string[];
}

/** The export name a plugin uses for architectures that are not tied to a method. */
export const PLUGIN_ARCHITECTURES_EXPORT = 'selfsupArchitectures';

function bad(spec: string, message: string): never {
  throw new SelfsupError('INVALID_ARGUMENT', `--plugin ${spec}: ${message}`, { argument: '--plugin' });
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() === true;
}

type ExportTarget = string | null | { readonly [condition: string]: ExportTarget } | readonly ExportTarget[];

function pickCondition(target: ExportTarget | undefined): string | undefined {
  if (target === undefined || target === null) return undefined;
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickCondition(t);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  const conditions = target as { readonly [condition: string]: ExportTarget };
  for (const condition of ['import', 'node', 'default']) {
    const picked = pickCondition(conditions[condition]);
    if (picked !== undefined) return picked;
  }
  return undefined;
}

/** The file a package directory's entry (`subpath` '.', or './x') points at: exports, then main, then index.js. */
async function packageEntry(dir: string, subpath: string, spec: string): Promise<string> {
  const manifest = await fs.readFile(path.join(dir, 'package.json'), 'utf8').then(
    (text) => JSON.parse(text) as { exports?: ExportTarget; main?: string },
    () => undefined,
  );
  if (manifest?.exports !== undefined) {
    const exports = manifest.exports;
    const keyed = typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
    const target = keyed ? (exports as Record<string, ExportTarget>)[subpath] : subpath === '.' ? exports : undefined;
    const file = pickCondition(target);
    if (file === undefined) bad(spec, `expected an "import" or "default" export "${subpath}" in ${path.join(dir, 'package.json')}; there is none`);
    return path.resolve(dir, file);
  }
  if (subpath !== '.') return path.resolve(dir, subpath);
  for (const candidate of [manifest?.main, 'index.js', 'index.mjs'].filter((c): c is string => c !== undefined)) {
    const file = path.resolve(dir, candidate);
    if (await isFile(file)) return file;
  }
  return bad(spec, `expected "exports" or "main" in ${path.join(dir, 'package.json')}, or an index.js; there is none`);
}

/** Resolves a --plugin spec from `cwd` to a file: a path (file or package directory) or an installed package. */
export async function resolvePlugin(spec: string, cwd: string): Promise<string> {
  if (typeof spec !== 'string' || spec === '') invalidArgument('--plugin', 'a package name or a path', spec);
  if (typeof cwd !== 'string') invalidArgument('cwd', 'a directory name', cwd);
  const isPath = spec.startsWith('.') || path.isAbsolute(spec) || spec.startsWith('file:');
  if (isPath) {
    const target = spec.startsWith('file:') ? new URL(spec).pathname : path.resolve(cwd, spec);
    const stat = await fs.stat(target).catch(() => undefined);
    if (stat === undefined) bad(spec, `expected a package name or an existing path; nothing is at ${target}`);
    if (stat.isFile()) return target;
    return packageEntry(target, '.', spec);
  }
  const parts = spec.split('/');
  const nameLength = spec.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join('/')}` : '.';
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (await isFile(path.join(candidate, 'package.json'))) return packageEntry(candidate, subpath, spec);
    if (path.dirname(dir) === dir) break;
  }
  try {
    return createRequire(path.join(cwd, 'selfsup-plugin-resolver.cjs')).resolve(spec);
  } catch {
    return bad(spec, `the package "${name}" is not installed where ${cwd} can see it (expected in a node_modules folder; or give a path such as ./my-plugin)`);
  }
}

function registerAll(spec: string, architectures: readonly unknown[], registered: string[]): void {
  const builtIn = new Set(
    describeArchitectures()
      .filter((a) => a.builtIn)
      .map((a) => a.name),
  );
  for (const [i, value] of architectures.entries()) {
    const a = value as Partial<PresetArchitecture> | null;
    if (typeof a !== 'object' || a === null || typeof a.name !== 'string' || typeof a.factory !== 'function') {
      bad(spec, `architecture ${i} must be { name, factory(config) => Encoder, description?, defaultConfig? }; got ${describeValue(value)}`);
    }
    if (builtIn.has(a.name)) bad(spec, `architecture "${a.name}" is a built-in name of @selfsup/encoders; expected another name`);
    registerArchitecture(a.name, a.factory, {
      replace: true,
      ...(a.description !== undefined ? { description: a.description } : {}),
      ...(a.defaultConfig !== undefined ? { defaultConfig: a.defaultConfig } : {}),
    });
    registered.push(a.name);
  }
}

/** Imports one plugin module and collects its presets; registers its architectures. */
export async function loadPlugin(spec: string, cwd: string = process.cwd()): Promise<LoadedPlugin> {
  const file = await resolvePlugin(spec, cwd);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new SelfsupError('INVALID_ARGUMENT', `--plugin ${spec}: expected an importable ES module; ${file} was not: ${error instanceof Error ? error.message : String(error)}`, {
      argument: '--plugin',
    });
  }
  const presets = new Set<MethodPreset>();
  const architectures: string[] = [];
  for (const [name, value] of Object.entries(module)) {
    if (name === PLUGIN_ARCHITECTURES_EXPORT) {
      if (!Array.isArray(value)) bad(spec, `${PLUGIN_ARCHITECTURES_EXPORT} must be an array of architectures; got ${describeValue(value)}`);
      registerAll(spec, value, architectures);
    } else if (isMethodPreset(value)) {
      presets.add(value);
    } else if (Array.isArray(value) && value.length > 0 && value.every(isMethodPreset)) {
      for (const p of value) presets.add(p);
    }
  }
  for (const preset of presets) if (preset.architectures !== undefined) registerAll(spec, preset.architectures, architectures);
  if (presets.size === 0 && architectures.length === 0) {
    bad(spec, `expected MethodPreset exports (or arrays of them) or ${PLUGIN_ARCHITECTURES_EXPORT}; ${file} has none (its exports: ${Object.keys(module).join(', ') || '(none)'})`);
  }
  return { spec, file, presets: [...presets], architectures: [...new Set(architectures)] };
}

/** Loads every --plugin in order. */
export async function loadPlugins(specs: readonly string[], cwd: string = process.cwd()): Promise<LoadedPlugin[]> {
  if (!Array.isArray(specs)) invalidArgument('specs', 'an array of --plugin values (package names or paths)', specs);
  if (typeof cwd !== 'string') invalidArgument('cwd', 'a directory name', cwd);
  const loaded: LoadedPlugin[] = [];
  for (const spec of specs) loaded.push(await loadPlugin(spec, cwd));
  return loaded;
}

/** The --plugin values of an argv (`--plugin x` and `--plugin=x`), read before the program is built. */
export function pluginArguments(argv: readonly string[]): string[] {
  const specs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--plugin' && i + 1 < argv.length) specs.push(argv[++i] as string);
    else if (a.startsWith('--plugin=')) specs.push(a.slice('--plugin='.length));
  }
  return specs;
}
