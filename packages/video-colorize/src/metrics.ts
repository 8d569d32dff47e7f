import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertOptions, assertPositive, assertShape, invalidArgument } from '@selfsup/tensors';

/*
 * The DAVIS-2017 semi-supervised measures (Perazzi et al. 2016; Pont-Tuset et al. 2017): region similarity J (IoU)
 * and boundary accuracy F (boundary F-measure), following the reference code of davis2017-evaluation.
 */

/** A binary mask as plain pixels, row-major: non-zero means foreground. */
export interface BinaryMask {
  readonly height: number;
  readonly width: number;
  readonly data: ArrayLike<number>;
}

export interface BoundaryOptions {
  /** Tolerance as a fraction of the image diagonal: ceil(fraction x diagonal) pixels. Default 0.008 (DAVIS). */
  readonly toleranceFraction?: number;
  /** Tolerance in pixels; overrides `toleranceFraction`. */
  readonly tolerancePixels?: number;
}

export interface BoundaryScore {
  readonly precision: number;
  readonly recall: number;
  readonly f: number;
}

/** Checks a plain mask: integer sides >= 0 and exactly height x width pixels (an array or a typed array). */
function assertBinaryMask(name: string, value: unknown, expected = 'a { height, width, data } mask'): asserts value is BinaryMask {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof tf.Tensor) invalidArgument(name, expected, value);
  const mask = value as { height?: unknown; width?: unknown; data?: unknown };
  assertInteger(`${name}.height`, mask.height, 0);
  assertInteger(`${name}.width`, mask.width, 0);
  const data = mask.data;
  if (!Array.isArray(data) && !(ArrayBuffer.isView(data) && !(data instanceof DataView))) {
    invalidArgument(`${name}.data`, 'an array or typed array of pixels', data);
  }
  const length = (data as ArrayLike<number>).length;
  if (length !== mask.height * mask.width) {
    invalidArgument(`${name}.data`, `${mask.height * mask.width} pixels (height x width)`, `${length} pixels`);
  }
}

function maskOf(name: string, value: tf.Tensor | BinaryMask): BinaryMask {
  if (value instanceof tf.Tensor) {
    assertShape(name, value, [null, null]);
    return { height: value.shape[0] as number, width: value.shape[1] as number, data: value.dataSync() };
  }
  assertBinaryMask(name, value, 'a [H, W] tensor or a { height, width, data } mask');
  return value;
}

function sameSize(a: BinaryMask, b: BinaryMask): void {
  if (a.height !== b.height || a.width !== b.width) {
    invalidArgument('truth', `a mask of the prediction's size ${a.height}x${a.width}`, `${b.height}x${b.width}`);
  }
}

/** IoU of two binary masks; 1 when both are empty (DAVIS convention). */
export function iouOfMasks(prediction: BinaryMask, truth: BinaryMask): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < prediction.data.length; i++) {
    const p = (prediction.data[i] as number) !== 0;
    const t = (truth.data[i] as number) !== 0;
    if (p && t) inter += 1;
    if (p || t) union += 1;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * Region similarity J: intersection over union of two binary masks ([H, W] tensors or plain masks, non-zero =
 * foreground). J = 1 when both are empty.
 */
export function regionSimilarity(prediction: tf.Tensor | BinaryMask, truth: tf.Tensor | BinaryMask): number {
  const p = maskOf('prediction', prediction);
  const t = maskOf('truth', truth);
  sameSize(p, t);
  return iouOfMasks(p, t);
}

/** Boundary pixels of a binary mask, as DAVIS's seg2bmap: a pixel whose right, lower or lower-right neighbour differs. */
export function boundaryMap(mask: BinaryMask): Uint8Array {
  assertBinaryMask('mask', mask);
  const { height: h, width: w, data } = mask;
  const at = (y: number, x: number) => ((data[y * w + x] as number) !== 0 ? 1 : 0);
  const b = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = at(y, x);
      const e = x + 1 < w ? at(y, x + 1) : 0;
      const south = y + 1 < h ? at(y + 1, x) : 0;
      const se = x + 1 < w && y + 1 < h ? at(y + 1, x + 1) : 0;
      let v: number;
      if (y === h - 1 && x === w - 1) v = 0;
      else if (y === h - 1) v = s ^ e;
      else if (x === w - 1) v = s ^ south;
      else v = (s ^ e) | (s ^ south) | (s ^ se);
      b[y * w + x] = v;
    }
  }
  return b;
}

/** Dilation by a disk of radius r (the pixels with dx^2 + dy^2 <= r^2, as skimage's disk). */
function dilate(map: Uint8Array, h: number, w: number, radius: number): Uint8Array {
  if (radius === 0) return map.slice();
  // A disk wider than the image's diagonal covers the image wherever it sits: same result, bounded work.
  const r = Math.min(radius, Math.ceil(Math.hypot(h, w)));
  const out = new Uint8Array(h * w);
  const offsets: [number, number][] = [];
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r) offsets.push([dy, dx]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (map[y * w + x] === 0) continue;
      for (const [dy, dx] of offsets) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) out[yy * w + xx] = 1;
      }
    }
  }
  return out;
}

/** The boundary tolerance in pixels for an image of this size. */
export function boundaryTolerance(height: number, width: number, options: BoundaryOptions = {}): number {
  assertInteger('height', height, 0);
  assertInteger('width', width, 0);
  assertOptions('options', options);
  if (options.tolerancePixels !== undefined) {
    assertInteger('options.tolerancePixels', options.tolerancePixels, 0);
    return options.tolerancePixels;
  }
  const fraction = options.toleranceFraction ?? 0.008;
  assertPositive('options.toleranceFraction', fraction);
  return Math.ceil(fraction * Math.hypot(height, width));
}

