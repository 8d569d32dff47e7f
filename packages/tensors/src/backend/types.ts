import type { AddonSource } from '../kernels/native/locate.js';
/** The backends selfsup can run on, in order of preference. */
export const BACKENDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What {@link initBackend} chose, and why. */
export interface BackendReport {
  readonly backend: BackendName;
  /** What computes, in a few words: e.g. `wasm + oneDNN 2.6.3 (2 threads)`, `wasm (1 thread)`, `tensorflow (@tensorflow/tfjs-node)`. */
  readonly description: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** One line: why this one (and what was skipped). */
  readonly reason: string;
  /** Backends tried before this one, with why they were not used. */
  readonly skipped: readonly { readonly backend: BackendName; readonly package: string; readonly why: string }[];
  /** Threads the backend computes with (XNNPACK's pool for wasm; 1 for cpu; 0 when the backend manages its own). */
  readonly threads: number;
  /** The native (oneDNN) kernels serving the wasm backend's heavy ops, when in use. */
  readonly native?: NativeKernelsReport;
  /** The GPU the webgpu backend computes on. */
  readonly adapter?: WebGpuAdapterReport;
}

/** A WebGPU adapter: its names (as the driver gives them; any may be empty), whether it is software, its limits. */
export interface WebGpuAdapterReport {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** Dawn's null backend or a software rasteriser (SwiftShader, llvmpipe, lavapipe): `auto` does not pick it. */
  readonly software: boolean;
  /** maxBufferSize, maxStorageBufferBindingSize, maxComputeWorkgroupStorageSize, ... (those the adapter reports). */
  readonly limits: Readonly<Record<string, number>>;
}

/** How the webgpu backend finds its GPU. */
export interface WebGpuOptions {
  /** A WebGPU `GPU` object to use (default: `navigator.gpu`, else the `webgpu` package's `create()`). Tests inject one. */
  readonly gpu?: unknown;
  /** Dawn's toggles for `create()`, e.g. `['backend=vulkan']` (default: `SELFSUP_DAWN_OPTIONS`, comma-separated). */
  readonly dawnOptions?: readonly string[];
}

/** The optional native kernels: which library, how many threads, which kernels they took over. */
export interface NativeKernelsReport {
  /** e.g. "oneDNN 2.6.3". */
  readonly library: string;
  /** OpenMP threads the library computes with. */
  readonly threads: number;
  /** tfjs kernel names served natively on the wasm backend. */
  readonly kernels: readonly string[];
  /** The addon file. */
  readonly path: string;
  /** Where the addon came from: the prebuilt platform package, a local build, or SELFSUP_NATIVE_ADDON. */
  readonly source: AddonSource;
}

/**
 * The native kernels: `auto` (default) uses them with the wasm backend when the addon is built and loads, `on`
 * requires them (an error says why they cannot load), `off` never uses them.
 */
export const NATIVE_MODES = ['auto', 'on', 'off'] as const;
export type NativeMode = (typeof NATIVE_MODES)[number];

/**
 * Loads an optional module by name. Injected in tests; by default a dynamic `import()`, so that optional peers
 * (tfjs-node, tfjs-node-gpu) are looked for only when asked.
 */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface InitBackendOptions {
  /** Force a backend. Overrides `SELFSUP_BACKEND`. Missing backends are an error, not a fallback. */
  readonly backend?: BackendName;
  /** Print the choice to stderr (default: false). */
  readonly verbose?: boolean;
  /** How optional packages are loaded (tests inject one). */
  readonly loader?: ModuleLoader;
  /**
   * XNNPACK threads for the wasm backend under Node (or `SELFSUP_WASM_THREADS`; default: every core without the native
   * kernels, 1 with them, see kernels/default-threads.ts). Above 1 selfsup loads
   * tfjs's threaded-simd build itself, which stock tfjs never does under Node (see the README's Backends section).
   * Must be chosen before the wasm backend is first initialised.
   */
  readonly threads?: number;
  /**
   * The oneDNN kernels for the wasm backend (packages/tensors/native; built with `build:native`). Default `auto`, or
   * `SELFSUP_NATIVE`; `SELFSUP_BACKEND=wasm-native` means backend wasm with native `on`.
   */
  readonly native?: NativeMode;
  /** OpenMP threads of the native kernels (default: `SELFSUP_NATIVE_THREADS`, else OpenMP's default, the core count). */
  readonly nativeThreads?: number;
  /** Environment to read `SELFSUP_BACKEND`, `SELFSUP_WASM_THREADS`, `SELFSUP_NATIVE*` from (default: `process.env`). */
  readonly env?: Env;
  /** The webgpu backend's GPU (see {@link WebGpuOptions}). */
  readonly webgpu?: WebGpuOptions;
}
