import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError, assertInteger, invalidArgument } from '@selfsup/tensors';
import { decodeImage, readImage } from '@selfsup/tensors/node';

// Videos on disk for `selfsup video`: frame folders (one video, a folder of videos, or the DAVIS layout) and their
// object masks (palette PNGs as DAVIS, grey ids, or DAVIS colors), read and written.

const FRAME_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** One video on disk: its frame files in order and, where the layout has one, its folder of masks. */
export interface VideoFiles {
  /** The sequence's name: its folder's name. */
  readonly name: string;
  /** Frame files (absolute paths), sorted naturally ("2.png" before "10.png"). */
  readonly frames: readonly string[];
  /** The DAVIS layout's Annotations/<resolution>/<name> folder, when it exists. */
  readonly annotations?: string;
}

/** How --frames was read: one folder of frames, a folder of such folders, or a DAVIS root. */
export type VideoLayout = 'frames' | 'folders' | 'davis';

export interface FoundVideos {
  readonly layout: VideoLayout;
  readonly videos: readonly VideoFiles[];
}

export interface FindVideoOptions {
  /** The flag named in messages. Default '--frames'. */
  readonly flag?: string;
  /** Keep only these sequences (folder names), in this order. */
  readonly sequences?: readonly string[];
  /** DAVIS only: the resolution folder under JPEGImages/ and Annotations/. Default 480p, else the only one there. */
  readonly resolution?: string;
}

function bad(flag: string, message: string): never {
  throw new SelfsupError('INVALID_ARGUMENT', `${flag} ${message}`, { argument: flag });
}

const naturalCompare = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

async function entries(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const list = await fs.readdir(dir, { withFileTypes: true });
  const files = list.filter((e) => e.isFile() && FRAME_EXTENSIONS.has(path.extname(e.name).toLowerCase())).map((e) => e.name);
  const dirs = list.filter((e) => e.isDirectory()).map((e) => e.name);
  return { files: files.sort(naturalCompare), dirs: dirs.sort(naturalCompare) };
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() === true;
}

/** Checks that `dir` is an existing directory (a one-line error naming `flag` otherwise). */
export async function checkInputDirectory(flag: string, dir: unknown): Promise<string> {
  if (typeof dir !== 'string' || dir.length === 0) bad(flag, `must be a directory; got ${JSON.stringify(dir)}`);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (stat === undefined) bad(flag, `must be an existing directory; ${dir} is not there (no such directory)`);
  if (!stat.isDirectory()) bad(flag, `must be a directory; ${dir} is a file`);
  return path.resolve(dir);
}

/**
 * Finds the videos under `dir`:
 * - a DAVIS root (it holds `JPEGImages/`): every `JPEGImages/<resolution>/<sequence>/`, with
 *   `Annotations/<resolution>/<sequence>/` as its masks when that folder exists;
 * - a folder of PNG/JPEG frames: one video;
 * - a folder of such folders: one video per sub-folder that holds frames.
 */
export async function findVideos(dir: string, options: FindVideoOptions = {}): Promise<FoundVideos> {
  const flag = options.flag ?? '--frames';
  const root = await checkInputDirectory(flag, dir);
  let found: FoundVideos;
  if (await isDirectory(path.join(root, 'JPEGImages'))) {
    const images = path.join(root, 'JPEGImages');
    const resolutions = (await entries(images)).dirs;
    const resolution = options.resolution ?? (resolutions.includes('480p') ? '480p' : resolutions.length === 1 ? resolutions[0] : undefined);
    if (resolution === undefined || !resolutions.includes(resolution)) {
      const there = `the resolutions there are: ${resolutions.join(', ') || '(none)'}`;
      if (options.resolution !== undefined) bad('--resolution', `must be a folder of ${images}; got "${options.resolution}", ${there}`);
      bad(flag, `${dir}: a DAVIS root needs one JPEGImages/<resolution>/ folder of sequences (or --resolution); ${there}`);
    }
    const sequences = (await entries(path.join(images, resolution))).dirs;
    const videos: VideoFiles[] = [];
    for (const name of sequences) {
      const folder = path.join(images, resolution, name);
      const frames = (await entries(folder)).files.map((f) => path.join(folder, f));
      if (frames.length === 0) continue;
      const annotations = path.join(root, 'Annotations', resolution, name);
      videos.push({ name, frames, ...((await isDirectory(annotations)) ? { annotations } : {}) });
    }
    found = { layout: 'davis', videos };
  } else {
    const { files, dirs } = await entries(root);
    if (files.length > 0) {
      found = { layout: 'frames', videos: [{ name: path.basename(root), frames: files.map((f) => path.join(root, f)) }] };
    } else {
      const videos: VideoFiles[] = [];
      for (const name of dirs) {
        const frames = (await entries(path.join(root, name))).files.map((f) => path.join(root, name, f));
        if (frames.length > 0) videos.push({ name, frames });
      }
      found = { layout: 'folders', videos };
    }
  }
  if (found.videos.length === 0) {
    bad(flag, `${dir}: expected PNG or JPEG frames, folders of frames, or a DAVIS root with JPEGImages/<resolution>/<sequence>/; there is none of these`);
  }
  if (options.sequences === undefined) return found;
  const byName = new Map(found.videos.map((v) => [v.name, v]));
  const videos = options.sequences.map((name) => {
    const video = byName.get(name);
    if (video === undefined) bad('--sequence', `must name videos under ${dir} (${[...byName.keys()].join(', ')}); "${name}" is not one`);
    return video;
  });
  return { layout: found.layout, videos };
}

