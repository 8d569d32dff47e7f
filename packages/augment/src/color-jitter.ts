import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteNumber, assertOptions, invalidArgument } from '@selfsup/tensors';
import { shiftHue } from './hsv.js';
import { LUMA_WEIGHTS, assertImages, luma, mixChannels, perSample, selectRows } from './images.js';
import { assertTransformInputs, type ImageTransform } from './pipeline.js';

/** A strength `s` (the range [max(0, 1 - s), 1 + s], hue: [-s, s]) or an explicit [low, high] range. */
export type JitterRange = number | readonly [number, number];

export interface ColorJitterOptions {
  /** Brightness factor range around 1 (x -> f x). Default 0: off. */
  readonly brightness?: JitterRange;
  /** Contrast factor range around 1 (blend with the image's mean luma). Default 0: off. */
  readonly contrast?: JitterRange;
  /** Saturation factor range around 1 (blend with the luma image). Default 0: off. Ignored for grey images. */
  readonly saturation?: JitterRange;
  /** Hue shift range in turns, within [-0.5, 0.5]. Default 0: off. Ignored for grey images. */
  readonly hue?: JitterRange;
}

type Factor = number | ArrayLike<number>;

function factorTensor(name: string, factor: Factor, n: number, min: number, max: number): tf.Tensor {
  if (typeof factor === 'number') {
    if (!(factor >= min && factor <= max)) invalidArgument(name, `a number in [${min}, ${max}]`, factor);
    return tf.scalar(factor);
  }
  if (!Array.isArray(factor) && !(factor instanceof Float32Array) && !(factor instanceof Float64Array)) {
    invalidArgument(name, `a number or ${n} per-sample numbers in [${min}, ${max}]`, factor);
  }
  const values = Array.from(factor as ArrayLike<number>);
  if (values.length !== n || values.some((v) => typeof v !== 'number' || !(v >= min && v <= max))) {
    invalidArgument(name, `a number or ${n} per-sample numbers in [${min}, ${max}]`, factor);
  }
  return perSample(values);
}

/** Multiplies each image by its factor (torchvision `adjust_brightness`), clipped to [0, 1]. */
export function adjustBrightness(images: tf.Tensor4D, factor: Factor): tf.Tensor4D {
  assertImages('images', images);
  return tf.tidy(
    () => tf.clipByValue(tf.mul(images, factorTensor('factor', factor, images.shape[0], 0, Number.MAX_VALUE)), 0, 1) as tf.Tensor4D,
  );
}

/** Blends each image with its mean luma: f x + (1 - f) mean (torchvision `adjust_contrast`), clipped to [0, 1]. */
export function adjustContrast(images: tf.Tensor4D, factor: Factor): tf.Tensor4D {
  assertImages('images', images);
  return tf.tidy(() => {
    const f = factorTensor('factor', factor, images.shape[0], 0, Number.MAX_VALUE);
    const mean = tf.mean(luma(images), [1, 2, 3], true);
    return tf.clipByValue(tf.add(tf.mul(f, images), tf.mul(tf.sub(1, f), mean)), 0, 1) as tf.Tensor4D;
  });
}

/** Blends each image with its luma image: f x + (1 - f) luma (torchvision `adjust_saturation`). Grey: unchanged. */
export function adjustSaturation(images: tf.Tensor4D, factor: Factor): tf.Tensor4D {
  assertImages('images', images);
  return tf.tidy(() => {
    const f = factorTensor('factor', factor, images.shape[0], 0, Number.MAX_VALUE);
    if (images.shape[3] === 1) return tf.clone(images);
    return tf.clipByValue(tf.add(tf.mul(f, images), tf.mul(tf.sub(1, f), luma(images))), 0, 1) as tf.Tensor4D;
  });
}

