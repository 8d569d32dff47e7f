import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Encoder, ImageDataset, SSLMethod } from './contracts.js';
import { SelfsupError } from './errors.js';
import { assertDataset, assertMethod } from './validate.js';

const noop = () => undefined;

function dataset(overrides: Record<string, unknown> = {}): ImageDataset {
  return { name: 'toy', size: 8, imageShape: [4, 4, 1], getBatch: async () => ({ images: tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, indices: [0] }), ...overrides } as ImageDataset;
}

function method(overrides: Record<string, unknown> = {}): SSLMethod {
  const variable = { name: 'w', variable: tf.variable(tf.zeros([2]), true, `validate-test-${Math.random()}`), trainable: true };
  const encoder: Encoder = {
    architecture: 'toy',
    config: {},
    inputShape: [2],
    outputDim: 2,
    variables: [variable],
    apply: (x) => x as tf.Tensor2D,
    dispose: noop,
  };
  return { name: 'toy', encoder, config: {}, variables: [variable], loss: () => tf.scalar(0), dispose: noop, ...overrides } as SSLMethod;
}

/** Runs `fn`, expecting an INVALID_ARGUMENT SelfsupError; returns its message. */
function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SelfsupError);
    expect((error as SelfsupError).code).toBe('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

/** Values that are no object at all. */
const notObjects = fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer(), fc.string(), fc.boolean(), fc.array(fc.integer()), fc.constant(noop));

describe('assertDataset', () => {
  it('accepts an ImageDataset, labelled or not', () => {
    expect(() => assertDataset('dataset', dataset())).not.toThrow();
    expect(() => assertDataset('dataset', dataset({ labels: async () => new Int32Array(8), size: 0 }))).not.toThrow();
  });

  it('rejects anything that is no object, naming the argument and what came', () => {
    fc.assert(
      fc.property(notObjects, fc.constantFrom('dataset', 'train', 'options.data'), (value, name) => {
        expect(messageOf(() => assertDataset(name, value))).toMatch(new RegExp(`^${name.replace('.', '\\.')} must be an ImageDataset .*; got `));
      }),
    );
  });

  it('names the first wrong member, what it must be and what it was', () => {
    expect(messageOf(() => assertDataset('dataset', dataset({ getBatch: undefined })))).toBe(
      'dataset.getBatch must be a function (indices) => Promise<Batch> (dataset must be an ImageDataset ({ size, imageShape, getBatch() })); got undefined',
    );
    expect(messageOf(() => assertDataset('train', dataset({ imageShape: 'big' })))).toMatch(/^train\.imageShape must be an array .*; got "big"$/);
    expect(messageOf(() => assertDataset('dataset', dataset({ labels: 3 })))).toMatch(/^dataset\.labels must be a function when given .*; got 3$/);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string(), fc.constant(undefined)), (size) => {
        expect(messageOf(() => assertDataset('dataset', dataset({ size })))).toMatch(/^dataset\.size must be an integer >= 0 \(dataset must be an ImageDataset/);
      }),
    );
  });
});

describe('assertMethod', () => {
  it('accepts an SSLMethod, with or without metrics and afterStep', () => {
    const m = method();
    expect(() => assertMethod('method', m)).not.toThrow();
    expect(() => assertMethod('method', { ...m, metrics: () => ({}), afterStep: noop })).not.toThrow();
    m.variables[0]?.variable.dispose();
  });

  it('rejects anything that is no object, naming the argument and what came', () => {
    fc.assert(
      fc.property(notObjects, (value) => {
        expect(messageOf(() => assertMethod('method', value))).toMatch(/^method must be an SSLMethod \(\{ name, encoder, variables, loss\(\), dispose\(\) \}\); got /);
      }),
    );
  });

  it('names the first wrong member, what it must be and what it was', () => {
    const m = method();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 3 }, /^method\.name must be a string \(method must be an SSLMethod .*\); got 3$/],
      [{ loss: 'mse' }, /^method\.loss must be a function .*; got "mse"$/],
      [{ dispose: undefined }, /^method\.dispose must be a function .*; got undefined$/],
      [{ metrics: {} }, /^method\.metrics must be a function when given .*; got an object$/],
      [{ afterStep: 1 }, /^method\.afterStep must be a function when given .*; got 1$/],
      [{ encoder: {} }, /^method\.encoder must be an Encoder/],
      [{ variables: undefined }, /^method\.variables must be an array of named variables/],
      [{ variables: [{ name: 'w' }] }, /^method\.variables\[0\] must be a named variable/],
    ];
    for (const [overrides, expected] of cases) expect(messageOf(() => assertMethod('method', { ...m, ...overrides }))).toMatch(expected);
    m.variables[0]?.variable.dispose();
  });

  it('reports the wrong member whatever else is right, under any argument name', () => {
    const m = method();
    const members = ['name', 'loss', 'dispose', 'encoder', 'variables'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...members), fc.oneof(fc.integer(), fc.constant(null), fc.constant(undefined)), fc.constantFrom('method', 'm', 'options.method'), (member, bad, name) => {
        const message = messageOf(() => assertMethod(name, { ...m, [member]: bad }));
        expect(message.startsWith(`${name}.${member} must be `)).toBe(true);
      }),
    );
    m.variables[0]?.variable.dispose();
  });
});
