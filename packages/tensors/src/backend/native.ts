import { SelfsupError } from '../errors.js';
import { loadNativeAddon } from '../kernels/native/addon.js';
import { disableNativeKernels, enableNativeKernels, nativeKernelNames } from '../kernels/native/kernels.js';
import { assertOneOf } from '../validate.js';
import { threadSetting } from './threads.js';
import { type Env, NATIVE_MODES, type NativeKernelsReport, type NativeMode } from './types.js';

/** The native mode asked for: `option`, else `on` for the `wasm-native` alias, else `SELFSUP_NATIVE` (default auto). */
export function requestedNative(option: NativeMode | undefined, env: Env, alias: boolean): NativeMode {
  if (option !== undefined) {
    assertOneOf('options.native', option, NATIVE_MODES);
    return option;
  }
  if (alias) return 'on';
  const raw = env['SELFSUP_NATIVE'];
  if (raw === undefined || raw === '') return 'auto';
  assertOneOf('SELFSUP_NATIVE', raw, NATIVE_MODES);
  return raw as NativeMode;
}

/** Puts the native kernels in (or takes them out) for the wasm backend, as `mode` asks; says what happened. */
export async function setUpNative(
  mode: NativeMode,
  threadsOption: number | undefined,
  env: Env,
): Promise<{ note: string | undefined; report: NativeKernelsReport | undefined }> {
  if (mode === 'off') {
    disableNativeKernels();
    return { note: undefined, report: undefined };
  }
  // OpenMP threads: undefined leaves the library's default.
  const threads = threadSetting('options.nativeThreads', threadsOption, 'SELFSUP_NATIVE_THREADS', env);
  const load = await loadNativeAddon(env);
  if (!load.ok) {
    disableNativeKernels();
    if (mode === 'on') {
      throw new SelfsupError('BACKEND_UNAVAILABLE', `native kernels were requested but ${load.why}`, { native: load.why });
    }
    return { note: `native kernels not used: ${load.why}`, report: undefined };
  }
  if (threads !== undefined) load.addon.setThreads(threads);
  enableNativeKernels(load.addon);
  const report: NativeKernelsReport = {
    library: load.addon.version(),
    threads: load.addon.getThreads(),
    kernels: nativeKernelNames(load.addon),
    path: load.path,
    source: load.source,
  };
  return { note: `${report.kernels.length} kernels on ${report.library}, ${report.threads} threads, from ${load.choice}`, report };
}