/**
 * Rotates each image's hue by `shift` turns in [-0.5, 0.5]. `space: 'hsv'` (default) is torchvision's `adjust_hue`
 * (and TF's): through HSV, keeping each pixel's max and min channel. `space: 'yiq'` rotates the chroma plane of YIQ,
 * keeping each pixel's luma: a 3x3 matrix per image (see {@link yiqHueMatrix}), clipped to [0, 1]. Grey: unchanged.
 */
export function adjustHue(images: tf.Tensor4D, shift: Factor, options: { readonly space?: HueSpace } = {}): tf.Tensor4D {
  assertImages('images', images);
  assertOptions('options', options);
  const space = options.space ?? 'hsv';
  if (space !== 'hsv' && space !== 'yiq') invalidArgument('options.space', '"hsv" or "yiq"', space);
  const n = images.shape[0];
  tf.dispose(factorTensor('shift', shift, n, -0.5, 0.5));
  const shifts = typeof shift === 'number' ? new Array<number>(n).fill(shift) : Array.from(shift as ArrayLike<number>);
  return tf.tidy(() => {
    const s = factorTensor('shift', shift, n, -0.5, 0.5);
    if (images.shape[3] === 1) return tf.clone(images);
    if (space === 'hsv') return shiftHue(images, s);
    const angles = shifts.map((v) => -2 * Math.PI * v);
    return tf.clipByValue(
      yiqRotate(images, perSample(angles.map(Math.cos)), perSample(angles.map((v) => 1 - Math.cos(v))), perSample(angles.map(Math.sin))),
      0,
      1,
    ) as tf.Tensor4D;
  });
}

/** How color jitter rotates hue: through HSV (exact torchvision semantics) or as a YIQ chroma rotation (fast). */
export type HueSpace = 'hsv' | 'yiq';

const RGB_TO_YIQ = [
  [0.299, 0.587, 0.114],
  [0.596, -0.274, -0.322],
  [0.211, -0.523, 0.312],
];

function multiply3(a: readonly number[][], b: readonly number[][]): number[][] {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i]![0]! * b[0]![j]! + a[i]![1]! * b[1]![j]! + a[i]![2]! * b[2]![j]!));
}

function invert3(m: readonly number[][]): number[][] {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  const det = a! * (e! * i! - f! * h!) - b! * (d! * i! - f! * g!) + c! * (d! * h! - e! * g!);
  return [
    [(e! * i! - f! * h!) / det, (c! * h! - b! * i!) / det, (b! * f! - c! * e!) / det],
    [(f! * g! - d! * i!) / det, (a! * i! - c! * g!) / det, (c! * d! - a! * f!) / det],
    [(d! * h! - e! * g!) / det, (b! * g! - a! * h!) / det, (a! * e! - b! * d!) / det],
  ];
}

const YIQ_TO_RGB = invert3(RGB_TO_YIQ);

/**
 * The RGB matrix of a hue rotation by `shift` turns in YIQ: rotate the (I, Q) chroma plane, keep Y (BT.601 luma, the
 * same weights as grayscale and saturation). Positive shifts turn red towards yellow and green, as HSV hue does.
 * Row-major, applied as rgb' = M rgb.
 */
export function yiqHueMatrix(shift: number): number[][] {
  assertFiniteNumber('shift', shift);
  // In the (I, Q) plane red, yellow and green lie at decreasing angles, so an HSV-like positive shift turns clockwise.
  const phi = -2 * Math.PI * shift;
  const cos = Math.cos(phi);
  const sin = Math.sin(phi);
  const rotation = [
    [1, 0, 0],
    [0, cos, -sin],
    [0, sin, cos],
  ];
  return multiply3(YIQ_TO_RGB, multiply3(rotation, RGB_TO_YIQ));
}

/** P = T^-1 J T: the generator of rotations in the (I, Q) plane, as an RGB matrix (row-major, rgb' = P rgb). */
const YIQ_CHROMA_TURN = multiply3(
  YIQ_TO_RGB,
  multiply3(
    [
      [0, 0, 0],
      [0, 0, -1],
      [0, 1, 0],
    ],
    RGB_TO_YIQ,
  ),
);

