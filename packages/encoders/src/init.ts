import * as tf from '@tensorflow/tfjs-core';
import { type Rng, assertInteger, assertOneOf, assertRng, createRng, invalidArgument } from '@selfsup/tensors';

/**
 * Where a layer's initial weights come from: an `Rng` the caller already draws from (several layers share one, in
 * construction order), or a `seed` for a fresh generator. Neither means seed 0. Same seed, same weights.
 */
export interface InitOptions {
  readonly rng?: Rng;
  readonly seed?: number;
}

/**
 * Weight initialisers.
 * - `heNormal`: N(0, 2 / fan) (He et al. 2015, "Delving Deep into Rectifiers"), for layers followed by ReLU.
 * - `heUniform`: U(-sqrt(6 / fan), sqrt(6 / fan)), the same variance.
 * - `glorotUniform`: U(-sqrt(6 / (fanIn + fanOut)), ...) (Glorot & Bengio 2010), for layers without a rectifier.
 * - `torchDefault`: U(-1 / sqrt(fanIn), 1 / sqrt(fanIn)), what PyTorch's nn.Linear / nn.Conv2d start from.
 */
export const INITIALIZERS = ['heNormal', 'heUniform', 'glorotUniform', 'torchDefault'] as const;
export type Initializer = (typeof INITIALIZERS)[number];

/** Which fan He initialisation scales by: `fanIn` preserves forward variance, `fanOut` backward (torchvision's ResNet). */
export const FAN_MODES = ['fanIn', 'fanOut'] as const;
export type FanMode = (typeof FAN_MODES)[number];

let skipDepth = 0;

/**
 * Runs `build` with weight initialisation replaced by zeros: for rebuilding a module whose every variable is about
 * to be overwritten (a checkpoint load, a momentum copy), which saves drawing millions of normals. Internal.
 */
export function withoutInitialisation<T>(build: () => T): T {
  skipDepth += 1;
  try {
    return build();
  } finally {
    skipDepth -= 1;
  }
}

const TWO_POW_32 = 4294967296;

/**
 * Normal samples from 32-bit draws, both Box-Muller outputs used: one draw per value, about 2.5x faster than
 * `rng.normalArray` (which spends 53 bits per uniform and one normal per pair). Initialisation needs no more precision,
 * and ResNet-18 has 11M weights.
 */
function normals(rng: Rng, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = (rng.nextUint32() + 0.5) / TWO_POW_32; // in (0, 1): log(u) is finite
    const angle = (2 * Math.PI * rng.nextUint32()) / TWO_POW_32;
    const radius = std * Math.sqrt(-2 * Math.log(u));
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** Uniform samples in [-bound, bound) from one 32-bit draw each. */
function uniforms(rng: Rng, count: number, bound: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = bound * ((2 * rng.nextUint32()) / TWO_POW_32 - 1);
  return out;
}

/** Resolves `{ rng }` / `{ seed }` to a generator (validating both). */
export function resolveRng(options: InitOptions, name = 'options'): Rng {
  if (typeof name !== 'string') invalidArgument('name', 'a string', name);
  if (typeof options !== 'object' || options === null) invalidArgument(name, 'an options object (with rng or seed)', options);
  if (options.rng !== undefined) {
    assertRng(`${name}.rng`, options.rng);
    if (options.seed !== undefined) invalidArgument(`${name}.seed`, 'absent when rng is given (pass one of rng, seed)', options.seed);
    return options.rng;
  }
  if (options.seed !== undefined) assertInteger(`${name}.seed`, options.seed);
  return createRng(options.seed ?? 0);
}

/**
 * Draws a weight tensor of `shape` whose fans are `fanIn` / `fanOut` (for a conv kernel [kh, kw, in, out]:
 * kh * kw * in and kh * kw * out).
 */
export function initialWeights(
  shape: readonly number[],
  fans: { readonly fanIn: number; readonly fanOut: number },
  rng: Rng,
  init: Initializer = 'heNormal',
  fanMode: FanMode = 'fanIn',
): tf.Tensor {
  assertOneOf('init', init, INITIALIZERS);
  assertOneOf('fanMode', fanMode, FAN_MODES);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 1 << 24)) {
    invalidArgument('shape', 'an array of sizes (integers >= 0)', shape);
  }
  if (typeof fans !== 'object' || fans === null) invalidArgument('fans', 'an object { fanIn, fanOut }', fans);
  assertRng('rng', rng);
  assertInteger('fans.fanIn', fans.fanIn, 1);
  assertInteger('fans.fanOut', fans.fanOut, 1);
  if (skipDepth > 0) return tf.zeros([...shape]);
  const size = shape.reduce((a, b) => a * b, 1);
  const fan = fanMode === 'fanIn' ? fans.fanIn : fans.fanOut;
  let values: Float32Array;
  switch (init) {
    case 'heNormal':
      values = normals(rng, size, Math.sqrt(2 / fan));
      break;
    case 'heUniform': {
      values = uniforms(rng, size, Math.sqrt(6 / fan));
      break;
    }
    case 'glorotUniform': {
      values = uniforms(rng, size, Math.sqrt(6 / (fans.fanIn + fans.fanOut)));
      break;
    }
    case 'torchDefault': {
      values = uniforms(rng, size, 1 / Math.sqrt(fans.fanIn));
      break;
    }
  }
  return tf.tensor(values, [...shape], 'float32');
}
