import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeptTensors, accuracyTensor, copyWeights, disposeAll, frozen, methodVariables } from './method-toolkit.js';
import { namedVariable } from './variables.js';

const moduleOf = (names: readonly string[], value = 0) => {
  const variables = names.map((n) => namedVariable(n, tf.fill([2], value)));
  let disposals = 0;
  return {
    variables,
    dispose() {
      disposals += 1;
      disposeAll(variables);
    },
    get disposals() {
      return disposals;
    },
  };
};

describe('methodVariables', () => {
  it('prefixes each part, keeps order, and lists frozen parts as non-trainable (property)', () => {
    const name = fc.stringMatching(/^[a-z]{1,6}$/);
    fc.assert(
      fc.property(
        fc.array(fc.record({ prefix: name, names: fc.uniqueArray(name, { maxLength: 3 }), frozen: fc.boolean() }), { maxLength: 4 }).filter(
          (parts) => new Set(parts.map((p) => p.prefix)).size === parts.length,
        ),
        (parts) => {
          const before = tf.memory().numTensors;
          const modules = parts.map((p) => moduleOf(p.names));
          const vars = methodVariables(parts.map((p, i) => ({ prefix: p.prefix, module: modules[i]!, frozen: p.frozen })));
          expect(vars.map((v) => v.name)).toEqual(parts.flatMap((p) => p.names.map((n) => `${p.prefix}/${n}`)));
          expect(vars.map((v) => v.trainable)).toEqual(parts.flatMap((p) => p.names.map(() => !p.frozen)));
          // The tf variables are shared, not copied.
          expect(vars.map((v) => v.variable)).toEqual(modules.flatMap((m) => m.variables.map((v) => v.variable)));
          disposeAll(modules);
          expect(tf.memory().numTensors).toBe(before);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('rejects duplicate names and malformed parts', () => {
    const a = moduleOf(['w']);
    expect(() => methodVariables([{ prefix: 'x', module: a }, { prefix: 'x', module: a }])).toThrow(/unique names/);
    expect(() => methodVariables([{ prefix: '', module: a }])).toThrow(/prefix/);
    expect(() => methodVariables([null as never])).toThrow(/parts\[0\]/);
    expect(methodVariables([{ module: a }]).map((v) => v.name)).toEqual(['w']);
    disposeAll(a);
  });

  it('frozen copies the list with trainable false, leaving the originals alone', () => {
    const a = moduleOf(['w', 'b']);
    const f = frozen(a.variables);
    expect(f.map((v) => v.trainable)).toEqual([false, false]);
    expect(a.variables.map((v) => v.trainable)).toEqual([true, true]);
    disposeAll(a);
  });
});

describe('disposeAll', () => {
  it('disposes modules once, variables, tensors and nested lists; safe twice; skips undefined', () => {
    const before = tf.memory().numTensors;
    const m = moduleOf(['w']);
    const vars = [namedVariable('v', tf.zeros([3]))];
    const t = tf.ones([2]);
    disposeAll(m, [m, vars, [t, undefined]], null, m);
    expect(m.disposals).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    disposeAll(vars, t);
    expect(() => disposeAll(42 as never)).toThrow(/items\[0\]/);
    expect(() => disposeAll({} as never)).toThrow(/something to dispose/);
  });
});

describe('KeptTensors', () => {
  it('keeps values set inside a tidy and releases the previous value of a slot', () => {
    const before = tf.memory().numTensors;
    const kept = new KeptTensors<'a' | 'b' | 'images'>();
    for (let step = 0; step < 3; step += 1) {
      const loss = tf.tidy(() => {
        kept.record({ a: tf.scalar(step), b: step * 2 });
        kept.set('images', tf.zeros([2, 2]));
        return tf.scalar(1);
      });
      loss.dispose();
      expect(tf.memory().numTensors).toBe(before + 2);
    }
    expect(kept.get('images')?.shape).toEqual([2, 2]);
    expect(kept.read(['a', 'b'])).toEqual({ a: 2, b: 4 });
    // Reading released the scalar; the number stays.
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(kept.read(['a'])).toEqual({ a: 2 });
    kept.delete('images');
    expect(kept.has('images')).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    kept.dispose();
  });

  it('read() without keys reads every scalar slot, not the larger tensors; absent keys are NaN', () => {
    const kept = new KeptTensors();
    const input = tf.tensor1d([1, 2, 3]);
    kept.set('x', tf.scalar(0.5));
    kept.set('big', input);
    input.dispose(); // the holder kept its own copy
    expect(kept.read()).toEqual({ x: 0.5 });
    expect(kept.get('big')?.isDisposed).toBe(false);
    expect(kept.scalar('missing')).toBeNaN();
    expect(() => kept.scalar('big')).toThrow(/a scalar/);
    expect(() => kept.set('bad', 'no' as never)).toThrow(/a tensor or a number/);
    const before = tf.memory().numTensors;
    kept.clear();
    expect(tf.memory().numTensors).toBe(before - 1);
    expect(kept.read()).toEqual({});
  });

  it('values recorded inside a gradient tape survive it (property over step counts)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 5 }), (values) => {
        const before = tf.memory().numTensors;
        const w = tf.tidy(() => tf.variable(tf.scalar(1)));
        const kept = new KeptTensors<'m'>();
        for (const v of values) {
          const { value, grads } = tf.variableGrads(() => {
            const loss = tf.mul(w, v) as tf.Scalar;
            kept.set('m', loss);
            return loss;
          }, [w]);
          tf.dispose([value, grads]);
        }
        expect(kept.read().m).toBeCloseTo(values[values.length - 1]!, 5);
        kept.clear();
        w.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 20 },
    );
  });
});

describe('accuracyTensor and copyWeights', () => {
  it('accuracyTensor is the share of argmax hits', async () => {
    const logits = tf.tensor2d([[1, 0], [0, 1], [1, 0], [0, 1]]);
    const labels = tf.tensor1d([0, 1, 1, 1], 'int32');
    const acc = accuracyTensor(logits, labels);
    expect(await acc.data()).toEqual(new Float32Array([0.75]));
    expect(() => accuracyTensor(logits, tf.tensor1d([0], 'int32'))).toThrow(/labels/);
    tf.dispose([logits, labels, acc]);
  });

  it('copyWeights overwrites same-named variables and rejects another architecture', async () => {
    const online = moduleOf(['a', 'b'], 3);
    const target = moduleOf(['a', 'b'], 0);
    copyWeights(target, online);
    expect(Array.from(await target.variables[1]!.variable.data())).toEqual([3, 3]);
    const other = moduleOf(['c'], 0);
    expect(() => copyWeights(other, online)).toThrow(/same architecture/);
    disposeAll(online, target, other);
  });
});