/** The same matrix transposed, for x @ M over the channel axis. */
function rightFactor(m: readonly number[][]): number[][] {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => m[j]![i]!));
}

/** x @ LUMA_RIGHT puts the luma in every channel (the right factor of L, whose rows are all the luma weights). */
const LUMA_RIGHT = LUMA_WEIGHTS.map((w) => [w, w, w]);
const CHROMA_TURN_RIGHT = rightFactor(YIQ_CHROMA_TURN);

/**
 * The YIQ hue rotation as a sum of fixed channel mixes with per-sample weights: M(phi) = L + cos(phi) (I - L) +
 * sin(phi) P, where L replicates the luma (T^-1 diag(1, 0, 0) T) and P turns the chroma plane a quarter. Two
 * unbatched matMuls and per-sample scalars: wasm is far slower at a batched matMul with a 3x3 matrix per sample.
 */
function yiqRotate(images: tf.Tensor4D, cos: tf.Tensor, oneMinusCos: tf.Tensor, sin: tf.Tensor): tf.Tensor4D {
  return tf.tidy(
    () =>
      tf.addN([
        tf.mul(images, cos),
        tf.mul(mixChannels(images, LUMA_RIGHT), oneMinusCos),
        tf.mul(mixChannels(images, CHROMA_TURN_RIGHT), sin),
      ]) as tf.Tensor4D,
  );
}

const BRIGHTNESS = 0;
const CONTRAST = 1;
const SATURATION = 2;
const HUE = 3;

function resolveRange(name: string, value: JitterRange | undefined, hue: boolean): readonly [number, number] | undefined {
  if (value === undefined) return undefined;
  let range: readonly [number, number];
  if (typeof value === 'number') {
    if (hue) {
      if (!(value >= 0 && value <= 0.5)) invalidArgument(name, 'a number in [0, 0.5] or a [low, high] range within [-0.5, 0.5]', value);
      range = [-value, value];
    } else {
      if (!(value >= 0 && Number.isFinite(value))) invalidArgument(name, 'a finite number >= 0 or a [low, high] range with 0 <= low <= high', value);
      range = [Math.max(0, 1 - value), 1 + value];
    }
  } else {
    const [lo, hi] = Array.isArray(value) && value.length === 2 ? value : [Number.NaN, Number.NaN];
    const ok = hue ? lo >= -0.5 && lo <= hi && hi <= 0.5 : lo >= 0 && lo <= hi && Number.isFinite(hi);
    if (!ok) invalidArgument(name, hue ? 'a [low, high] range with -0.5 <= low <= high <= 0.5' : 'a [low, high] range with 0 <= low <= high', value);
    range = [lo, hi];
  }
  const identity = hue ? 0 : 1;
  return range[0] === identity && range[1] === identity ? undefined : range;
}

/**
 * Color jitter (torchvision's `ColorJitter`, SimCLR's `color_jitter_rand`; the color distortion of SimCLR, MoCo and
 * BYOL): each sample draws a brightness, contrast, saturation and hue factor and applies the four adjustments in its
 * own random order, clipping to [0, 1] after each (as SimCLR's code does).
 *
 * Batched by rounds: in round r every sample applies the r-th operation of its order. Brightness (b x), saturation
 * (s x + (1 - s) luma) and a YIQ hue rotation are 3x3 channel matrices and contrast is c x + (1 - c) mean-luma, so a
 * round is one batched matMul with a per-sample matrix, one per-sample offset and a clip, whatever the mix of
 * operations. `hueSpace: 'hsv'` rotates hue through HSV instead (torchvision's exact hue, several times slower: an HSV
 * round trip of the whole batch in every round that has a hue step). Grey images get brightness and contrast only.
 * An operation whose range is the identity is skipped, so zero strength returns the input unchanged.
 */
