import type * as tf from '@tensorflow/tfjs-core';
import { EMBEDDING_LAYER, type Encoder, type ImageDataset, type SSLMethod } from './contracts.js';
import { invalidArgument } from './errors.js';

/** Argument checks shared by every package. Each throws a SelfsupError naming the argument. */

function isTensor(value: unknown): value is tf.Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { shape?: unknown }).shape) &&
    typeof (value as { dtype?: unknown }).dtype === 'string' &&
    typeof (value as { dataId?: unknown }).dataId === 'object'
  );
}

export function assertTensor(name: string, value: unknown): asserts value is tf.Tensor {
  if (!isTensor(value)) invalidArgument(name, 'a tensor', value);
  if ((value as tf.Tensor).isDisposed) invalidArgument(name, 'a live tensor', 'a disposed tensor');
}

/** Checks a tensor's rank and, where given, its sizes (`null` means any size, including 0 unless `nonEmpty`). */
export function assertShape(
  name: string,
  value: unknown,
  expected: readonly (number | null)[],
  options: { nonEmpty?: boolean; dtype?: 'float32' | 'int32' | 'bool' } = {},
): asserts value is tf.Tensor {
  assertTensor(name, value);
  if (!Array.isArray(expected) || expected.some((d) => d !== null && !(Number.isInteger(d) && d >= 0))) {
    invalidArgument('expected', 'an array of sizes (integers >= 0, or null for any)', expected);
  }
  const shape = value.shape;
  const pattern = `[${expected.map((d) => (d === null ? '*' : String(d))).join(', ')}]`;
  if (shape.length !== expected.length) {
    invalidArgument(name, `a rank-${expected.length} tensor of shape ${pattern}`, value);
  }
  expected.forEach((d, i) => {
    if (d !== null && shape[i] !== d) invalidArgument(name, `a tensor of shape ${pattern}`, value);
  });
  if (options.nonEmpty && shape.some((d) => d === 0)) invalidArgument(name, 'a non-empty tensor', value);
  if (options.dtype !== undefined && value.dtype !== options.dtype) {
    invalidArgument(name, `a ${options.dtype} tensor`, value);
  }
}

export function assertRank(name: string, value: unknown, rank: number | readonly number[]): asserts value is tf.Tensor {
  assertTensor(name, value);
  const ranks = typeof rank === 'number' ? [rank] : rank;
  if (!Array.isArray(ranks) || ranks.some((r) => !Number.isInteger(r) || r < 0)) invalidArgument('rank', 'a rank (integer >= 0) or an array of ranks', rank);
  if (!ranks.includes(value.rank)) invalidArgument(name, `a tensor of rank ${ranks.join(' or ')}`, value);
}

/** Checks that two tensors have the same shape. */
export function assertSameShape(nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  assertTensor(nameA, a);
  assertTensor(nameB, b);
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    invalidArgument(nameB, `a tensor of the same shape as ${nameA} [${a.shape.join(', ')}]`, b);
  }
}

export function assertFiniteNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalidArgument(name, 'a finite number', value);
}

/** The bounds of a range check are the caller's numbers; anything else is a bug to report, not to coerce. */
function assertBounds(min: unknown, max: unknown): void {
  if (typeof min !== 'number' || Number.isNaN(min)) invalidArgument('min', 'a number', min);
  if (typeof max !== 'number' || Number.isNaN(max)) invalidArgument('max', 'a number', max);
}

export function assertInteger(name: string, value: unknown, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  assertBounds(min, max);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range =
      min === Number.MIN_SAFE_INTEGER && max === Number.MAX_SAFE_INTEGER
        ? 'an integer'
        : max === Number.MAX_SAFE_INTEGER
          ? `an integer >= ${min}`
          : `an integer in [${min}, ${max}]`;
    invalidArgument(name, range, value);
  }
}

export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  assertInteger(name, value, 1);
}

export function assertPositive(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    invalidArgument(name, 'a finite number > 0', value);
  }
}

export function assertNonNegative(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    invalidArgument(name, 'a finite number >= 0', value);
  }
}

/** A probability in [0, 1]. */
export function assertProbability(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) invalidArgument(name, 'a probability in [0, 1]', value);
}

