import { assertInteger } from './validate.js';
import { invalidArgument } from './errors.js';

/** Serialisable state of an {@link Rng}: four unsigned 32-bit words. */
export type RngState = readonly [number, number, number, number];

/**
 * The seeded random number generator every random choice in selfsup goes through
 * (xoshiro128**: fast, 2^128 - 1 period, passes BigCrush; seeded with splitmix32).
 * Same seed, same sequence, on every platform.
 */
export interface Rng {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number;
  /** Uniform integer in [low, high) (high exclusive). */
  int(low: number, high: number): number;
  /** Standard normal sample (Box-Muller). */
  normal(mean?: number, std?: number): number;
  /** True with probability `p`. */
  bernoulli(p: number): boolean;
  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[];
  /** Shuffles `items` in place and returns it. */
  shuffle<T>(items: T[]): T[];
  /** Picks one element uniformly. */
  choice<T>(items: readonly T[]): T;
  /** An integer seed for tf random ops (`tf.randomUniform(..., seed)`), drawn from this stream. */
  seed(): number;
  /** An independent generator derived from this one (advances this one by one draw). */
  fork(): Rng;
  /** Float32Array of uniform [low, high) samples. */
  uniformArray(n: number, low?: number, high?: number): Float32Array;
  /** Float32Array of normal samples. */
  normalArray(n: number, mean?: number, std?: number): Float32Array;
  /** Snapshot of the state (to checkpoint). */
  getState(): RngState;
  /** Restores a snapshot from {@link Rng.getState}. */
  setState(state: RngState): void;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

class Xoshiro128 implements Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(state: RngState) {
    this.setState(state);
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  float(): number {
    // 53 bits from two draws: every float in [0, 1) on a 2^-53 grid.
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    if (!(low <= high)) invalidArgument('high', `a number >= low (${low})`, high);
    return low + (high - low) * this.float();
  }

  int(low: number, high: number): number {
    assertInteger('low', low);
    assertInteger('high', high, low + 1);
    const range = high - low;
    if (range <= 0x100000000) {
      // Rejection sampling: no modulo bias.
      const limit = 0x100000000 - (0x100000000 % range);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return low + (x % range);
    }
    return low + Math.floor(this.float() * range);
  }

  normal(mean = 0, std = 1): number {
    let u = this.float();
    while (u === 0) u = this.float();
    const v = this.float();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) invalidArgument('p', 'a probability in [0, 1]', p);
    return this.float() < p;
  }

  permutation(n: number): number[] {
    assertInteger('n', n, 0);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) invalidArgument('items', 'a non-empty array', items);
    return items[this.int(0, items.length)] as T;
  }

  seed(): number {
    return this.nextUint32();
  }

  fork(): Rng {
    return createRng(this.nextUint32());
  }

  uniformArray(n: number, low = 0, high = 1): Float32Array {
    assertInteger('n', n, 0);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.float();
    return out;
  }

  normalArray(n: number, mean = 0, std = 1): Float32Array {
    assertInteger('n', n, 0);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }

  getState(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  setState(state: RngState): void {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      invalidArgument('state', 'four unsigned 32-bit integers', state);
    }
    if (state.every((w) => w === 0)) invalidArgument('state', 'not all zero', state);
    const [a, b, c, d] = state as RngState;
    [this.s0, this.s1, this.s2, this.s3] = [a, b, c, d];
  }
}

/**
 * Creates the seeded generator. `seed` is any integer (negative and large values are folded to 32 bits).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { createRng, initBackend } from '@selfsup/tensors';
 *
 * await initBackend();
 * const rng = createRng(42);
 * console.log(rng.int(0, 10), rng.permutation(5)); // the same numbers on every run
 * const noise = tf.randomNormal([2, 3], 0, 1, 'float32', rng.seed()); // tf's random ops take a seed drawn from it
 * const again = createRng(42);
 * console.log(again.int(0, 10)); // the same as the first draw above
 * noise.dispose();
 * ```
 */
export function createRng(seed: number): Rng {
  assertInteger('seed', seed);
  // The low 32 bits seed the state; the high bits (negative or large seeds) perturb it through a second stream, so
  // distinct safe integers give distinct states (folding hi into lo made -1 and 0 the same generator), and seeds in
  // [0, 2^32) keep the sequences they have always had.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const sm = splitmix32(lo);
  const high = hi === 0 ? () => 0 : splitmix32(hi ^ 0x5bd1e995);
  return new Xoshiro128([(sm() ^ high()) >>> 0, (sm() ^ high()) >>> 0, (sm() ^ high()) >>> 0, (sm() ^ high()) >>> 0]);
}

/** Checks that `value` is usable as a generator (for public APIs taking an rng). */
export function assertRng(name: string, value: unknown): asserts value is Rng {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as Rng).float !== 'function' ||
    typeof (value as Rng).nextUint32 !== 'function'
  ) {
    invalidArgument(name, 'an Rng from createRng(seed)', value);
  }
}

