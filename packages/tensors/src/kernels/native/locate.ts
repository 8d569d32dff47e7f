/**
 * Which oneDNN addon to load, and why: `SELFSUP_NATIVE_ADDON` when set; otherwise the prebuilt platform package
 * (`@selfsup/tensors-linux-x64-gnu`, an optional dependency that carries the addon and its own oneDNN), then a local
 * build (packages/tensors/native/build, `build:native`), then none (the caller falls back to plain wasm). Every
 * candidate that is not used says why, so that the backend report can tell a user what they run and how to get more.
 * The host (module resolution, file system, `require`) is injected, so the choice is testable without installs.
 */
import type { NativeAddon } from './addon.js';

/** Where an addon came from. */
export type AddonSource = 'env' | 'platform-package' | 'local-build';

/** A candidate that was not used, and why. */
export interface AddonCandidateSkip {
  readonly source: AddonSource;
  /** The package name or file looked at. */
  readonly where: string;
  readonly why: string;
}

export type LocatedAddon =
  | {
      readonly ok: true;
      readonly addon: NativeAddon;
      /** The addon file. */
      readonly path: string;
      readonly source: AddonSource;
      /** The platform package's name, or the file, that provided it. */
      readonly where: string;
      /** Candidates tried first and not used. */
      readonly skipped: readonly AddonCandidateSkip[];
    }
  | { readonly ok: false; readonly why: string; readonly skipped: readonly AddonCandidateSkip[] };

/** What locating needs from the runtime (Node's, by default: {@link nodeLocateHost}). */
export interface LocateHost {
  readonly platform: string;
  readonly arch: string;
  /** The C library on Linux (`undefined` elsewhere, or when unknown). */
  readonly libc: 'glibc' | 'musl' | undefined;
  /** Resolves a module specifier from @selfsup/tensors (like `require.resolve`); throws when it is not found. */
  resolve(specifier: string): string;
  exists(file: string): boolean;
  /** Loads a `.node` file (like `require`); throws with the loader's message when it cannot. */
  load(file: string): unknown;
  /** Where a local build may be, in order. */
  readonly localBuilds: readonly string[];
}

export const ADDON_FILE = 'selfsup_dnnl.node';

/** Platforms with a prebuilt package (platform-arch-libc, as {@link platformKey} writes them). */
export const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64-gnu': '@selfsup/tensors-linux-x64-gnu',
};

/** `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`: the suffix of a platform package's name (sharp's, esbuild's convention). */
export function platformKey(platform: string, arch: string, libc: 'glibc' | 'musl' | undefined): string {
  const suffix = platform === 'linux' && libc !== undefined ? (libc === 'glibc' ? '-gnu' : '-musl') : '';
  return `${platform}-${arch}${suffix}`;
}

const BUILD_HINT = 'node native/build.mjs in @selfsup/tensors, or pnpm --filter @selfsup/tensors build:native; needs g++ and libdnnl-dev';

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).slice(0, 300);
}

function tryLoad(host: LocateHost, file: string): { ok: true; addon: NativeAddon } | { ok: false; why: string } {
  let loaded: unknown;
  try {
    loaded = host.load(file);
  } catch (error) {
    return { ok: false, why: `did not load (${firstLine(error)})` };
  }
  const addon = loaded as Partial<NativeAddon> | null;
  if (addon === null || typeof addon !== 'object' || typeof addon.conv2d !== 'function' || typeof addon.version !== 'function') {
    return { ok: false, why: `${file} is not selfsup's addon` };
  }
  return { ok: true, addon: addon as NativeAddon };
}