export function colorJitter(options: ColorJitterOptions & { readonly hueSpace?: HueSpace }): ImageTransform {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object', options);
  const ranges = [
    resolveRange('options.brightness', options.brightness, false),
    resolveRange('options.contrast', options.contrast, false),
    resolveRange('options.saturation', options.saturation, false),
    resolveRange('options.hue', options.hue, true),
  ] as const;
  const hueSpace = options.hueSpace ?? 'yiq';
  if (hueSpace !== 'hsv' && hueSpace !== 'yiq') invalidArgument('options.hueSpace', '"hsv" or "yiq"', hueSpace);
  return (images, rng) => {
    assertTransformInputs(images, rng);
    const [n, , , c] = images.shape;
    const enabled = [BRIGHTNESS, CONTRAST, SATURATION, HUE].filter((op) => ranges[op] !== undefined && (c === 3 || op < SATURATION));
    if (enabled.length === 0 || n === 0) return tf.clone(images);
    // Per sample: an order of the enabled operations (a uniform permutation) and one factor per operation.
    const orders: number[][] = [];
    const factors: number[][] = [];
    for (let i = 0; i < n; i++) {
      orders.push(rng.permutation(enabled.length).map((k) => enabled[k] as number));
      factors.push(
        [BRIGHTNESS, CONTRAST, SATURATION, HUE].map((op) => {
          const r = ranges[op];
          return r === undefined ? 0 : rng.uniform(r[0], r[1]);
        }),
      );
    }
    const weights = c === 3 ? (LUMA_WEIGHTS as readonly number[]) : [1];
    return tf.tidy(() => {
      let x: tf.Tensor4D = images;
      for (let round = 0; round < enabled.length; round++) {
        // Every operation is x' = clip(aI x + aL luma3(x) + aP turn(x) + aM meanLuma(x)), with per-sample scalars.
        const aI = new Float32Array(n);
        const aL = new Float32Array(n);
        const aP = new Float32Array(n);
        const aM = new Float32Array(n);
        const hsvMask: boolean[] = new Array<boolean>(n).fill(false);
        const hsvShift = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const op = orders[i]![round]!;
          const f = factors[i]![op]!;
          if (op === BRIGHTNESS) aI[i] = f;
          else if (op === CONTRAST) {
            aI[i] = f;
            aM[i] = 1 - f;
          } else if (op === SATURATION) {
            aI[i] = f;
            aL[i] = 1 - f;
          } else if (hueSpace === 'yiq') {
            const phi = -2 * Math.PI * f;
            aI[i] = Math.cos(phi);
            aL[i] = 1 - Math.cos(phi);
            aP[i] = Math.sin(phi);
          } else {
            aI[i] = 1;
            hsvMask[i] = true;
            hsvShift[i] = f;
          }
        }
        const terms: tf.Tensor[] = [tf.mul(x, perSample(aI))];
        if (aL.some((v) => v !== 0)) terms.push(tf.mul(mixChannels(x, LUMA_RIGHT), perSample(aL)));
        if (aP.some((v) => v !== 0)) terms.push(tf.mul(mixChannels(x, CHROMA_TURN_RIGHT), perSample(aP)));
        let sum = terms.length === 1 ? terms[0]! : tf.addN(terms);
        if (aM.some((v) => v !== 0)) {
          // Contrast blends with the mean luma of the image as it is at this step.
          const meanLuma = tf.matMul(tf.mean(tf.reshape(x, [n, -1, c]), 1), tf.tensor2d(weights as number[], [c, 1]));
          sum = tf.add(sum, tf.mul(tf.reshape(meanLuma, [n, 1, 1, 1]), perSample(aM)));
        }
        let y = tf.clipByValue(sum, 0, 1) as tf.Tensor4D;
        if (hsvMask.some(Boolean)) y = selectRows(hsvMask, tf.clipByValue(shiftHue(x, perSample(hsvShift)), 0, 1) as tf.Tensor4D, y);
        x = y;
      }
      return x;
    });
  };
}

