import * as tf from '@tensorflow/tfjs-core';
import { labToRgb } from '@selfsup/augment';
import { type Rng, assertInRange, assertInteger, assertNonNegative, assertOptions, assertRng, createRng, invalidArgument } from '@selfsup/tensors';

/*
 * Synthetic videos with ground-truth masks, for tests and benchmarks: textured objects that move, scale, rotate and
 * occlude each other over a textured background that pans, under flickering light and sensor noise. Objects and
 * background draw their colors from one small palette per video, so color alone does not tell them apart: the
 * texture (visible in grey) and the motion do. The palette pairs colors of equal lightness, so grey alone does not
 * tell the color either.
 */

type Rgb = readonly [number, number, number];
/** A texture: color at local coordinates (pixels, relative to the texture's origin). */
type Texture = (u: number, v: number) => Rgb;

export interface SyntheticVideoOptions {
  /** Frame height. Default 64. */
  readonly height?: number;
  /** Frame width. Default 64. */
  readonly width?: number;
  /** Number of frames. Default 24. */
  readonly frames?: number;
  /** Number of objects (ids 1..n). Default 3. */
  readonly objects?: number;
  /** Object radius range as a fraction of the frame's smaller side. Default [0.14, 0.24]. */
  readonly objectSize?: readonly [number, number];
  /** Largest object speed in pixels per frame. Default 2.5. */
  readonly maxSpeed?: number;
  /** Largest relative size change over the video (0.3: up to +-30 %). Default 0.3. */
  readonly scaleChange?: number;
  /** Largest background pan speed in pixels per frame. Default 1. */
  readonly backgroundSpeed?: number;
  /** Amplitude of the global brightness flicker (0.15: +-15 %). Default 0.1. */
  readonly flicker?: number;
  /** Standard deviation of the per-pixel Gaussian noise (in [0, 1] units). Default 0.02. */
  readonly noise?: number;
  /** Colors in the video's palette, shared by objects and background, in pairs of equal lightness. Default 6. */
  readonly paletteSize?: number;
}

export interface SyntheticVideo {
  /** sRGB frames [T, H, W, 3] in [0, 1]. */
  readonly frames: tf.Tensor4D;
  /** Ground truth [T, H, W] int32: 0 background, 1..n the visible (front-most) object. */
  readonly masks: tf.Tensor3D;
  readonly numObjects: number;
}

const clamp01 = (x: number) => Math.min(Math.max(x, 0), 1);

/**
 * A palette whose colors come in groups of equal lightness (Lab L) and different hue: in grey, colors of one group
 * look the same, so predicting a color from grey alone is ambiguous and needs correspondence (as in real video).
 */
function randomPalette(rng: Rng, size: number): Rgb[] {
  const levels = Math.max(1, Math.floor(size / 2));
  const lightness = Array.from({ length: levels }, (_, i) => 30 + ((i + rng.uniform(0.2, 0.8)) / levels) * 55);
  const phase = rng.uniform(0, 2 * Math.PI);
  const lab = Array.from({ length: size }, (_, i) => {
    const hue = phase + (2 * Math.PI * i) / size + rng.uniform(-0.2, 0.2);
    const chroma = rng.uniform(25, 45);
    return [lightness[i % levels] as number, chroma * Math.cos(hue), chroma * Math.sin(hue)];
  });
  const rgb = tf.tidy(() => labToRgb(tf.tensor2d(lab.flat(), [size, 3])).arraySync() as number[][]);
  return rgb.map((c) => [c[0] as number, c[1] as number, c[2] as number]);
}

/** The palette colors other than `a` whose lightness differs from `a`'s (so that a two-color pattern shows in grey). */
function contrasting(palette: readonly Rgb[], a: Rgb): Rgb[] {
  const luma = (c: Rgb) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  const others = palette.filter((c) => c !== a && Math.abs(luma(c) - luma(a)) > 0.08);
  return others.length > 0 ? others : palette.filter((c) => c !== a);
}

/** Smooth value noise: bilinear interpolation of a random lattice with spacing `cell`, wrapped with period `size`. */
function valueNoise(rng: Rng, cell: number, size = 64): (u: number, v: number) => number {
  const lattice = rng.uniformArray(size * size);
  const at = (i: number, j: number) => lattice[(((i % size) + size) % size) * size + (((j % size) + size) % size)] as number;
  return (u, v) => {
    const x = u / cell;
    const y = v / cell;
    const i = Math.floor(y);
    const j = Math.floor(x);
    const fy = y - i;
    const fx = x - j;
    const sy = fy * fy * (3 - 2 * fy);
    const sx = fx * fx * (3 - 2 * fx);
    const top = at(i, j) * (1 - sx) + at(i, j + 1) * sx;
    const bottom = at(i + 1, j) * (1 - sx) + at(i + 1, j + 1) * sx;
    return top * (1 - sy) + bottom * sy;
  };
}

