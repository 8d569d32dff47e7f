/**
 * Ground-truth masks for label propagation on the real video vtest (fixed camera, pedestrians), made by background
 * subtraction, not by hand:
 *
 * 1. background: the per-pixel median of all 120 frames (the camera does not move and people keep walking, so the
 *    median is the empty square);
 * 2. foreground: pixels whose largest per-channel difference from the background exceeds --threshold (0.1), cleaned
 *    by a 3x3 opening then a 3x3 closing;
 * 3. objects: 8-connected foreground components of at least --min-area (12) pixels, followed from frame to frame by
 *    overlap (the component of frame t that overlaps the object's pixels of frame t - 1 the most, after a 1-pixel
 *    dilation);
 * 4. the pedestrians to track are the components of frame --first (1) that contain the pixels given by --seeds
 *    (x,y;x,y: one point per object, chosen by looking at frame 1); an object whose component merges with another
 *    tracked object's, that is lost, or whose area changes by more than --max-change (1.5x) from one frame to the next
 *    (it merged with another person, or split) stops the annotation: frames are annotated up to the last frame where
 *    every object is its own component.
 *
 * Masks are written for the first frame and every --every (10) frames after it, as grey PNGs whose value is the
 * object id (1, 2, ...), named like the frames (0001.png, ...), to data/vtest-masks/; a picture of them over the
 * frames goes to docs/vtest-masks.png. The masks are as good as background subtraction: shadows that move with a
 * person count as the person, and a person standing still would fade into the background (none does here).
 *
 *   npx tsx scripts/vtest-masks.ts [frames-dir] [--first 1] [--last 120] [--every 10] [--seeds "x,y;x,y"]
 *     [--threshold 0.1] [--min-area 12] [--list 1]   (--list 1 prints every frame's components and writes nothing)
 */
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@selfsup/tensors';
import { loadFrames, registerTfjsEsmResolver, writePng } from '@selfsup/tensors/node';
import { overlayMasks, videoStrip } from '../src/index.js';

await registerTfjsEsmResolver();

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const text = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, fallback: number) => Number(text(name) ?? fallback);
const positional = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
const dir = positional[0] ?? path.join(here, '..', '..', '..', '..', 'shared', 'data', 'video', 'vtest');
const firstFrame = num('first', 1);
const lastFrame = num('last', 120);
const every = num('every', 10);
const threshold = num('threshold', 0.1);
const minArea = num('min-area', 12);
const list = num('list', 0) === 1;
const seeds = (text('seeds') ?? '')
  .split(';')
  .filter((s) => s.trim() !== '')
  .map((s) => s.split(',').map(Number) as [number, number]);

await initBackend();
const video = await loadFrames(dir, { channels: 3 });
const [t, h, w] = video.shape;
const pixels = video.dataSync();
const n = h * w;

// 1. The per-pixel median over all frames, per channel.
const background = new Float32Array(n * 3);
const column = new Float32Array(t);
for (let i = 0; i < n * 3; i++) {
  for (let f = 0; f < t; f++) column[f] = pixels[f * n * 3 + i] as number;
  column.sort();
  background[i] = ((column[(t - 1) >> 1] as number) + (column[t >> 1] as number)) / 2;
}

/** 3x3 erosion (min) or dilation (max) of a binary map. */
function morph(map: Uint8Array, grow: boolean): Uint8Array {
  const out = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = grow ? 0 : 1;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(h - 1, Math.max(0, y + dy));
          const xx = Math.min(w - 1, Math.max(0, x + dx));
          const m = map[yy * w + xx] as number;
          v = grow ? Math.max(v, m) : Math.min(v, m);
        }
      }
      out[y * w + x] = v;
    }
  }
  return out;
}

// 2. Foreground of a frame, cleaned.
function foreground(f: number): Uint8Array {
  const map = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs((pixels[(f * n + p) * 3 + c] as number) - (background[p * 3 + c] as number)));
    map[p] = d > threshold ? 1 : 0;
  }
  const opened = morph(morph(map, false), true);
  return morph(morph(opened, true), false);
}

