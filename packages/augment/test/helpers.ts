// augment's own test helpers; the ones every package's tests use are in @selfsup/test-utils.

/** Pixel (n, y, x, c) of a [N, H, W, C] value array. */
export function pixel(values: ArrayLike<number>, shape: readonly number[], n: number, y: number, x: number, c: number): number {
  const [, h, w, ch] = shape as [number, number, number, number];
  return values[((n * h + y) * w + x) * ch + c] as number;
}

/** Python's colorsys.rgb_to_hsv (hue in turns). */
export function referenceRgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  if (maxc === minc) return [0, 0, maxc];
  const s = (maxc - minc) / maxc;
  const rc = (maxc - r) / (maxc - minc);
  const gc = (maxc - g) / (maxc - minc);
  const bc = (maxc - b) / (maxc - minc);
  let h: number;
  if (r === maxc) h = bc - gc;
  else if (g === maxc) h = 2 + rc - bc;
  else h = 4 + gc - rc;
  return [(((h / 6) % 1) + 1) % 1, s, maxc];
}

/** Python's colorsys.hsv_to_rgb. */
export function referenceHsvToRgb(h: number, s: number, v: number): [number, number, number] {
  if (s === 0) return [v, v, v];
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** Applies a per-pixel function to every pixel of a [N, H, W, C] value array. */
export function mapPixels(values: ArrayLike<number>, channels: number, fn: (px: number[], index: number) => number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let p = 0; p < values.length / channels; p++) {
    const px = Array.from({ length: channels }, (_, c) => values[p * channels + c] as number);
    out.set(fn(px, p), p * channels);
  }
  return out;
}