/** The name of a file without its folder and extension: masks match frames by it (00000.png for 00000.jpg). */
export const frameStem = (file: string) => path.basename(file, path.extname(file));

/**
 * The mask file of every frame (undefined where there is none) in `maskDir`: masks are PNG files named like the
 * frames (same name, any extension). `unmatched` lists the mask files that match no frame.
 */
export async function matchMasks(frames: readonly string[], maskDir: string, flag = '--masks'): Promise<{ masks: (string | undefined)[]; unmatched: string[] }> {
  const dir = await checkInputDirectory(flag, maskDir);
  const { files } = await entries(dir);
  const byStem = new Map<string, string>();
  for (const f of files) {
    if (path.extname(f).toLowerCase() !== '.png') bad(flag, `masks must be PNG files (JPEG compression changes the object ids); ${path.join(maskDir, f)} is not`);
    byStem.set(frameStem(f), path.join(dir, f));
  }
  const masks = frames.map((f) => byStem.get(frameStem(f)));
  const used = new Set(masks.filter((m): m is string => m !== undefined));
  return { masks, unmatched: [...byStem.values()].filter((m) => !used.has(m)) };
}

/** The frames of a video as [T, H, W, 3] in [0, 1] (grey frames are repeated to 3 channels), resized to `size` if given. */
export async function readFrames(files: readonly string[], size?: readonly [number, number]): Promise<tf.Tensor4D> {
  if (!Array.isArray(files) || files.length === 0) invalidArgument('files', 'a non-empty array of frame files', files);
  const frames: tf.Tensor3D[] = [];
  try {
    for (const file of files) {
      const image = await readImage(file, { channels: 3 });
      const first = frames[0];
      if (size === undefined && first !== undefined && (image.shape[0] !== first.shape[0] || image.shape[1] !== first.shape[1])) {
        const [h, w] = image.shape;
        image.dispose();
        throw new SelfsupError('BAD_DATA', `${file} is ${w}x${h}, the video's first frame is ${first.shape[1]}x${first.shape[0]} (every frame of a video must have one size; --image-size resizes them)`, { file });
      }
      if (size !== undefined && (image.shape[0] !== size[0] || image.shape[1] !== size[1])) {
        frames.push(tf.tidy(() => tf.image.resizeBilinear(image, [size[0], size[1]], true)));
        image.dispose();
      } else frames.push(image);
    }
    return tf.stack(frames) as tf.Tensor4D;
  } finally {
    tf.dispose(frames);
  }
}

/** [height, width] of an image file, read from its pixels. */
export async function imageSize(file: string): Promise<[number, number]> {
  const image = decodeImage(await fs.readFile(file), file);
  return [image.height, image.width];
}

/**
 * The size frames are worked at: `requested` (--image-size) or the frames' own, each side rounded down to a multiple
 * of `stride` (the embedding sees stride x stride cells), at least `stride`.
 */
export function workingSize(original: readonly [number, number], stride: number, requested?: readonly [number, number]): [number, number] {
  const [h, w] = requested ?? original;
  const fit = (x: number) => Math.max(stride, Math.floor(x / stride) * stride);
  return [fit(h), fit(w)];
}

// ---- Masks ----

/** An object mask: integer ids per pixel (0 background), row-major. */
export interface ObjectMask {
  readonly height: number;
  readonly width: number;
  readonly ids: Int32Array;
}

/**
 * The palette of DAVIS (and PASCAL VOC) annotations: entry i spreads the bits of i over the high bits of red, green
 * and blue (bit 0 to red, 1 to green, 2 to blue, then the next three one place lower). 256 RGB triples.
 */