// 3. 8-connected components of at least minArea pixels: a label per pixel (0: none) and each component's pixels.
function components(map: Uint8Array): { labels: Int32Array; parts: number[][] } {
  const labels = new Int32Array(n);
  const parts: number[][] = [];
  for (let start = 0; start < n; start++) {
    if (map[start] === 0 || labels[start] !== 0) continue;
    const part: number[] = [];
    const stack = [start];
    labels[start] = -1;
    while (stack.length > 0) {
      const p = stack.pop() as number;
      part.push(p);
      const [y, x] = [Math.floor(p / w), p % w];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [yy, xx] = [y + dy, x + dx];
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (map[q] === 1 && labels[q] === 0) {
            labels[q] = -1;
            stack.push(q);
          }
        }
      }
    }
    if (part.length >= minArea) {
      parts.push(part);
      for (const p of part) labels[p] = parts.length;
    } else for (const p of part) labels[p] = 0;
  }
  return { labels, parts };
}

const describe = (part: readonly number[]) => {
  const ys = part.map((p) => Math.floor(p / w));
  const xs = part.map((p) => p % w);
  return `area ${part.length} x ${Math.min(...xs)}-${Math.max(...xs)} y ${Math.min(...ys)}-${Math.max(...ys)}`;
};

if (list) {
  for (let f = firstFrame - 1; f < lastFrame; f++) {
    const { parts } = components(foreground(f));
    console.log(`frame ${f + 1}: ${parts.map((p, i) => `#${i + 1} ${describe(p)}`).join('; ')}`);
  }
  process.exit(0);
}
/** Follows `start` (components of frame `from`) forward: the components per frame, until a stop reason or `to`. */
function follow(start: number[][], from: number, to: number): { tracks: Map<number, number[][]>; stop: string } {
  const tracks = new Map<number, number[][]>([[from, start]]);
  let objects = start;
  for (let frame = from + 1; frame <= to; frame++) {
    const { labels, parts } = components(foreground(frame - 1));
    const next = objects.map((previous) => {
      const grown = new Uint8Array(n);
      for (const p of previous) grown[p] = 1;
      const near = morph(grown, true);
      const votes = new Map<number, number>();
      for (let p = 0; p < n; p++) if (near[p] === 1 && (labels[p] as number) > 0) votes.set(labels[p] as number, (votes.get(labels[p] as number) ?? 0) + 1);
      const best = [...votes.entries()].sort((a, b) => b[1] - a[1])[0];
      return best === undefined ? undefined : best[0];
    });
    const why = stopReason(next, parts, objects);
    if (why !== undefined) return { tracks, stop: `frame ${frame}: ${why}` };
    objects = next.map((l) => parts[(l as number) - 1] as number[]);
    tracks.set(frame, objects);
  }
  return { tracks, stop: `frame ${to}: the end` };
}

if (num('scan', 0) === 1) {
  // How long each person of a start frame can be followed alone: to choose the start frame and the seeds.
  for (let from = firstFrame; from <= lastFrame; from += every) {
    const { parts } = components(foreground(from - 1));
    const lengths = parts
      .filter((part) => part.length >= 40)
      .map((part) => {
        const { tracks } = follow([part], from, lastFrame);
        const p = part[Math.floor(part.length / 2)] as number;
        return `seed ${p % w},${Math.floor(p / w)} (${describe(part)}) ${tracks.size} frames`;
      });
    console.log(`start ${from}: ${lengths.join('; ')}`);
  }
  process.exit(0);
}
if (seeds.length === 0) throw new Error('--seeds "x,y;x,y" is needed: one pixel of each pedestrian in the first frame (see --list 1)');

// 4. Follow the seeded components frame by frame.
let objects: number[][];
{
  const { labels, parts } = components(foreground(firstFrame - 1));
  objects = seeds.map(([x, y], k) => {
    const label = labels[y * w + x] as number;
    if (label === 0) throw new Error(`seed ${k + 1} (${x}, ${y}) is on no component of frame ${firstFrame}`);
    return parts[label - 1] as number[];
  });
  if (new Set(objects).size !== objects.length) throw new Error('two seeds are on one component');
}
/**
 * Why the annotation must stop at this frame, if it must: an object found no component, two objects share one, or an
 * object's component grew or shrank by more than --max-change (1.5x) from the frame before (it merged with someone
 * else, or split).
 */
function stopReason(next: readonly (number | undefined)[], parts: readonly number[][], previous: readonly number[][]): string | undefined {
  if (next.some((l) => l === undefined)) return 'an object is lost';
  if (new Set(next).size !== next.length) return 'two objects merge';
  const change = num('max-change', 1.5);
  for (const [k, l] of next.entries()) {
    const [before, now] = [(previous[k] as number[]).length, (parts[(l as number) - 1] as number[]).length];
    if (now > before * change || now * change < before) return `object ${k + 1} changes from ${before} to ${now} pixels (merged or split)`;
  }
  return undefined;
}

const masks = new Map<number, Int32Array>();
const toMask = (parts: readonly number[][]) => {
  const ids = new Int32Array(n);
  parts.forEach((part, k) => {
    for (const p of part) ids[p] = k + 1;
  });
  return ids;
};
const { tracks, stop } = follow(objects, firstFrame, lastFrame);
for (const [frame, parts] of tracks) {
  console.log(`frame ${frame}: ${parts.map((o, k) => `object ${k + 1} ${describe(o)}`).join('; ')}`);
  if ((frame - firstFrame) % every === 0) masks.set(frame, toMask(parts));
}
console.log(`${stop}; annotated up to frame ${Math.max(...tracks.keys())}`);

const out = path.join(here, '..', 'data', 'vtest-masks');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const [frame, ids] of masks) {
  const grey = tf.tensor3d(Float32Array.from(ids, (id) => id / 255), [h, w, 1]);
  await writePng(path.join(out, `${String(frame).padStart(4, '0')}.png`), grey);
  grey.dispose();
}
const annotated = [...masks.keys()];
// The picture shows the part of the frames around the objects, enlarged 3x (people are ~6 px wide).
let [top, left, bottom, right] = [h, w, 0, 0];
for (const ids of masks.values()) {
  ids.forEach((id, p) => {
    if (id === 0) return;
    [top, left] = [Math.min(top, Math.floor(p / w)), Math.min(left, p % w)];
    [bottom, right] = [Math.max(bottom, Math.floor(p / w)), Math.max(right, p % w)];
  });
}
[top, left, bottom, right] = [Math.max(0, top - 8), Math.max(0, left - 8), Math.min(h - 1, bottom + 8), Math.min(w - 1, right + 8)];
const picture = tf.tidy(() => {
  const [ch, cw] = [bottom - top + 1, right - left + 1];
  const frames = tf.slice(tf.gather(video, tf.tensor1d(annotated.map((f) => f - 1), 'int32')), [0, top, left, 0], [-1, ch, cw, -1]) as tf.Tensor4D;
  const ids = tf.slice(tf.tensor3d(Int32Array.from(annotated.flatMap((f) => Array.from(masks.get(f) as Int32Array))), [annotated.length, h, w], 'int32'), [0, top, left], [-1, ch, cw]) as tf.Tensor3D;
  return tf.image.resizeNearestNeighbor(videoStrip([overlayMasks(frames, ids)]), [(ch + 4) * 3, (cw + 2) * annotated.length * 3]) as tf.Tensor3D;
});
await writePng(path.join(here, '..', 'docs', 'vtest-masks.png'), picture);
console.log(`wrote ${annotated.length} masks (frames ${annotated.join(', ')}) of ${objects.length} objects to data/vtest-masks/, and docs/vtest-masks.png`);
