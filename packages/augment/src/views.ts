import { type Json, type JsonObject, type OptionSchema, assertOptions, invalidArgument, assertObject } from '@selfsup/tensors';
import { gaussianBlur, simclrKernelSize } from './blur.js';
import { colorJitter } from './color-jitter.js';
import { randomAffine } from './affine.js';
import { randomResizedCrop } from './crop.js';
import { randomGrayscale } from './grayscale.js';
import { assertSize } from './images.js';
import { clampPixels, compose, type ImageTransform, randomApply } from './pipeline.js';
import { randomSolarize } from './solarize.js';

/**
 * The parameters of the two-view augmentation of the joint-embedding methods (SimCLR, MoCo, BYOL, SimSiam, Barlow
 * Twins, VICReg), as JSON: the keys of {@link viewOptionSchema}, which method presets add to their option schema.
 */
export interface ViewParameters {
  /** Random resized crop: range of the crop's share of the image area, [min, max] in (0, 1]. */
  readonly cropScale: readonly [number, number];
  /** Random resized crop: range of the crop's aspect ratio (width / height), [min, max]. */
  readonly cropRatio: readonly [number, number];
  /** Probability of a horizontal flip. */
  readonly flipProbability: number;
  /** Color jitter [brightness, contrast, saturation, hue] (torchvision's ColorJitter arguments; all 0: none). */
  readonly colorJitter: readonly [number, number, number, number];
  /** Probability the color jitter is applied. */
  readonly colorJitterProbability: number;
  /** Probability of converting to grey (no effect on one-channel images). */
  readonly grayscaleProbability: number;
  /** Probability of a Gaussian blur: one value for both views, or [first view, second view]. */
  readonly blurProbability: readonly number[];
  /** Range of the blur's sigma in pixels, [min, max] (drawn uniformly per image). */
  readonly blurSigma: readonly [number, number];
  /** Probability of solarizing: one value for both views, or [first view, second view]. */
  readonly solarizeProbability: readonly number[];
  /**
   * Side in pixels of the square views the random resized crop outputs; absent: the image's size. Smaller views cost
   * less per step (about (side / image side)^2) and, as in FixRes (Touvron et al. 2019), an encoder that pools globally
   * can still embed the full-size images at evaluation: the crop's zoom already shows it objects larger than in views
   * of the whole image.
   */
  readonly viewSize?: number;
  /**
   * Random rotation of each view, uniform in [-rotationDegrees, rotationDegrees], after the crop; absent or 0: none.
   * With `shearDegrees`, torchvision's `RandomAffine`: the slant and stroke-angle variation of handwriting.
   */
  readonly rotationDegrees?: number;
  /** Random horizontal shear of each view, uniform in [-shearDegrees, shearDegrees] degrees; absent or 0: none. */
  readonly shearDegrees?: number;
}

/** The keys of {@link ViewParameters}, in the order the option schema lists them. */
export const VIEW_PARAMETER_KEYS: readonly (keyof ViewParameters)[] = [
  'cropScale',
  'cropRatio',
  'flipProbability',
  'colorJitter',
  'colorJitterProbability',
  'grayscaleProbability',
  'blurProbability',
  'blurSigma',
  'solarizeProbability',
  'viewSize',
  'rotationDegrees',
  'shearDegrees',
];

/**
 * An option schema for the view parameters with the given defaults (a method preset spreads it into its own schema,
 * so `--crop-scale 0.3,1` or `"cropScale": [0.3, 1]` set them).
 */
