import type { TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convolve, fromValues, release, reshape, sum, zeros } from './wasm-ops.js';

/** The geometry of the forward convolution whose input gradient is wanted (NHWC, dilation 1). */
export interface InputGradientGeometry {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  /** Channels of dx (the forward input). */
  readonly channels: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** The input-gradient geometry of a conv2d's (or depthwise conv2d's) computed info, with its dilations. */
export function inputGradientGeometry(
  info: backend_util.Conv2DInfo,
): InputGradientGeometry & { readonly dilationHeight: number; readonly dilationWidth: number } {
  return {
    batch: info.batchSize,
    height: info.inHeight,
    width: info.inWidth,
    channels: info.inChannels,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
  };
}

/** One residue class of input positions along an axis: positions first, first + s, ... (count of them). */
interface AxisPhase {
  readonly residue: number;
  readonly first: number;
  readonly count: number;
  /** Filter taps that reach this class: residue, residue + s, ... */
  readonly taps: number;
  /** Padding of the stride-1 convolution over dy that yields this class. */
  readonly pad: number;
}

function axisPhase(size: number, kernel: number, stride: number, pad: number, residue: number): AxisPhase {
  // Input i is reached by output o through tap k when i + pad = o * stride + k, so k = residue (mod stride) for
  // every i with (i + pad) mod stride = residue; those i are first, first + stride, ...
  const first = (((residue - pad) % stride) + stride) % stride;
  const count = first < size ? Math.ceil((size - first) / stride) : 0;
  const taps = residue < kernel ? Math.ceil((kernel - residue) / stride) : 0;
  const firstOutput = (first + pad - residue) / stride;
  return { residue, first, count, taps, pad: taps - 1 - firstOutput };
}

/**
 * The input gradient of a strided convolution by sub-pixel (phase) decomposition: the input positions fall into
 * strideH x strideW classes by their offset modulo the stride; each class is a stride-1 convolution of dy with the
 * flipped sub-filter of the taps that reach it (about 1/s^2 of the filter), so the s^2 small convolutions together
 * cost what one forward convolution does, instead of the s^2 times more of convolving a zero-inserted dy. The
 * classes are then interleaved into dx.
 *
 * `filter` is the forward filter, [KH, KW, Ci, Co] for a conv, [KH, KW, C, M] for a depthwise conv (dy has C*M
 * channels; the phases then run depthwise and sum over the multiplier).
 */
export function phasedInputGradient(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  geometry: InputGradientGeometry,
  depthwise: boolean,
): TensorInfo {
  const { batch, height, width, channels, strideHeight, strideWidth } = geometry;
  const [kh, kw, a, b] = filter.shape as [number, number, number, number];
  // A copy: allocating the sub-filters may grow (and so detach) the wasm heap.
  const weights = (backend.typedArrayFromHeap(filter) as Float32Array).slice();
  const parts: { out: TensorInfo; rows: AxisPhase; cols: AxisPhase }[] = [];
  let covered = 0;
  for (let r = 0; r < strideHeight; r++) {
    const rows = axisPhase(height, kh, strideHeight, geometry.padTop, r);
    if (rows.count === 0 || rows.taps === 0) continue;
    for (let q = 0; q < strideWidth; q++) {
      const cols = axisPhase(width, kw, strideWidth, geometry.padLeft, q);
      if (cols.count === 0 || cols.taps === 0) continue;
      const sub = subFilter(weights, [kh, kw, a, b], rows, cols, strideHeight, strideWidth, depthwise);
      const subInfo = fromValues(backend, sub.shape, sub.values);
      let out = convolve(
        backend,
        dy,
        subInfo,
        { stride: 1, dilation: 1, pad: rows.pad, out: rows.count },
        { stride: 1, dilation: 1, pad: cols.pad, out: cols.count },
        depthwise,
      );
      release(backend, subInfo);
      if (depthwise && b > 1) {
        const split = reshape(backend, out, [batch, rows.count, cols.count, a, b]);
        const reduced = sum(backend, split, [4]);
        release(backend, split, out);
        out = reduced;
      }
      parts.push({ out, rows, cols });
      covered += rows.count * cols.count;
    }
  }
  const only = parts[0];
  if (parts.length === 1 && only !== undefined && only.rows.count === height && only.cols.count === width) {
    return only.out;
  }
  const dx = backend.makeOutput([batch, height, width, channels], 'float32');
  const dxValues = backend.typedArrayFromHeap(dx) as Float32Array;
  // Input positions no tap reaches (a filter smaller than the stride) get no gradient.
  if (covered < height * width) dxValues.fill(0);
  for (const { out, rows, cols } of parts) {
    const src = backend.typedArrayFromHeap(out) as Float32Array;
    let s = 0;
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < rows.count; i++) {
        const rowBase = (n * height + rows.first + i * strideHeight) * width;
        for (let j = 0; j < cols.count; j++) {
          let d = (rowBase + cols.first + j * strideWidth) * channels;
          for (let c = 0; c < channels; c++) dxValues[d++] = src[s++] as number;
        }
      }
    }
    release(backend, out);
  }
  return dx;
}

