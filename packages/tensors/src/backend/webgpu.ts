/**
 * The WebGPU backend's adapter, found before tfjs's webgpu backend is loaded. In a browser `navigator.gpu` is there;
 * in Node it comes from the optional peer `webgpu` (Dawn's Node bindings, prebuilt): `create(dawnOptions)` gives a
 * `GPU` object, which is installed as `navigator.gpu` because @tensorflow/tfjs-backend-webgpu registers itself only
 * when that exists at import time (tfjs#8066). `auto` takes an adapter only when it is a real one: Dawn's null backend
 * and software rasterisers (SwiftShader, llvmpipe, lavapipe) run, but no faster than the CPU, or compute nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from '../errors.js';
import { errorText } from './error-text.js';
import type { Env, ModuleLoader, WebGpuAdapterReport, WebGpuOptions } from './types.js';

/** The parts of a WebGPU `GPU` object this module uses (an injected one in tests). */
export interface GpuLike {
  requestAdapter(options?: { readonly powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

/** The parts of a `GPUAdapter` read here: its info (a property in current WebGPU, a method in older Dawn), limits. */
export interface AdapterLike {
  readonly info?: AdapterInfoLike;
  requestAdapterInfo?(): Promise<AdapterInfoLike>;
  readonly isFallbackAdapter?: boolean;
  readonly limits?: object;
}

interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}

/** Adapters that are not a GPU: Dawn's null backend and the software rasterisers. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|null-backend|^null$/i;

/** The limits worth reporting: what bounds the tensors a kernel can take. */
const LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupsPerDimension'];

export type WebGpuProbe = { readonly ok: true; readonly gpu: GpuLike; readonly adapter: WebGpuAdapterReport } | { readonly ok: false; readonly why: string };

/** What to do to get WebGPU in Node. */
export const WEBGPU_HOW_TO =
  'install the optional peers webgpu (Dawn for Node, prebuilt) and @tensorflow/tfjs-backend-webgpu@4.22.0, on a machine with a GPU driver (Linux: Vulkan; point VK_DRIVER_FILES at the vendor ICD if the loader does not find it)';

function gpuOf(value: unknown): GpuLike | undefined {
  const gpu = (value as { gpu?: unknown } | undefined)?.gpu;
  return gpu !== null && typeof gpu === 'object' && typeof (gpu as GpuLike).requestAdapter === 'function' ? (gpu as GpuLike) : undefined;
}

/** Dawn's toggles for `create()`: the options', else `SELFSUP_DAWN_OPTIONS` (comma-separated, e.g. `backend=vulkan`). */
function dawnOptions(options: WebGpuOptions, env: Env): string[] {
  if (options.dawnOptions !== undefined) return [...options.dawnOptions];
  const text = env['SELFSUP_DAWN_OPTIONS'];
  return text === undefined || text === '' ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Reads the adapter's name and limits, and whether it is software. */
export async function describeAdapter(adapter: AdapterLike): Promise<WebGpuAdapterReport> {
  const info: AdapterInfoLike = adapter.info ?? (typeof adapter.requestAdapterInfo === 'function' ? await adapter.requestAdapterInfo() : {});
  const fields = { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' };
  const software = adapter.isFallbackAdapter === true || Object.values(fields).some((v) => SOFTWARE.test(v));
  const limits: Record<string, number> = {};
  for (const key of LIMITS) {
    const value = (adapter.limits as Record<string, unknown> | undefined)?.[key];
    if (typeof value === 'number') limits[key] = value;
  }
  return { ...fields, software, limits };
}

/** One phrase naming an adapter: its description, else vendor, architecture and device. */
export function adapterName(adapter: WebGpuAdapterReport): string {
  const name = adapter.description !== '' ? adapter.description : [adapter.vendor, adapter.architecture, adapter.device].filter((s) => s !== '').join(' ');
  return `${name === '' ? 'unnamed adapter' : name}${adapter.software ? ', software' : ''}`;
}

/**
 * Finds a WebGPU adapter: the injected `options.gpu`, else `navigator.gpu`, else the `webgpu` package's. With
 * `forced` false (auto) a software or null adapter is refused, with the reason; a forced choice takes it.
 */
export async function probeWebGpu(options: WebGpuOptions, loader: ModuleLoader, env: Env, forced: boolean): Promise<WebGpuProbe> {
  let gpu = options.gpu !== undefined ? gpuOf({ gpu: options.gpu }) : gpuOf(globalThis.navigator);
  if (options.gpu !== undefined && gpu === undefined) return { ok: false, why: 'options.webgpu.gpu is not a WebGPU GPU object (no requestAdapter)' };
  if (gpu === undefined) {
    let dawn: { create?: (options: string[]) => unknown; globals?: object };
    try {
      dawn = (await loader('webgpu')) as typeof dawn;
    } catch (error) {
      return { ok: false, why: `the webgpu package (Dawn for Node) is not installed (${errorText(error)})` };
    }
    if (typeof dawn.create !== 'function') return { ok: false, why: 'the webgpu package has no create(): not Dawn for Node' };
    try {
      gpu = gpuOf({ gpu: dawn.create(dawnOptions(options, env)) });
    } catch (error) {
      return { ok: false, why: `Dawn did not start (${errorText(error)})` };
    }
    if (gpu === undefined) return { ok: false, why: 'Dawn returned no GPU object' };
    // GPUBufferUsage, GPUMapMode, ...: the constants tfjs's webgpu backend reads as globals.
    if (dawn.globals !== undefined) Object.assign(globalThis, dawn.globals);
  }
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, why: `requestAdapter failed (${errorText(error)})` };
  }
  if (adapter === null || adapter === undefined) {
    return { ok: false, why: 'no WebGPU adapter (Dawn found no usable GPU: no driver, or one lacking features WebGPU needs)' };
  }
  const report = await describeAdapter(adapter);
  if (report.software && !forced) {
    return { ok: false, why: `only a software adapter (${adapterName(report)}): not picked automatically (choose it with backend webgpu)` };
  }
  return { ok: true, gpu, adapter: report };
}

/** Makes `gpu` the `navigator.gpu` that @tensorflow/tfjs-backend-webgpu looks for; returns how to undo it. */
export function installNavigatorGpu(gpu: GpuLike): () => void {
  const holder = globalThis as { navigator?: { gpu?: unknown } };
  if (holder.navigator === undefined) {
    holder.navigator = { gpu };
    return () => {
      delete holder.navigator;
    };
  }
  if (holder.navigator.gpu === gpu) return () => undefined;
  const before = Object.getOwnPropertyDescriptor(holder.navigator, 'gpu');
  Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  return () => {
    if (before !== undefined) Object.defineProperty(holder.navigator as object, 'gpu', before);
    else delete (holder.navigator as { gpu?: unknown }).gpu;
  };
}

/**
 * tfjs's webgpu backend reads GPU tensors synchronously (`dataSync`, `arraySync`) through an OffscreenCanvas, which
 * only browsers have: in Node it fails with "OffscreenCanvas is not defined", far from the cause. Under Node the
 * backend's readSync says what happened and what to use instead (`await tensor.data()`).
 */
export function explainSyncReads(): void {
  const backend = tf.backend() as { readSync?: (dataId: unknown) => unknown };
  if (typeof backend.readSync !== 'function' || (backend.readSync as { selfsup?: boolean }).selfsup === true) return;
  const original = backend.readSync.bind(backend);
  const readSync = (dataId: unknown) => {
    try {
      return original(dataId);
    } catch (error) {
      if (!/OffscreenCanvas/.test(errorText(error))) throw error;
      throw new SelfsupError(
        'UNSUPPORTED',
        'a synchronous read (dataSync, arraySync) of a tensor on the webgpu backend: Node has no OffscreenCanvas, which tfjs-backend-webgpu reads through; read with await tensor.data() (or array()) instead',
      );
    }
  };
  Object.assign(readSync, { selfsup: true });
  backend.readSync = readSync;
}
