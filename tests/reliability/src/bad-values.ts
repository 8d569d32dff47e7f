import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';

/**
 * The bad (and borderline) inputs the fuzz suite feeds every export. A value is described by a spec (plain data, so
 * fast-check can generate, print and replay it) and built fresh for each call by {@link materialize}, because a
 * function may take ownership of a tensor and dispose it.
 */
export type ValueSpec =
  | { readonly kind: 'primitive'; readonly name: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'tensor'; readonly name: string }
  | { readonly kind: 'array'; readonly items: readonly ValueSpec[] }
  | { readonly kind: 'options'; readonly entries: readonly (readonly [string, ValueSpec])[] };

/** Numbers that break sizes, probabilities, temperatures, indices and counts. */
export const BAD_NUMBERS: readonly number[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  0,
  -0,
  0.5,
  1,
  1.5,
  2,
  3,
  -0.25,
  2 ** 40,
  Number.MAX_VALUE,
];

const PRIMITIVES: Record<string, () => unknown> = {
  undefined: () => undefined,
  null: () => null,
  true: () => true,
  false: () => false,
  emptyString: () => '',
  string: () => 'x',
  pathLikeString: () => 'no/such/file.png',
  bigint: () => 1n,
  emptyObject: () => ({}),
  emptyArray: () => [],
  functionReturningUndefined: () => () => undefined,
  rng: () => createRng(7),
  map: () => new Map(),
  date: () => new Date(0),
};

function filled(shape: number[], value: number): tf.Tensor {
  return tf.fill(shape, value);
}

/** Small tensors of every rank, empty batches, non-finite values and other dtypes. */
const TENSORS: Record<string, () => tf.Tensor> = {
  scalar: () => tf.scalar(0.5),
  scalarNaN: () => tf.scalar(Number.NaN),
  vectorEmpty: () => tf.zeros([0]),
  vector3: () => tf.tensor1d([0.1, 0.2, 0.3]),
  vectorInt: () => tf.tensor1d([0, 1, 2], 'int32'),
  vectorBool: () => tf.tensor1d([true, false], 'bool'),
  matrix2x3: () => tf.tensor2d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]),
  matrix4x4: () => tf.eye(4),
  matrixEmptyBatch: () => tf.zeros([0, 3]),
  matrixNaN: () => filled([2, 3], Number.NaN),
  matrixInf: () => filled([2, 3], Number.POSITIVE_INFINITY),
  matrixInt: () => tf.zeros([2, 3], 'int32'),
  rank3Image: () => filled([4, 4, 3], 0.5),
  images: () => tf.tidy(() => tf.reshape(tf.linspace(0, 1, 2 * 4 * 4 * 3), [2, 4, 4, 3])),
  imagesGrey: () => filled([2, 4, 4, 1], 0.25),
  imagesEmptyBatch: () => tf.zeros([0, 4, 4, 3]),
  imagesNaN: () => filled([2, 4, 4, 3], Number.NaN),
  imagesOutOfRange: () => filled([2, 4, 4, 3], -3),
  images8: () => filled([1, 8, 8, 3], 0.5),
  rank5: () => filled([1, 2, 4, 4, 3], 0.5),
  disposed: () => {
    const t = tf.scalar(1);
    t.dispose();
    return t;
  },
};

export const PRIMITIVE_NAMES = Object.keys(PRIMITIVES);
export const TENSOR_NAMES = Object.keys(TENSORS);

/** Leaf values: primitives, numbers and tensors. */
export function leafSpec(): fc.Arbitrary<ValueSpec> {
  return fc.oneof(
    fc.constantFrom(...PRIMITIVE_NAMES).map((name): ValueSpec => ({ kind: 'primitive', name })),
    fc.constantFrom(...BAD_NUMBERS).map((value): ValueSpec => ({ kind: 'number', value })),
    fc.constantFrom(...TENSOR_NAMES).map((name): ValueSpec => ({ kind: 'tensor', name })),
  );
}

/**
 * Any argument: a leaf, a short array of leaves (shapes, lists of tensors), or an options object whose keys are
 * option names used across the packages (so that the value reaches the option's own check).
 */
export function argumentSpec(optionKeys: readonly string[]): fc.Arbitrary<ValueSpec> {
  const leaf = leafSpec();
  return fc.oneof(
    { weight: 5, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }).map((items): ValueSpec => ({ kind: 'array', items })) },
    {
      weight: 3,
      arbitrary: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...optionKeys), leaf), { maxLength: 3, selector: ([k]) => k })
        .map((entries): ValueSpec => ({ kind: 'options', entries })),
    },
  );
}

/** Builds the value a spec describes; tensors created here are pushed onto `created` (the caller disposes them). */
export function materialize(spec: ValueSpec, created: tf.Tensor[]): unknown {
  switch (spec.kind) {
    case 'primitive':
      return (PRIMITIVES[spec.name] as () => unknown)();
    case 'number':
      return spec.value;
    case 'tensor': {
      const t = (TENSORS[spec.name] as () => tf.Tensor)();
      created.push(t);
      return t;
    }
    case 'array':
      return spec.items.map((s) => materialize(s, created));
    case 'options':
      return Object.fromEntries(spec.entries.map(([k, s]) => [k, materialize(s, created)]));
  }
}

/** Short text for a spec, for failure reports. */
export function describeSpec(spec: ValueSpec): string {
  switch (spec.kind) {
    case 'primitive':
    case 'tensor':
      return spec.name;
    case 'number':
      return Object.is(spec.value, -0) ? '-0' : String(spec.value);
    case 'array':
      return `[${spec.items.map(describeSpec).join(', ')}]`;
    case 'options':
      return `{ ${spec.entries.map(([k, s]) => `${k}: ${describeSpec(s)}`).join(', ')} }`;
  }
}