/** Boundary precision, recall and F-measure of two plain masks (see {@link boundaryF}). */
export function boundaryScore(prediction: BinaryMask, truth: BinaryMask, options: BoundaryOptions = {}): BoundaryScore {
  assertBinaryMask('prediction', prediction);
  assertBinaryMask('truth', truth);
  sameSize(prediction, truth);
  const { height: h, width: w } = prediction;
  const r = boundaryTolerance(h, w, options);
  const fg = boundaryMap(prediction);
  const gt = boundaryMap(truth);
  const fgDilated = dilate(fg, h, w, r);
  const gtDilated = dilate(gt, h, w, r);
  let nFg = 0;
  let nGt = 0;
  let fgMatch = 0;
  let gtMatch = 0;
  for (let i = 0; i < h * w; i++) {
    if (fg[i]) {
      nFg += 1;
      if (gtDilated[i]) fgMatch += 1;
    }
    if (gt[i]) {
      nGt += 1;
      if (fgDilated[i]) gtMatch += 1;
    }
  }
  let precision: number;
  let recall: number;
  if (nFg === 0 && nGt > 0) [precision, recall] = [1, 0];
  else if (nFg > 0 && nGt === 0) [precision, recall] = [0, 1];
  else if (nFg === 0 && nGt === 0) [precision, recall] = [1, 1];
  else [precision, recall] = [fgMatch / nFg, gtMatch / nGt];
  const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f };
}

/**
 * Boundary accuracy F: the F-measure of boundary precision (predicted boundary pixels within the tolerance of a true
 * boundary pixel) and recall (the converse). Tolerance ceil(0.008 x image diagonal) pixels unless set. Both empty: 1.
 */
export function boundaryF(prediction: tf.Tensor | BinaryMask, truth: tf.Tensor | BinaryMask, options: BoundaryOptions = {}): number {
  const p = maskOf('prediction', prediction);
  const t = maskOf('truth', truth);
  sameSize(p, t);
  return boundaryScore(p, t, options).f;
}

export interface SegmentationEvaluationOptions extends BoundaryOptions {
  /** Object ids to score. Default: the non-zero ids of the truth's first frame (the objects the tracker was given). */
  readonly objectIds?: readonly number[];
  /** Leave out the first frame (given) and the last frame, as davis2017-evaluation does. Default true. */
  readonly excludeFirstAndLast?: boolean;
}

export interface SegmentationEvaluation {
  /** Mean region similarity over objects (each object's J averaged over the scored frames). */
  readonly j: number;
  /** Mean boundary accuracy over objects. */
  readonly f: number;
  /** (J + F) / 2. */
  readonly jf: number;
  readonly objectIds: readonly number[];
  /** Per object: mean J and mean F over the scored frames. */
  readonly perObject: readonly { readonly id: number; readonly j: number; readonly f: number }[];
  /** Frames scored. */
  readonly frames: number;
}

/**
 * Scores a predicted label video against the truth ([T, H, W] integer object ids, 0 = background), as the DAVIS-2017
 * semi-supervised evaluation: for every object, J and F per frame, averaged over frames, then over objects.
 */
export function evaluateSegmentation(
  predicted: tf.Tensor3D,
  truth: tf.Tensor3D,
  options: SegmentationEvaluationOptions = {},
): SegmentationEvaluation {
  assertShape('predicted', predicted, [null, null, null], { nonEmpty: true });
  assertShape('truth', truth, [...predicted.shape]);
  assertOptions('options', options);
  const [t, h, w] = predicted.shape;
  const exclude = options.excludeFirstAndLast ?? true;
  const first = exclude && t > 2 ? 1 : 0;
  const last = exclude && t > 2 ? t - 1 : t;
  const pred = predicted.dataSync();
  const gt = truth.dataSync();
  let ids = options.objectIds;
  if (ids === undefined) {
    const present = new Set<number>();
    for (let i = 0; i < h * w; i++) if ((gt[i] as number) !== 0) present.add(gt[i] as number);
    ids = [...present].sort((a, b) => a - b);
  } else {
    if (!Array.isArray(ids)) invalidArgument('options.objectIds', 'an array of object ids', ids);
    for (const id of ids) assertInteger('options.objectIds[i]', id, 1);
  }
  if (ids.length === 0) invalidArgument('truth', 'a first frame with at least one object (or options.objectIds)', 'no object');
  const tolerance = boundaryTolerance(h, w, options);
  const perObject = ids.map((id) => {
    let jSum = 0;
    let fSum = 0;
    for (let f = first; f < last; f++) {
      const p = new Uint8Array(h * w);
      const g = new Uint8Array(h * w);
      for (let i = 0; i < h * w; i++) {
        p[i] = pred[f * h * w + i] === id ? 1 : 0;
        g[i] = gt[f * h * w + i] === id ? 1 : 0;
      }
      const pm = { height: h, width: w, data: p };
      const gm = { height: h, width: w, data: g };
      jSum += iouOfMasks(pm, gm);
      fSum += boundaryScore(pm, gm, { tolerancePixels: tolerance }).f;
    }
    return { id, j: jSum / (last - first), f: fSum / (last - first) };
  });
  const j = perObject.reduce((s, o) => s + o.j, 0) / perObject.length;
  const f = perObject.reduce((s, o) => s + o.f, 0) / perObject.length;
  return { j, f, jf: (j + f) / 2, objectIds: [...ids], perObject, frames: last - first };
}
