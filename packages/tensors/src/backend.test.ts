import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { currentBackend, initBackend, withBackend } from './backend.js';

describe('initBackend', () => {
  it('prefers tensorflow when tfjs-node loads, and reports why', async () => {
    const asked: string[] = [];
    // An injected loader that "provides" tfjs-node by registering a fake 'tensorflow' backend over the cpu one.
    const loader = async (name: string) => {
      asked.push(name);
      if (name === '@tensorflow/tfjs-node-gpu') throw new Error('Cannot find module');
      if (name === '@tensorflow/tfjs-node') {
        if (tf.findBackendFactory('tensorflow') === null) {
          const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
          tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
        }
        return {};
      }
      return import(name);
    };
    const report = await initBackend({ loader, env: {} });
    expect(report.backend).toBe('tensorflow');
    expect(report.package).toBe('@tensorflow/tfjs-node');
    expect(report.skipped).toEqual([]);
    expect(asked.slice(0, 2)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    tf.removeBackend('tensorflow');
    await initBackend({ backend: 'wasm' });
  });

  it('falls back to wasm when tfjs-node is absent and says so', async () => {
    const loader = async (name: string) => {
      if (name.includes('tfjs-node')) throw new Error(`Cannot find module '${name}'`);
      return import(name);
    };
    await initBackend({ backend: 'cpu' });
    const report = await initBackend({ loader, env: {} });
    expect(report.backend).toBe('wasm');
    expect(report.reason).toMatch(/tensorflow unavailable/);
    expect(report.skipped[0]!.why).toMatch(/Cannot find module '@tensorflow\/tfjs-node-gpu'/);
    expect(tf.getBackend()).toBe('wasm');
    expect(currentBackend()?.backend).toBe('wasm');
  });

  it('honours SELFSUP_BACKEND and explains how to get a missing backend', async () => {
    const report = await initBackend({ env: { SELFSUP_BACKEND: 'cpu' } });
    expect(report.backend).toBe('cpu');
    expect(report.reason).toMatch(/SELFSUP_BACKEND/);
    const missing = async () => {
      throw new Error('Cannot find module');
    };
    await expect(initBackend({ backend: 'tensorflow', loader: missing })).rejects.toThrow(
      /backend "tensorflow" is not available .* install @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/,
    );
    await expect(initBackend({ env: { SELFSUP_BACKEND: 'gpu' } })).rejects.toThrow(/SELFSUP_BACKEND must be one of "tensorflow", "webgpu", "wasm", "cpu"; got "gpu"/);
    await initBackend({ backend: 'wasm' });
  });

  it('withBackend runs on another backend and restores the previous one', async () => {
    await initBackend({ backend: 'wasm' });
    const inside = await withBackend('cpu', () => tf.getBackend());
    expect(inside).toBe('cpu');
    expect(tf.getBackend()).toBe('wasm');
  });
});