/** A number in the closed interval [min, max]. */
export function assertInRange(name: string, value: unknown, min: number, max: number): asserts value is number {
  assertBounds(min, max);
  if (typeof value !== 'number' || !(value >= min && value <= max)) invalidArgument(name, `a number in [${min}, ${max}]`, value);
}

/** A [low, high] pair with min <= low <= high <= max. */
export function assertRangePair(
  name: string,
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): asserts value is readonly [number, number] {
  assertBounds(min, max);
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'number' ||
    typeof value[1] !== 'number' ||
    !(value[0] <= value[1]) ||
    !(value[0] >= min) ||
    !(value[1] <= max)
  ) {
    invalidArgument(name, `a [low, high] pair with ${min} <= low <= high <= ${max}`, value);
  }
}

export function assertOneOf<T extends string>(name: string, value: unknown, options: readonly T[]): asserts value is T {
  if (!Array.isArray(options) || options.some((o) => typeof o !== 'string')) invalidArgument('options', 'an array of the allowed strings', options);
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    invalidArgument(name, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, value);
  }
}

/** Checks that an object argument is a plain object (or undefined when optional). */
export function assertOptions(name: string, value: unknown): asserts value is Record<string, unknown> | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    invalidArgument(name, 'an options object', value);
  }
}

/** A required (non-null, non-array) object argument, e.g. an options object without defaults. */
export function assertObject(name: string, value: unknown, expected = 'an object'): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalidArgument(name, expected, value);
}

/** An array argument. */
export function assertArray(name: string, value: unknown, expected = 'an array'): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) invalidArgument(name, expected, value);
}

/** A function argument (a callback, an objective). */
export function assertFunction(name: string, value: unknown, expected = 'a function'): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') invalidArgument(name, expected, value);
}

/** A float32 tensor (maths that int32 or bool tensors cannot enter: square roots, logarithms, gradients). */
export function assertFloatTensor(name: string, value: unknown): asserts value is tf.Tensor {
  assertTensor(name, value);
  if (value.dtype !== 'float32') invalidArgument(name, 'a float32 tensor', value);
}

/** An array of { name, variable, trainable } (a module's variables). */
export function assertNamedVariables(name: string, value: unknown): asserts value is readonly { name: string; variable: tf.Variable; trainable: boolean }[] {
  if (typeof name !== 'string') invalidArgument('name', 'a string', name);
  if (!Array.isArray(value)) invalidArgument(name, 'an array of named variables ({ name, variable, trainable })', value);
  value.forEach((v: unknown, i) => {
    const item = v as { name?: unknown; variable?: unknown } | null;
    if (typeof item !== 'object' || item === null || typeof item.name !== 'string' || !isTensor(item.variable)) {
      invalidArgument(`${name}[${i}]`, 'a named variable ({ name, variable, trainable })', v);
    }
  });
}

/** A module (anything with a `variables` array of named variables). */
export function assertModule(name: string, value: unknown): asserts value is { variables: readonly { name: string; variable: tf.Variable; trainable: boolean }[] } {
  if (typeof name !== 'string') invalidArgument('name', 'a string', name);
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { variables?: unknown }).variables)) {
    invalidArgument(name, 'a module with a variables array', value);
  }
  assertNamedVariables(`${name}.variables`, (value as { variables: unknown }).variables);
}

/**
 * An Encoder (the contract in contracts.ts), duck-typed so that third-party encoders need not come from
 * `@selfsup/encoders`: `apply`, a `variables` array, an `inputShape` array and an integer `outputDim`.
 */
export function assertEncoder(name: string, value: unknown): asserts value is Encoder {
  const e = value as Partial<Encoder> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.apply !== 'function' ||
    !Array.isArray(e.variables) ||
    !Array.isArray(e.inputShape) ||
    !Number.isInteger(e.outputDim)
  ) {
    invalidArgument(name, 'an Encoder (apply, variables, inputShape, outputDim)', value);
  }
  if (e.layers !== undefined || e.applyLayers !== undefined) {
    const layers = e.layers as unknown;
    if (
      !Array.isArray(layers) ||
      layers.length === 0 ||
      layers.some((l) => typeof l !== 'string' || l.length === 0) ||
      new Set(layers).size !== layers.length ||
      layers[layers.length - 1] !== EMBEDDING_LAYER
    ) {
      invalidArgument(`${name}.layers`, `an array of unique layer names ending with "${EMBEDDING_LAYER}" (given with applyLayers)`, layers);
    }
    if (typeof e.applyLayers !== 'function') invalidArgument(`${name}.applyLayers`, 'a function (inputs, names, options) => { [name]: tensor } (given with layers)', e.applyLayers);
  }
}

