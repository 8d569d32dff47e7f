import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import type { ModuleLoader } from './types.js';
import { type AdapterLike, type GpuLike, adapterName, describeAdapter, probeWebGpu } from './webgpu.js';

// No GPU here (Dawn finds no usable adapter on these machines): detection, choice and errors are checked with injected
// GPU objects, and the backend with a stand-in for @tensorflow/tfjs-backend-webgpu that registers the cpu kernels
// under the name "webgpu". What the real backend computes is checked on a GPU machine (bench/gpu/run.sh).

const gpuWith = (adapter: AdapterLike | null): GpuLike => ({ requestAdapter: async () => adapter });
const h100: AdapterLike = {
  info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' },
  limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupStorageSize: 49152, unrelated: 'x' },
};
const nullBackend: AdapterLike = { info: { vendor: '', architecture: '', device: 'null-backend', description: '' } };
const swiftShader: AdapterLike = { requestAdapterInfo: async () => ({ vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader Device (Subzero)' }) };
const noDawn: ModuleLoader = async (specifier) => {
  throw new Error(`Cannot find package '${specifier}'`);
};
/** Loads a stand-in webgpu backend package: the cpu kernels registered as "webgpu". */
const standInLoader: ModuleLoader = async (specifier) => {
  if (specifier !== '@tensorflow/tfjs-backend-webgpu') throw new Error(`Cannot find package '${specifier}'`);
  if (tf.findBackendFactory('webgpu') === null) {
    tf.registerBackend('webgpu', () => new MathBackendCPU());
    for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'webgpu' });
  }
  return {};
};

afterAll(async () => {
  for (const kernel of tf.getKernelsForBackend('webgpu')) tf.unregisterKernel(kernel.kernelName, 'webgpu');
  tf.removeBackend('webgpu');
  await initBackend({ backend: 'wasm' });
});

describe('webgpu backend: finding the adapter', () => {
  it('reads the adapter (property or older method), its limits, and tells software from hardware', async () => {
    const report = await describeAdapter(h100);
    expect(report).toEqual({
      vendor: 'nvidia',
      architecture: 'hopper',
      device: '',
      description: 'NVIDIA H100 80GB HBM3',
      software: false,
      limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupStorageSize: 49152 },
    });
    expect(adapterName(report)).toBe('NVIDIA H100 80GB HBM3');
    expect((await describeAdapter(swiftShader)).software).toBe(true);
    expect(adapterName(await describeAdapter(nullBackend))).toBe('null-backend, software');
    expect((await describeAdapter({ ...h100, isFallbackAdapter: true })).software).toBe(true);
  });

  it('auto takes a real adapter only; a forced choice takes a software one; none is a reason, not a crash', async () => {
    expect(await probeWebGpu({ gpu: gpuWith(h100) }, noDawn, {}, false)).toMatchObject({ ok: true, adapter: { vendor: 'nvidia', software: false } });
    expect(await probeWebGpu({ gpu: gpuWith(nullBackend) }, noDawn, {}, false)).toEqual({
      ok: false,
      why: 'only a software adapter (null-backend, software): not picked automatically (choose it with backend webgpu)',
    });
    expect(await probeWebGpu({ gpu: gpuWith(swiftShader) }, noDawn, {}, true)).toMatchObject({ ok: true, adapter: { software: true } });
    expect(await probeWebGpu({ gpu: gpuWith(null) }, noDawn, {}, true)).toMatchObject({ ok: false, why: expect.stringMatching(/^no WebGPU adapter/) });
    const failing: GpuLike = {
      requestAdapter: async () => {
        throw new Error('device lost');
      },
    };
    expect(await probeWebGpu({ gpu: failing }, noDawn, {}, true)).toEqual({ ok: false, why: 'requestAdapter failed (device lost)' });
    expect(await probeWebGpu({ gpu: {} }, noDawn, {}, true)).toMatchObject({ ok: false, why: expect.stringMatching(/not a WebGPU GPU object/) });
  });

  it('without navigator.gpu, asks the webgpu package (Dawn) with the Dawn options of the environment, and says when it is missing', async () => {
    expect(await probeWebGpu({}, noDawn, {}, true)).toMatchObject({ ok: false, why: expect.stringMatching(/^the webgpu package \(Dawn for Node\) is not installed/) });
    const seen: string[][] = [];
    const dawn: ModuleLoader = async () => ({
      create: (options: string[]) => {
        seen.push(options);
        return gpuWith(h100);
      },
      globals: {},
    });
    expect(await probeWebGpu({}, dawn, { SELFSUP_DAWN_OPTIONS: 'backend=vulkan, adapter=NVIDIA' }, false)).toMatchObject({ ok: true });
    expect(await probeWebGpu({ dawnOptions: ['backend=null'] }, dawn, { SELFSUP_DAWN_OPTIONS: 'backend=vulkan' }, true)).toMatchObject({ ok: true });
    expect(seen).toEqual([['backend=vulkan', 'adapter=NVIDIA'], ['backend=null']]);
  });
});

describe('webgpu backend: initBackend', () => {
  it('is selectable: the report names the adapter and its limits, and navigator.gpu is the adapter\'s GPU', async () => {
    const gpu = gpuWith(h100);
    const report = await initBackend({ backend: 'webgpu', webgpu: { gpu }, loader: standInLoader });
    expect(report.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(report.description).toBe('webgpu (NVIDIA H100 80GB HBM3)');
    expect(report.adapter).toMatchObject({ vendor: 'nvidia', limits: { maxBufferSize: 2 ** 31 } });
    expect(report.reason).toMatch(/^webgpu \(@tensorflow\/tfjs-backend-webgpu\) chosen by options\.backend/);
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBe(gpu);
    const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    expect(Array.from(sum.dataSync())).toEqual([4, 6]);
    sum.dispose();
  });

  it("a synchronous read, which tfjs's webgpu backend does through a browser-only OffscreenCanvas, says what to do in Node", async () => {
    // A stand-in whose synchronous read fails as tfjs-backend-webgpu's does under Node.
    class NoCanvasBackend extends MathBackendCPU {
      override readSync(): never {
        throw new ReferenceError('OffscreenCanvas is not defined');
      }
    }
    tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new NoCanvasBackend());
    await initBackend({ backend: 'webgpu', webgpu: { gpu: gpuWith(h100) }, loader: standInLoader });
    const x = tf.tensor1d([1, 2]);
    expect(() => x.dataSync()).toThrow(/a synchronous read \(dataSync, arraySync\) of a tensor on the webgpu backend: Node has no OffscreenCanvas.*await tensor\.data\(\)/);
    x.dispose();
  });

  it('a forced webgpu without an adapter is an error that says why and how to get one; auto passes over it', async () => {
    await expect(initBackend({ backend: 'webgpu', webgpu: { gpu: gpuWith(null) }, loader: standInLoader })).rejects.toThrow(
      /backend "webgpu" is not available \(no WebGPU adapter .*\); to use it, install the optional peers webgpu \(Dawn for Node, prebuilt\) and @tensorflow\/tfjs-backend-webgpu/,
    );
    const auto = await initBackend({ webgpu: { gpu: gpuWith(nullBackend) }, loader: async (s) => (s === '@tensorflow/tfjs-backend-cpu' ? import('@tensorflow/tfjs-backend-cpu') : noDawn(s)) });
    expect(auto.backend).toBe('cpu');
    expect(auto.skipped.find((s) => s.backend === 'webgpu')?.why).toMatch(/only a software adapter \(null-backend, software\)/);
  });
});