export function viewOptionSchema(defaults: ViewParameters): OptionSchema {
  checkViewParameters('defaults', defaults as unknown as JsonObject);
  const d = defaults;
  const arr = (v: readonly number[]): Json => [...v];
  return {
    cropScale: { type: 'number[]', description: "views: random resized crop's area range [min, max]", default: arr(d.cropScale), min: 0, max: 1 },
    cropRatio: { type: 'number[]', description: "views: random resized crop's aspect-ratio range [min, max]", default: arr(d.cropRatio), min: 0, exclusiveMin: true },
    flipProbability: { type: 'number', description: 'views: probability of a horizontal flip', default: d.flipProbability, min: 0, max: 1 },
    colorJitter: {
      type: 'number[]',
      description: 'views: color jitter [brightness, contrast, saturation, hue] (one-channel images: brightness and contrast only)',
      default: arr(d.colorJitter),
      min: 0,
    },
    colorJitterProbability: { type: 'number', description: 'views: probability the color jitter is applied', default: d.colorJitterProbability, min: 0, max: 1 },
    grayscaleProbability: { type: 'number', description: 'views: probability of turning a color image grey', default: d.grayscaleProbability, min: 0, max: 1 },
    blurProbability: { type: 'number[]', description: 'views: probability of a Gaussian blur, for both views or [first, second]', default: arr(d.blurProbability), min: 0, max: 1 },
    blurSigma: { type: 'number[]', description: "views: range of the blur's sigma in pixels [min, max]", default: arr(d.blurSigma), min: 0, exclusiveMin: true },
    solarizeProbability: { type: 'number[]', description: 'views: probability of solarizing, for both views or [first, second]', default: arr(d.solarizeProbability), min: 0, max: 1 },
    viewSize: {
      type: 'integer',
      description: "views: side in pixels of the square views (the crop's output; default: the image's size; smaller views train faster, and the encoder must accept any size)",
      ...(d.viewSize !== undefined ? { default: d.viewSize } : {}),
      min: 1,
    },
    // No default unless the method sets one: absent is no such step, and run configs made before these keys resolve
    // as they did.
    rotationDegrees: {
      type: 'number',
      description: 'views: random rotation in [-d, d] degrees after the crop (default none)',
      ...(d.rotationDegrees !== undefined ? { default: d.rotationDegrees } : {}),
      min: 0,
      max: 89,
    },
    shearDegrees: {
      type: 'number',
      description: 'views: random horizontal shear in [-d, d] degrees after the crop (default none)',
      ...(d.shearDegrees !== undefined ? { default: d.shearDegrees } : {}),
      min: 0,
      max: 89,
    },
  };
}

function range(where: string, value: unknown, max?: number): [number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && (max === undefined || v <= max)) &&
    (value[0] as number) <= (value[1] as number);
  if (!ok) invalidArgument(where, `a range [min, max] of two numbers, 0 < min <= max${max !== undefined ? ` <= ${max}` : ''}`, value);
  return [value[0], value[1]];
}

function probability(where: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) invalidArgument(where, 'a probability in [0, 1]', value);
  return value;
}

function perView(where: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || (value.length !== 1 && value.length !== 2)) invalidArgument(where, 'one probability (both views) or two ([first view, second view])', value);
  const [a, b] = value.map((v, i) => probability(`${where}[${i}]`, v));
  return [a as number, b ?? (a as number)];
}

/** Checks view parameters taken from JSON (a method's resolved options), naming `${name}.<key>` on an error. */
export function checkViewParameters(name: string, values: JsonObject): ViewParameters {
  if (typeof name !== 'string') invalidArgument('name', 'a string (the argument name, for messages)', name);
  assertObject(name, values as unknown, 'an object of view parameters');
  const jitter = values['colorJitter'];
  if (!Array.isArray(jitter) || jitter.length !== 4 || !jitter.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) || (jitter[3] as number) > 0.5) {
    invalidArgument(`${name}.colorJitter`, 'four numbers >= 0 [brightness, contrast, saturation, hue], hue <= 0.5', jitter);
  }
  return {
    cropScale: range(`${name}.cropScale`, values['cropScale'], 1),
    cropRatio: range(`${name}.cropRatio`, values['cropRatio']),
    flipProbability: probability(`${name}.flipProbability`, values['flipProbability']),
    colorJitter: jitter as unknown as [number, number, number, number],
    colorJitterProbability: probability(`${name}.colorJitterProbability`, values['colorJitterProbability']),
    grayscaleProbability: probability(`${name}.grayscaleProbability`, values['grayscaleProbability']),
    blurProbability: perView(`${name}.blurProbability`, values['blurProbability']),
    blurSigma: range(`${name}.blurSigma`, values['blurSigma']),
    solarizeProbability: perView(`${name}.solarizeProbability`, values['solarizeProbability']),
    ...viewSizeOf(`${name}.viewSize`, values['viewSize']),
    ...angleOf(`${name}.rotationDegrees`, 'rotationDegrees', values['rotationDegrees']),
    ...angleOf(`${name}.shearDegrees`, 'shearDegrees', values['shearDegrees']),
  };
}

