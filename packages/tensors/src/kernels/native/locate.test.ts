import { describe, expect, it } from 'vitest';
import { describeBackend } from '../../backend/description.js';
import { type LocateHost, describeAddonChoice, locateAddon, platformKey } from './locate.js';

const PKG = '@selfsup/tensors-linux-x64-gnu';
const PKG_DIR = '/app/node_modules/@selfsup/tensors-linux-x64-gnu';
const LOCAL = '/repo/packages/tensors/native/build/selfsup_dnnl.node';

/** A fake addon: what the loader returns for selfsup's .node files. */
function fakeAddon(tag: string) {
  return { tag, conv2d() {}, version: () => 'oneDNN 2.6.3' };
}

/** A host with the files in `files`; `load` answers from `loads` (an Error is thrown). */
function host(options: {
  files?: readonly string[];
  installed?: boolean;
  loads?: Record<string, unknown>;
  platform?: string;
  arch?: string;
  libc?: 'glibc' | 'musl' | undefined;
}): LocateHost & { loaded: string[] } {
  const files = new Set(options.files ?? []);
  const loaded: string[] = [];
  return {
    platform: options.platform ?? 'linux',
    arch: options.arch ?? 'x64',
    libc: 'libc' in options ? options.libc : 'glibc',
    resolve(specifier) {
      if (options.installed && specifier === `${PKG}/package.json`) return `${PKG_DIR}/package.json`;
      throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
    },
    exists: (file) => files.has(file),
    load(file) {
      loaded.push(file);
      const answer = options.loads?.[file];
      if (answer instanceof Error) throw answer;
      if (answer === undefined) throw new Error(`unexpected load of ${file}`);
      return answer;
    },
    localBuilds: [LOCAL, '/elsewhere/selfsup_dnnl.node'],
    loaded,
  };
}