/** Chooses and loads the addon (see the module comment). Never throws: a failure carries every reason. */
export function locateAddon(env: Readonly<Record<string, string | undefined>>, host: LocateHost): LocatedAddon {
  const skipped: AddonCandidateSkip[] = [];
  const explicit = env['SELFSUP_NATIVE_ADDON'];
  if (explicit !== undefined && explicit !== '') {
    if (!host.exists(explicit)) return { ok: false, why: `SELFSUP_NATIVE_ADDON=${explicit}: no such file`, skipped };
    const result = tryLoad(host, explicit);
    if (!result.ok) return { ok: false, why: `SELFSUP_NATIVE_ADDON=${explicit}: ${result.why}`, skipped };
    return { ok: true, addon: result.addon, path: explicit, source: 'env', where: explicit, skipped };
  }

  // 1. The prebuilt package for this platform.
  const key = platformKey(host.platform, host.arch, host.libc);
  const name = PLATFORM_PACKAGES[key];
  if (name === undefined) {
    skipped.push({ source: 'platform-package', where: key, why: `no prebuilt native kernels for ${key}` });
  } else {
    let dir: string | undefined;
    try {
      const manifest = host.resolve(`${name}/package.json`);
      dir = manifest.slice(0, manifest.length - 'package.json'.length).replace(/[\\/]$/, '');
    } catch {
      skipped.push({
        source: 'platform-package',
        where: name,
        why: `${name} is not installed (an optional dependency: skipped by --omit=optional, --no-optional or a failed install)`,
      });
    }
    if (dir !== undefined) {
      const file = `${dir}/${ADDON_FILE}`;
      if (!host.exists(file)) {
        skipped.push({ source: 'platform-package', where: name, why: `${name} is installed but holds no ${ADDON_FILE} (not built)` });
      } else {
        const result = tryLoad(host, file);
        if (result.ok) return { ok: true, addon: result.addon, path: file, source: 'platform-package', where: name, skipped };
        skipped.push({ source: 'platform-package', where: name, why: `${name}: the addon ${result.why}` });
      }
    }
  }

  // 2. A local build (the repository's, or one made with build:native in an installed package).
  const local = host.localBuilds.find((file) => host.exists(file));
  if (local === undefined) {
    skipped.push({ source: 'local-build', where: host.localBuilds[0] ?? ADDON_FILE, why: `no local build (${BUILD_HINT})` });
  } else {
    const result = tryLoad(host, local);
    if (result.ok) return { ok: true, addon: result.addon, path: local, source: 'local-build', where: local, skipped };
    skipped.push({ source: 'local-build', where: local, why: `the local build ${result.why}` });
  }
  return { ok: false, why: `no oneDNN addon: ${skipped.map((s) => s.why).join('; ')}`, skipped };
}

/** One phrase for a report: where the loaded addon came from, and why earlier candidates were passed over. */
export function describeAddonChoice(located: Extract<LocatedAddon, { ok: true }>): string {
  const from =
    located.source === 'platform-package'
      ? `the prebuilt ${located.where}`
      : located.source === 'env'
        ? `SELFSUP_NATIVE_ADDON (${located.where})`
        : `the local build ${located.where}`;
  return located.skipped.length === 0 ? from : `${from}, because ${located.skipped.map((s) => s.why).join('; ')}`;
}

/** Node's host: resolution from this module, `require` for the addon, glibc or musl from the process report. */
export async function nodeLocateHost(): Promise<LocateHost> {
  // Specifiers in variables, so that browser bundlers do not try to resolve Node built-ins in this Node-only path.
  const moduleSpecifier = 'node:module';
  const urlSpecifier = 'node:url';
  const fsSpecifier = 'node:fs';
  const { createRequire } = (await import(/* @vite-ignore */ moduleSpecifier)) as typeof import('node:module');
  const { fileURLToPath } = (await import(/* @vite-ignore */ urlSpecifier)) as typeof import('node:url');
  const { existsSync } = (await import(/* @vite-ignore */ fsSpecifier)) as typeof import('node:fs');
  const require = createRequire(import.meta.url);
  // Beside dist/ (built package) or beside src/ (run from source).
  const localBuilds = [`../native/build/${ADDON_FILE}`, `../../native/build/${ADDON_FILE}`, `../../../native/build/${ADDON_FILE}`].map(
    (relative) => fileURLToPath(new URL(relative, import.meta.url)),
  );
  return {
    platform: process.platform,
    arch: process.arch,
    libc: process.platform === 'linux' ? detectLibc() : undefined,
    resolve: (specifier) => require.resolve(specifier),
    exists: (file) => existsSync(file),
    load: (file) => require(file),
    localBuilds,
  };
}

function detectLibc(): 'glibc' | 'musl' | undefined {
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    if (header?.glibcVersionRuntime !== undefined) return 'glibc';
    return header !== undefined ? 'musl' : undefined;
  } catch {
    return undefined;
  }
}