/** A random texture made of palette colors: stripes, checks, dots, rings or blotches. */
function randomTexture(rng: Rng, palette: readonly Rgb[], scale: number): Texture {
  const a = rng.choice(palette);
  const b = rng.choice(contrasting(palette, a));
  const kind = rng.int(0, 5);
  const period = scale * rng.uniform(0.35, 0.9);
  const angle = rng.uniform(0, Math.PI);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  switch (kind) {
    case 0:
      return (u, v) => (Math.sin(((u * c + v * s) / period) * 2 * Math.PI) > 0 ? a : b);
    case 1:
      return (u, v) => ((Math.floor((u * c + v * s) / period) + Math.floor((v * c - u * s) / period)) % 2 === 0 ? a : b);
    case 2: {
      const radius = period * rng.uniform(0.2, 0.35);
      return (u, v) => {
        const x = ((((u * c + v * s) % period) + period) % period) - period / 2;
        const y = ((((v * c - u * s) % period) + period) % period) - period / 2;
        return x * x + y * y < radius * radius ? a : b;
      };
    }
    case 3:
      return (u, v) => (Math.sin((Math.hypot(u, v) / period) * 2 * Math.PI) > 0 ? a : b);
    default: {
      const third = rng.choice(contrasting(palette, b));
      const noise = valueNoise(rng, period * 0.6);
      return (u, v) => {
        const n = noise(u + 1000, v + 1000);
        return n < 0.38 ? a : n < 0.62 ? b : third;
      };
    }
  }
}

interface ObjectTrack {
  readonly texture: Texture;
  readonly radius: number;
  /** Shape: radius multiplier as a function of the polar angle (an ellipse or a wobbly blob). */
  readonly outline: (theta: number) => number;
  readonly x0: number;
  readonly y0: number;
  readonly vx: number;
  readonly vy: number;
  readonly scalePhase: number;
  readonly scaleRate: number;
  readonly angle0: number;
  readonly spin: number;
}

/** Reflects a coordinate into [lo, hi] (objects bounce off the frame's edges). */
function bounce(x: number, lo: number, hi: number): number {
  const span = hi - lo;
  if (span <= 0) return (lo + hi) / 2;
  const m = (((x - lo) % (2 * span)) + 2 * span) % (2 * span);
  return lo + (m <= span ? m : 2 * span - m);
}

function checkOptions(options: SyntheticVideoOptions): void {
  assertOptions('options', options);
  if (options.height !== undefined) assertInteger('options.height', options.height, 8, 1024);
  if (options.width !== undefined) assertInteger('options.width', options.width, 8, 1024);
  if (options.frames !== undefined) assertInteger('options.frames', options.frames, 1, 10000);
  if (options.objects !== undefined) assertInteger('options.objects', options.objects, 1, 255);
  if (options.paletteSize !== undefined) assertInteger('options.paletteSize', options.paletteSize, 2, 64);
  if (options.maxSpeed !== undefined) assertNonNegative('options.maxSpeed', options.maxSpeed);
  if (options.backgroundSpeed !== undefined) assertNonNegative('options.backgroundSpeed', options.backgroundSpeed);
  if (options.scaleChange !== undefined) assertInRange('options.scaleChange', options.scaleChange, 0, 0.9);
  if (options.flicker !== undefined) assertInRange('options.flicker', options.flicker, 0, 0.9);
  if (options.noise !== undefined) assertInRange('options.noise', options.noise, 0, 1);
  if (options.objectSize !== undefined) {
    if (!Array.isArray(options.objectSize) || options.objectSize.length !== 2) {
      invalidArgument('options.objectSize', 'a [low, high] pair of fractions', options.objectSize);
    }
    const [lo, hi] = options.objectSize;
    assertInRange('options.objectSize[0]', lo, 0.01, 0.5);
    assertInRange('options.objectSize[1]', hi, lo, 0.5);
  }
}