describe('locateAddon: platform package, then local build, then none', () => {
  it('names platform packages as sharp and esbuild do', () => {
    expect(platformKey('linux', 'x64', 'glibc')).toBe('linux-x64-gnu');
    expect(platformKey('linux', 'arm64', 'musl')).toBe('linux-arm64-musl');
    expect(platformKey('darwin', 'arm64', undefined)).toBe('darwin-arm64');
  });

  it('prefers the installed platform package, even when a local build exists', () => {
    const h = host({
      installed: true,
      files: [`${PKG_DIR}/selfsup_dnnl.node`, LOCAL],
      loads: { [`${PKG_DIR}/selfsup_dnnl.node`]: fakeAddon('pkg'), [LOCAL]: fakeAddon('local') },
    });
    const located = locateAddon({}, h);
    expect(located.ok).toBe(true);
    if (!located.ok) return;
    expect(located.source).toBe('platform-package');
    expect(located.where).toBe(PKG);
    expect(located.path).toBe(`${PKG_DIR}/selfsup_dnnl.node`);
    expect(located.skipped).toEqual([]);
    expect(h.loaded).toEqual([`${PKG_DIR}/selfsup_dnnl.node`]);
    expect(describeAddonChoice(located)).toBe(`the prebuilt ${PKG}`);
  });

  it('platform package absent (npm --omit=optional): the local build, saying why', () => {
    const h = host({ installed: false, files: [LOCAL], loads: { [LOCAL]: fakeAddon('local') } });
    const located = locateAddon({}, h);
    expect(located.ok && located.source).toBe('local-build');
    if (!located.ok) return;
    expect(located.path).toBe(LOCAL);
    expect(located.skipped).toHaveLength(1);
    expect(located.skipped[0]?.why).toMatch(/is not installed.*omit=optional/);
    expect(describeAddonChoice(located)).toMatch(new RegExp(`^the local build ${LOCAL}, because ${PKG} is not installed`));
  });

  it('platform package installed but not built: the local build', () => {
    const h = host({ installed: true, files: [LOCAL], loads: { [LOCAL]: fakeAddon('local') } });
    const located = locateAddon({}, h);
    expect(located.ok && located.source).toBe('local-build');
    expect(located.skipped[0]?.why).toMatch(/installed but holds no selfsup_dnnl\.node/);
  });

  it('platform package broken (its libdnnl missing): the local build, with the loader error', () => {
    const file = `${PKG_DIR}/selfsup_dnnl.node`;
    const h = host({
      installed: true,
      files: [file, LOCAL],
      loads: { [file]: new Error('libdnnl.so.2: cannot open shared object file: No such file or directory\nstack'), [LOCAL]: fakeAddon('local') },
    });
    const located = locateAddon({}, h);
    expect(located.ok && located.source).toBe('local-build');
    expect(located.skipped[0]?.why).toBe(`${PKG}: the addon did not load (libdnnl.so.2: cannot open shared object file: No such file or directory)`);
    expect(h.loaded).toEqual([file, LOCAL]);
  });

  it('a file that is not selfsup\'s addon counts as broken', () => {
    const file = `${PKG_DIR}/selfsup_dnnl.node`;
    const h = host({ installed: true, files: [file], loads: { [file]: { something: 1 } } });
    const located = locateAddon({}, h);
    expect(located.ok).toBe(false);
    if (located.ok) return;
    expect(located.why).toMatch(/is not selfsup's addon/);
  });

  it('nothing available: fails with every reason (the caller falls back to wasm)', () => {
    const located = locateAddon({}, host({ installed: false }));
    expect(located.ok).toBe(false);
    if (located.ok) return;
    expect(located.skipped.map((s) => s.source)).toEqual(['platform-package', 'local-build']);
    expect(located.why).toMatch(/^no oneDNN addon: @selfsup\/tensors-linux-x64-gnu is not installed .*; no local build \(node native\/build.mjs in @selfsup\/tensors, or pnpm --filter @selfsup\/tensors build:native/);
  });

  it('a broken local build after an absent package: both reasons', () => {
    const located = locateAddon({}, host({ installed: false, files: [LOCAL], loads: { [LOCAL]: new Error('undefined symbol: dnnl_foo') } }));
    expect(located.ok).toBe(false);
    if (located.ok) return;
    expect(located.why).toMatch(/not installed.*; the local build did not load \(undefined symbol: dnnl_foo\)/);
  });

  it('other platforms have no prebuilt package and never try to resolve one', () => {
    const h = host({ platform: 'darwin', arch: 'arm64', libc: undefined, installed: true, files: [LOCAL], loads: { [LOCAL]: fakeAddon('local') } });
    const located = locateAddon({}, h);
    expect(located.ok && located.source).toBe('local-build');
    expect(located.skipped[0]?.why).toBe('no prebuilt native kernels for darwin-arm64');
    const musl = locateAddon({}, host({ libc: 'musl', installed: true }));
    expect(musl.ok).toBe(false);
    expect(musl.skipped[0]?.why).toBe('no prebuilt native kernels for linux-x64-musl');
  });

  it('SELFSUP_NATIVE_ADDON wins and is the only candidate', () => {
    const file = '/opt/custom/selfsup_dnnl.node';
    const h = host({ installed: true, files: [file, `${PKG_DIR}/selfsup_dnnl.node`], loads: { [file]: fakeAddon('env') } });
    const located = locateAddon({ SELFSUP_NATIVE_ADDON: file }, h);
    expect(located.ok && located.source).toBe('env');
    expect(h.loaded).toEqual([file]);
    const missing = locateAddon({ SELFSUP_NATIVE_ADDON: '/nope.node' }, h);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.why).toBe('SELFSUP_NATIVE_ADDON=/nope.node: no such file');
  });
});

describe('describeBackend', () => {
  it('names what computes and with how many threads', () => {
    expect(describeBackend('wasm', '@tensorflow/tfjs-backend-wasm', 1, { library: 'oneDNN 2.6.3', threads: 2 })).toBe('wasm + oneDNN 2.6.3 (2 threads)');
    expect(describeBackend('wasm', '@tensorflow/tfjs-backend-wasm', 2, { library: 'oneDNN 2.6.3', threads: 1 })).toBe(
      'wasm (2 threads) + oneDNN 2.6.3 (1 thread)',
    );
    expect(describeBackend('wasm', '@tensorflow/tfjs-backend-wasm', 1)).toBe('wasm (1 thread)');
    expect(describeBackend('tensorflow', '@tensorflow/tfjs-node', 0)).toBe('tensorflow (@tensorflow/tfjs-node)');
    expect(describeBackend('cpu', '@tensorflow/tfjs-backend-cpu', 1)).toBe('cpu (1 thread)');
  });
});