/**
 * The input gradient of a dilated (and possibly strided) convolution: dy with stride - 1 zeros inserted between its
 * pixels, convolved at stride 1 with the flipped filter at the forward dilation. Costs up to stride^2 times the
 * phased version, so it only serves the case that one cannot take (dilation > 1).
 */
export function dilatedInputGradient(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  geometry: InputGradientGeometry & { readonly dilationHeight: number; readonly dilationWidth: number },
  depthwise: boolean,
): TensorInfo {
  const { batch, height, width, channels, strideHeight, strideWidth, dilationHeight, dilationWidth } = geometry;
  const [kh, kw, a, b] = filter.shape as [number, number, number, number];
  const [, outHeight, outWidth, dyChannels] = dy.shape as [number, number, number, number];
  const whole = (size: number, kernel: number) => ({ residue: 0, first: 0, count: size, taps: kernel, pad: 0 });
  const flipped = subFilter(
    (backend.typedArrayFromHeap(filter) as Float32Array).slice(),
    [kh, kw, a, b],
    whole(height, kh),
    whole(width, kw),
    1,
    1,
    depthwise,
  );
  const flippedInfo = fromValues(backend, flipped.shape, flipped.values);
  let spread = dy;
  if (strideHeight > 1 || strideWidth > 1) {
    const rows = (outHeight - 1) * strideHeight + 1;
    const cols = (outWidth - 1) * strideWidth + 1;
    spread = zeros(backend, [batch, rows, cols, dyChannels]);
    const dst = backend.typedArrayFromHeap(spread) as Float32Array;
    const src = backend.typedArrayFromHeap(dy) as Float32Array;
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < outHeight; i++) {
        for (let j = 0; j < outWidth; j++) {
          const s = ((n * outHeight + i) * outWidth + j) * dyChannels;
          dst.set(src.subarray(s, s + dyChannels), ((n * rows + i * strideHeight) * cols + j * strideWidth) * dyChannels);
        }
      }
    }
  }
  const effectiveHeight = (kh - 1) * dilationHeight + 1;
  const effectiveWidth = (kw - 1) * dilationWidth + 1;
  let dx = convolve(
    backend,
    spread,
    flippedInfo,
    { stride: 1, dilation: dilationHeight, pad: effectiveHeight - 1 - geometry.padTop, out: height },
    { stride: 1, dilation: dilationWidth, pad: effectiveWidth - 1 - geometry.padLeft, out: width },
    depthwise,
  );
  release(backend, flippedInfo);
  if (spread !== dy) release(backend, spread);
  if (depthwise && b > 1) {
    const split = reshape(backend, dx, [batch, height, width, channels, b]);
    const reduced = sum(backend, split, [4]);
    release(backend, split, dx);
    dx = reduced;
  }
  return dx;
}

/**
 * The taps of one phase, flipped so that a forward (correlating) convolution applies them: sub[jh, jw] =
 * filter[residueH + sH * (tapsH - 1 - jh), residueW + sW * (tapsW - 1 - jw)]; for a conv the channel axes are also
 * swapped ([.., Co, Ci]: the convolution maps dy's Co channels to dx's Ci), for a depthwise conv they are flattened
 * to [.., C*M, 1].
 */
function subFilter(
  weights: Float32Array,
  shape: readonly [number, number, number, number],
  rows: AxisPhase,
  cols: AxisPhase,
  strideHeight: number,
  strideWidth: number,
  depthwise: boolean,
): { shape: number[]; values: Float32Array } {
  const [, kw, a, b] = shape;
  const plane = a * b;
  const values = new Float32Array(rows.taps * cols.taps * plane);
  let o = 0;
  for (let jh = 0; jh < rows.taps; jh++) {
    const y = rows.residue + strideHeight * (rows.taps - 1 - jh);
    for (let jw = 0; jw < cols.taps; jw++) {
      const x = cols.residue + strideWidth * (cols.taps - 1 - jw);
      const base = (y * kw + x) * plane;
      if (depthwise) {
        values.set(weights.subarray(base, base + plane), o);
        o += plane;
      } else {
        for (let co = 0; co < b; co++) for (let ci = 0; ci < a; ci++) values[o++] = weights[base + ci * b + co] as number;
      }
    }
  }
  return { shape: depthwise ? [rows.taps, cols.taps, plane, 1] : [rows.taps, cols.taps, b, a], values };
}