export const DAVIS_PALETTE: Uint8Array = (() => {
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    let [r, g, b, c] = [0, 0, 0, i];
    for (let j = 0; j < 8; j++) {
      r |= (c & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    palette.set([r, g, b], 3 * i);
  }
  return palette;
})();

const colorKey = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;

/** DAVIS palette color -> index (the first index of a color). */
const DAVIS_INDEX = (() => {
  const map = new Map<number, number>();
  for (let i = 255; i >= 0; i--) map.set(colorKey(DAVIS_PALETTE[3 * i] ?? 0, DAVIS_PALETTE[3 * i + 1] ?? 0, DAVIS_PALETTE[3 * i + 2] ?? 0), i);
  return map;
})();

interface PngChunks {
  readonly colorType: number;
  readonly palette?: Uint8Array;
}

/** The color type and the PLTE chunk of PNG bytes (pngjs expands palette images to RGBA and drops the indices). */
function pngChunks(bytes: Uint8Array, file: string): PngChunks {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 33 || view.readUInt32BE(0) !== 0x89504e47) throw new SelfsupError('BAD_DATA', `${file}: not a PNG file (masks must be PNG)`, { file });
  const colorType = view[25] as number;
  let palette: Uint8Array | undefined;
  for (let at = 8; at + 8 <= view.length; ) {
    const length = view.readUInt32BE(at);
    const type = view.toString('latin1', at + 4, at + 8);
    if (type === 'PLTE') palette = Uint8Array.from(view.subarray(at + 8, at + 8 + length));
    if (type === 'IDAT' || type === 'IEND') break;
    at += 12 + length;
  }
  return { colorType, ...(palette !== undefined ? { palette } : {}) };
}

/**
 * Reads an object mask from PNG bytes:
 * - a palette PNG (DAVIS): the palette index of each pixel is its object id;
 * - a grey PNG: the grey value (0-255) is the id;
 * - an RGB PNG: a DAVIS palette color is its index, another grey color (r = g = b) its value; any other color is
 *   an error (a mask holds ids, not pictures).
 */
export function decodeMask(bytes: Uint8Array, file = '<buffer>'): ObjectMask {
  const { colorType, palette } = pngChunks(bytes, file);
  const image = decodeImage(bytes, file);
  const { width, height, data, channels } = image;
  const ids = new Int32Array(width * height);
  const byte = (x: number) => Math.round(x * 255);
  if (channels === 1) {
    for (let p = 0; p < ids.length; p++) ids[p] = byte(data[p] as number);
    return { height, width, ids };
  }
  let lookup: Map<number, number> = DAVIS_INDEX;
  if (colorType === 3 && palette !== undefined) {
    lookup = new Map();
    for (let i = Math.floor(palette.length / 3) - 1; i >= 0; i--) lookup.set(colorKey(palette[3 * i] ?? 0, palette[3 * i + 1] ?? 0, palette[3 * i + 2] ?? 0), i);
  }
  for (let p = 0; p < ids.length; p++) {
    const [r, g, b] = [byte(data[3 * p] as number), byte(data[3 * p + 1] as number), byte(data[3 * p + 2] as number)];
    const id = lookup.get(colorKey(r, g, b)) ?? (colorType !== 3 && r === g && g === b ? r : undefined);
    if (id === undefined) {
      throw new SelfsupError(
        'BAD_DATA',
        `${file}: pixel (${p % width}, ${Math.floor(p / width)}) has color (${r}, ${g}, ${b}), which is no object id: masks are palette PNGs (DAVIS), grey ids, or DAVIS palette colors`,
        { file },
      );
    }
    ids[p] = id;
  }
  return { height, width, ids };
}

/** Reads a mask file ({@link decodeMask}). */
export async function readMask(file: string): Promise<ObjectMask> {
  const bytes = await fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new SelfsupError('BAD_DATA', `${file}: cannot be read (${error.code ?? String(error)})`, { file });
  });
  return decodeMask(bytes, file);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes an object mask as an 8-bit palette PNG with the DAVIS palette (ids 0-255), the format of DAVIS
 * annotations: DAVIS tools and {@link decodeMask} read the ids back, and viewers show each object in its color.
 * `palette` replaces the DAVIS palette (256 RGB triples).
 */
export function encodeMaskPng(mask: ObjectMask, palette: Uint8Array = DAVIS_PALETTE): Buffer {
  if (typeof mask !== 'object' || mask === null) invalidArgument('mask', 'a { height, width, ids } mask', mask);
  assertInteger('mask.height', mask.height, 1);
  assertInteger('mask.width', mask.width, 1);
  if (!(palette instanceof Uint8Array) || palette.length !== 768) invalidArgument('palette', 'a Uint8Array of 256 RGB triples (768 bytes)', palette);
  const { height, width, ids } = mask;
  if (!(ids instanceof Int32Array) || ids.length !== height * width) invalidArgument('mask.ids', `an Int32Array of ${height * width} ids (height x width)`, ids);
  const rows = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    // Filter type 0 (none) for every row.
    for (let x = 0; x < width; x++) {
      const id = ids[y * width + x] as number;
      if (!Number.isInteger(id) || id < 0 || id > 255) invalidArgument('mask.ids', 'object ids in [0, 255]', id);
      rows[y * (width + 1) + 1 + x] = id;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, color type 3 (palette), deflate, adaptive filters, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('PLTE', palette),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Resizes a mask to [height, width] by nearest neighbour (pixel centres), so ids stay ids. */
export function resizeMask(mask: ObjectMask, height: number, width: number): ObjectMask {
  if (mask.height === height && mask.width === width) return mask;
  const ids = new Int32Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / width));
      ids[y * width + x] = mask.ids[sy * mask.width + sx] as number;
    }
  }
  return { height, width, ids };
}