// Absent (undefined or JSON null) or 0: no such step.
function angleOf<K extends 'rotationDegrees' | 'shearDegrees'>(where: string, key: K, value: unknown): { [k in K]?: number } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'number' || !(value >= 0 && value < 90)) invalidArgument(where, 'absent, or an angle in degrees in [0, 90)', value);
  return value === 0 ? {} : ({ [key]: value } as { [k in K]?: number });
}

// Absent (undefined or JSON null): the views keep the image's size.
function viewSizeOf(where: string, value: unknown): { viewSize?: number } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 8192) invalidArgument(where, 'absent, or an integer side in [1, 8192] pixels', value);
  return { viewSize: value };
}

/**
 * The two view transforms of a joint-embedding method from its view parameters: random resized crop with the flip
 * fused in, color jitter (with its probability; on one-channel images brightness and contrast only, saturation and hue
 * having nothing to act on), random grayscale (color images only), Gaussian blur (kernel 10% of the side, as SimCLR)
 * and solarization with per-view probabilities, then a clamp to [0, 1]. Steps whose probability is 0 are left out. The views are
 * `viewSize` square when it is given, else `options.size`.
 *
 * The order is SimCLR's and BYOL's; MoCo v1's reference code draws the grayscale before the jitter, which this
 * pipeline does not reproduce.
 */
export function viewTransforms(parameters: ViewParameters, options: { readonly size: readonly [number, number]; readonly channels: number }): [ImageTransform, ImageTransform] {
  const p = checkViewParameters('parameters', parameters as unknown as JsonObject);
  assertOptions('options', options);
  assertSize('options.size', options.size);
  const { channels } = options;
  const size: readonly [number, number] = p.viewSize !== undefined ? [p.viewSize, p.viewSize] : options.size;
  if (channels !== 1 && channels !== 3) invalidArgument('options.channels', '1 or 3', channels);
  const [brightness, contrast, saturation, hue] = p.colorJitter;
  const jitter = channels === 3 ? { brightness, contrast, saturation, hue } : { brightness, contrast };
  const jitterOn = Object.values(jitter).some((v) => v > 0) && p.colorJitterProbability > 0;
  const view = (i: 0 | 1): ImageTransform => {
    const steps: ImageTransform[] = [randomResizedCrop({ size, scale: p.cropScale, ratio: p.cropRatio, flip: p.flipProbability })];
    if (p.rotationDegrees !== undefined || p.shearDegrees !== undefined) steps.push(randomAffine({ degrees: p.rotationDegrees ?? 0, shear: p.shearDegrees ?? 0 }));
    if (jitterOn) steps.push(randomApply(colorJitter(Object.fromEntries(Object.entries(jitter).filter(([, v]) => v > 0))), p.colorJitterProbability));
    if (channels === 3 && p.grayscaleProbability > 0) steps.push(randomGrayscale({ p: p.grayscaleProbability }));
    const blur = p.blurProbability[i] as number;
    if (blur > 0) steps.push(randomApply(gaussianBlur({ kernelSize: simclrKernelSize(size[0]), sigma: p.blurSigma }), blur));
    const solarize = p.solarizeProbability[i] as number;
    if (solarize > 0) steps.push(randomSolarize({ p: solarize }));
    steps.push(clampPixels());
    return compose(steps);
  };
  return [view(0), view(1)];
}