/**
 * The layers a probe can read from `encoder`, from input to output: its {@link Encoder.layers}, or
 * `["embedding"]` for an encoder that names none (raw pixels, most third-party encoders).
 */
export function encoderLayers(encoder: Encoder): readonly string[] {
  assertEncoder('encoder', encoder);
  return encoder.layers ?? [EMBEDDING_LAYER];
}

/**
 * Resolves a layer argument against `encoder`: a layer name gives that layer, `"all"` every layer (input to output).
 * An unknown name is an INVALID_ARGUMENT error naming `name` and listing the encoder's layers.
 */
export function resolveLayers(name: string, encoder: Encoder, layer: string): readonly string[] {
  const layers = encoderLayers(encoder);
  if (layer === 'all') return layers;
  if (typeof layer !== 'string' || !layers.includes(layer)) {
    const none = encoder.layers === undefined ? ` (${encoder.architecture ?? 'this encoder'} names no intermediate layers)` : '';
    invalidArgument(name, `a layer of ${encoder.architecture ?? 'the encoder'}: ${layers.join(', ')} or all${none}`, layer);
  }
  return [layer];
}

/**
 * Checks the members of an object argument that must be `what`, in order; the first wrong one is the error, named
 * `name.member`, with the contract it belongs to.
 */
function assertMembers(name: string, value: unknown, what: string, members: readonly [string, (member: unknown) => boolean, string][]): void {
  if (typeof name !== 'string') invalidArgument('name', 'a string', name);
  assertObject(name, value, what);
  for (const [member, ok, expected] of members) {
    if (!ok(value[member])) invalidArgument(`${name}.${member}`, `${expected} (${name} must be ${what})`, value[member]);
  }
}

const isFunction = (v: unknown): boolean => typeof v === 'function';
const isOptionalFunction = (v: unknown): boolean => v === undefined || typeof v === 'function';

/**
 * An ImageDataset (the contract in contracts.ts), duck-typed so that any object with `getBatch`, an integer `size`
 * and an `imageShape` array will do.
 */
export function assertDataset(name: string, value: unknown): asserts value is ImageDataset {
  assertMembers(name, value, 'an ImageDataset ({ size, imageShape, getBatch() })', [
    ['getBatch', isFunction, 'a function (indices) => Promise<Batch>'],
    ['size', (v) => Number.isInteger(v) && (v as number) >= 0, 'an integer >= 0'],
    ['imageShape', Array.isArray, 'an array [height, width, channels]'],
    ['labels', isOptionalFunction, 'a function when given'],
  ]);
}

/**
 * An SSLMethod (the contract in contracts.ts), duck-typed so that third-party methods qualify: a `name`, an Encoder
 * (see {@link assertEncoder}), named `variables`, `loss` and `dispose` (and `metrics`, `afterStep` functions when given).
 */
export function assertMethod(name: string, value: unknown): asserts value is SSLMethod {
  assertMembers(name, value, 'an SSLMethod ({ name, encoder, variables, loss(), dispose() })', [
    ['name', (v) => typeof v === 'string', 'a string'],
    ['loss', isFunction, 'a function (batch, context) => scalar loss'],
    ['dispose', isFunction, 'a function'],
    ['metrics', isOptionalFunction, 'a function when given'],
    ['afterStep', isOptionalFunction, 'a function when given'],
  ]);
  const method = value as { encoder: unknown; variables: unknown };
  assertEncoder(`${name}.encoder`, method.encoder);
  assertNamedVariables(`${name}.variables`, method.variables);
}

/** Bytes: a Uint8Array (a Node Buffer is one). */
export function assertBytes(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) invalidArgument(name, 'a Uint8Array (or Buffer) of bytes', value);
}