/** One synthetic video (frames and masks), every random choice drawn from `rng`. The caller owns the tensors. */
export function syntheticVideo(rng: Rng, options: SyntheticVideoOptions = {}): SyntheticVideo {
  assertRng('rng', rng);
  checkOptions(options);
  const h = options.height ?? 64;
  const w = options.width ?? 64;
  const t = options.frames ?? 24;
  const n = options.objects ?? 3;
  const [sizeLo, sizeHi] = options.objectSize ?? [0.14, 0.24];
  const maxSpeed = options.maxSpeed ?? 2.5;
  const scaleChange = options.scaleChange ?? 0.3;
  const bgSpeed = options.backgroundSpeed ?? 1;
  const flicker = options.flicker ?? 0.1;
  const noise = options.noise ?? 0.02;
  const side = Math.min(h, w);
  const palette = randomPalette(rng, options.paletteSize ?? 6);

  // Background: two textures blended by a smooth mask, panning with a constant velocity.
  const bgA = randomTexture(rng, palette, side * 0.25);
  const bgB = randomTexture(rng, palette, side * 0.4);
  const bgMix = valueNoise(rng, side * 0.5);
  const background: Texture = (u, v) => (bgMix(u + 500, v + 500) < 0.5 ? bgA(u, v) : bgB(u, v));
  const bgAngle = rng.uniform(0, 2 * Math.PI);
  const bgVelocity = rng.uniform(0, bgSpeed);
  const [bgVx, bgVy] = [bgVelocity * Math.cos(bgAngle), bgVelocity * Math.sin(bgAngle)];

  const tracks: ObjectTrack[] = [];
  for (let k = 0; k < n; k++) {
    const radius = side * rng.uniform(sizeLo, sizeHi);
    const elongation = rng.uniform(0.65, 1);
    const wobble = rng.uniform(0, 0.2);
    const lobes = rng.int(2, 6);
    const lobePhase = rng.uniform(0, 2 * Math.PI);
    const outline = (theta: number) =>
      (elongation / Math.hypot(elongation * Math.cos(theta), Math.sin(theta))) * (1 + wobble * Math.sin(lobes * theta + lobePhase));
    // First-frame positions spread out (rejection sampling), so that every object starts mostly visible.
    let x0 = 0;
    let y0 = 0;
    for (let attempt = 0; attempt < 50; attempt++) {
      x0 = rng.uniform(radius, w - radius);
      y0 = rng.uniform(radius, h - radius);
      if (tracks.every((o) => Math.hypot(o.x0 - x0, o.y0 - y0) > 0.9 * (o.radius + radius))) break;
    }
    const speed = rng.uniform(0.4, 1) * maxSpeed;
    const heading = rng.uniform(0, 2 * Math.PI);
    tracks.push({
      texture: randomTexture(rng, palette, radius),
      radius,
      outline,
      x0,
      y0,
      vx: speed * Math.cos(heading),
      vy: speed * Math.sin(heading),
      scalePhase: rng.uniform(0, 2 * Math.PI),
      scaleRate: rng.uniform(0.5, 1.5) * ((2 * Math.PI) / Math.max(t, 2)),
      angle0: rng.uniform(0, 2 * Math.PI),
      spin: rng.uniform(-0.05, 0.05),
    });
  }
  const flickerPhase = rng.uniform(0, 2 * Math.PI);
  const flickerRate = rng.uniform(0.3, 0.9);

  const pixels = new Float32Array(t * h * w * 3);
  const labels = new Int32Array(t * h * w);
  for (let f = 0; f < t; f++) {
    const gain = 1 + flicker * Math.sin(flickerRate * f + flickerPhase);
    const placed = tracks.map((o) => {
      const scale = 1 + (scaleChange / 2) * (Math.sin(o.scalePhase + o.scaleRate * f) - Math.sin(o.scalePhase));
      const r = o.radius * scale;
      return {
        r,
        scale,
        cx: bounce(o.x0 + o.vx * f, r * 0.5, w - r * 0.5),
        cy: bounce(o.y0 + o.vy * f, r * 0.5, h - r * 0.5),
        angle: o.angle0 + o.spin * f,
      };
    });
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let color: Rgb | undefined;
        let label = 0;
        // Later objects are in front: search from the front.
        for (let k = n - 1; k >= 0 && color === undefined; k--) {
          const o = tracks[k] as ObjectTrack;
          const p = placed[k] as (typeof placed)[number];
          const dx = x + 0.5 - p.cx;
          const dy = y + 0.5 - p.cy;
          const dist = Math.hypot(dx, dy);
          if (dist > 1.4 * p.r) continue;
          const theta = Math.atan2(dy, dx) - p.angle;
          if (dist <= p.r * o.outline(theta)) {
            // Texture coordinates turn and scale with the object.
            const [c, s] = [Math.cos(-p.angle), Math.sin(-p.angle)];
            color = o.texture((dx * c - dy * s) / p.scale, (dx * s + dy * c) / p.scale);
            label = k + 1;
          }
        }
        color ??= background(x + bgVx * f, y + bgVy * f);
        const i = (f * h + y) * w + x;
        labels[i] = label;
        for (let ch = 0; ch < 3; ch++) {
          pixels[3 * i + ch] = clamp01((color[ch] as number) * gain + (noise > 0 ? rng.normal(0, noise) : 0));
        }
      }
    }
  }
  return { frames: tf.tensor4d(pixels, [t, h, w, 3]), masks: tf.tensor3d(labels, [t, h, w], 'int32'), numObjects: n };
}

/** Most videos one call makes. */
const MAX_VIDEOS = 10_000;

/** `count` independent videos from `seed` (video i from the i-th fork of createRng(seed)). */
export function syntheticVideos(count: number, seed: number, options: SyntheticVideoOptions = {}): SyntheticVideo[] {
  // Bounded: every video is built at once (2^40 would be an invalid array length, not a long wait).
  assertInteger('count', count, 1, MAX_VIDEOS);
  assertInteger('seed', seed);
  checkOptions(options);
  const root = createRng(seed);
  return Array.from({ length: count }, () => syntheticVideo(root.fork(), options));
}
