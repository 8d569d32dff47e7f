import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeImage, encodePng, writePng } from '@selfsup/tensors/node';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAVIS_PALETTE,
  decodeMask,
  encodeMaskPng,
  findVideos,
  matchMasks,
  readFrames,
  resizeMask,
  workingSize,
} from './video-frames.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-video-frames-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A small grey PNG file (the content does not matter to the layout tests). */
async function frame(file: string, value = 0.5): Promise<void> {
  const image = tf.fill([4, 4, 1], value) as tf.Tensor3D;
  await writePng(file, image);
  image.dispose();
}

const maskArbitrary = fc
  .record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }) })
  .chain(({ height, width }) =>
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: height * width, maxLength: height * width }).map((ids) => ({ height, width, ids: Int32Array.from(ids) })),
  );

describe('DAVIS palette and mask PNGs', () => {
  it('has the PASCAL VOC / DAVIS colors', () => {
    // Published entries: 0 background, 1 (128, 0, 0), 2 (0, 128, 0), 3 (128, 128, 0), 8 (64, 0, 0), 15 person (192, 128, 128).
    const color = (i: number) => Array.from(DAVIS_PALETTE.subarray(3 * i, 3 * i + 3));
    expect(color(0)).toEqual([0, 0, 0]);
    expect(color(1)).toEqual([128, 0, 0]);
    expect(color(2)).toEqual([0, 128, 0]);
    expect(color(3)).toEqual([128, 128, 0]);
    expect(color(8)).toEqual([64, 0, 0]);
    expect(color(15)).toEqual([192, 128, 128]);
    expect(new Set(Array.from({ length: 256 }, (_, i) => color(i).join())).size).toBe(256);
  });

  it('palette PNGs round-trip the ids, and another decoder (pngjs) sees the palette colors', () => {
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        const bytes = encodeMaskPng(mask);
        expect(Array.from(decodeMask(bytes).ids)).toEqual(Array.from(mask.ids));
        const rgb = decodeImage(bytes);
        expect([rgb.height, rgb.width, rgb.channels]).toEqual([mask.height, mask.width, 3]);
        const seen = Array.from(rgb.data, (v) => Math.round(v * 255));
        expect(seen).toEqual(Array.from(mask.ids).flatMap((id) => Array.from(DAVIS_PALETTE.subarray(3 * id, 3 * id + 3))));
      }),
      { numRuns: 25 },
    );
  });

  it("reads a palette PNG's ids from its own palette, not from the DAVIS colors", () => {
    const swapped = DAVIS_PALETTE.slice();
    swapped.set([0, 128, 0], 3);
    swapped.set([128, 0, 0], 6);
    const mask = { height: 1, width: 3, ids: Int32Array.from([0, 1, 2]) };
    expect(Array.from(decodeMask(encodeMaskPng(mask, swapped)).ids)).toEqual([0, 1, 2]);
  });

  it('reads grey masks as ids and RGB masks by the DAVIS colors (grey RGB as its value)', async () => {
    const grey = tf.tensor3d([0, 1 / 255, 7 / 255, 1], [2, 2, 1]);
    expect(Array.from(decodeMask(await encodePng(grey)).ids)).toEqual([0, 1, 7, 255]);
    const colors = [0, 1, 2, 15].flatMap((i) => Array.from(DAVIS_PALETTE.subarray(3 * i, 3 * i + 3), (v) => v / 255));
    const rgb = tf.tensor3d(colors, [2, 2, 3]);
    expect(Array.from(decodeMask(await encodePng(rgb)).ids)).toEqual([0, 1, 2, 15]);
    const white = tf.ones([1, 2, 3]) as tf.Tensor3D;
    expect(Array.from(decodeMask(await encodePng(white)).ids)).toEqual([255, 255]);
    const odd = tf.tensor3d([26 / 255, 128 / 255, 230 / 255], [1, 1, 3]);
    expect(() => decodeMask(new Uint8Array(0))).toThrow(/not a PNG file/);
    const bytes = await encodePng(odd);
    expect(() => decodeMask(bytes, 'odd.png')).toThrow(/odd\.png: pixel \(0, 0\) has color \(26, 128, 230\), which is no object id/);
    tf.dispose([grey, rgb, white, odd]);
  });

  it('refuses ids a palette PNG cannot hold, naming the argument', () => {
    expect(() => encodeMaskPng({ height: 1, width: 1, ids: Int32Array.from([256]) })).toThrow(/mask\.ids must be object ids in \[0, 255\]/);
    expect(() => encodeMaskPng({ height: 2, width: 1, ids: Int32Array.from([1]) })).toThrow(/mask\.ids must be an Int32Array of 2 ids/);
  });
});

describe('resizeMask and workingSize', () => {
  it('nearest neighbour: enlarging k times then shrinking k times gives the mask back', () => {
    fc.assert(
      fc.property(maskArbitrary, fc.integer({ min: 1, max: 4 }), (mask, k) => {
        const big = resizeMask(mask, mask.height * k, mask.width * k);
        // Every k x k block is the source pixel.
        for (let y = 0; y < big.height; y++) {
          for (let x = 0; x < big.width; x++) expect(big.ids[y * big.width + x]).toBe(mask.ids[Math.floor(y / k) * mask.width + Math.floor(x / k)]);
        }
        expect(Array.from(resizeMask(big, mask.height, mask.width).ids)).toEqual(Array.from(mask.ids));
      }),
      { numRuns: 20 },
    );
  });

  it('rounds sides down to multiples of the stride, at least one stride', () => {
    expect(workingSize([480, 854], 4)).toEqual([480, 852]);
    expect(workingSize([144, 192], 8)).toEqual([144, 192]);
    expect(workingSize([3, 13], 4)).toEqual([4, 12]);
    expect(workingSize([480, 854], 8, [241, 100])).toEqual([240, 96]);
  });
});

describe('findVideos', () => {
  it('reads one folder of frames, in natural order', async () => {
    const dir = path.join(tmp, 'one');
    await fs.mkdir(dir);
    for (const name of ['10.png', '2.png', '1.png', 'notes.txt']) await (name.endsWith('.png') ? frame(path.join(dir, name)) : fs.writeFile(path.join(dir, name), 'x'));
    const found = await findVideos(dir);
    expect(found.layout).toBe('frames');
    expect(found.videos.map((v) => v.frames.map((f) => path.basename(f)))).toEqual([['1.png', '2.png', '10.png']]);
    expect(found.videos[0]?.name).toBe('one');
  });

  it('reads a folder of videos (sub-folders without frames are left out), and picks by --sequence', async () => {
    const dir = path.join(tmp, 'many');
    for (const [video, n] of [['b', 2], ['a', 3]] as const) {
      await fs.mkdir(path.join(dir, video), { recursive: true });
      for (let i = 0; i < n; i++) await frame(path.join(dir, video, `${i}.png`));
    }
    await fs.mkdir(path.join(dir, 'empty'));
    const found = await findVideos(dir);
    expect(found.layout).toBe('folders');
    expect(found.videos.map((v) => [v.name, v.frames.length])).toEqual([['a', 3], ['b', 2]]);
    expect((await findVideos(dir, { sequences: ['b'] })).videos.map((v) => v.name)).toEqual(['b']);
    await expect(findVideos(dir, { sequences: ['zz'] })).rejects.toThrow(/--sequence must name videos under .* \(a, b\); "zz" is not one/);
  });

  it('reads the DAVIS layout: JPEGImages/<resolution>/<sequence> with Annotations/<resolution>/<sequence>', async () => {
    const root = path.join(tmp, 'davis');
    for (const seq of ['dog', 'cat']) {
      await fs.mkdir(path.join(root, 'JPEGImages', '480p', seq), { recursive: true });
      for (let i = 0; i < 2; i++) await frame(path.join(root, 'JPEGImages', '480p', seq, `0000${i}.png`));
    }
    await fs.mkdir(path.join(root, 'JPEGImages', 'Full-Resolution', 'dog'), { recursive: true });
    await frame(path.join(root, 'JPEGImages', 'Full-Resolution', 'dog', '00000.png'));
    await fs.mkdir(path.join(root, 'Annotations', '480p', 'dog'), { recursive: true });
    const found = await findVideos(root);
    expect(found.layout).toBe('davis');
    expect(found.videos.map((v) => v.name)).toEqual(['cat', 'dog']);
    expect(found.videos[0]?.annotations).toBeUndefined();
    expect(found.videos[1]?.annotations).toBe(path.join(root, 'Annotations', '480p', 'dog'));
    const full = await findVideos(root, { resolution: 'Full-Resolution' });
    expect(full.videos.map((v) => [v.name, v.frames.length])).toEqual([['dog', 1]]);
    await expect(findVideos(root, { resolution: '1080p' })).rejects.toThrow(/--resolution must be a folder of .*JPEGImages; got "1080p", the resolutions there are: 480p, Full-Resolution/);
  });

  it('refuses a missing directory, a file and a folder without frames, naming --frames', async () => {
    await expect(findVideos(path.join(tmp, 'nope'))).rejects.toThrow(/--frames must be an existing directory; .*nope is not there/);
    await fs.writeFile(path.join(tmp, 'file'), 'x');
    await expect(findVideos(path.join(tmp, 'file'))).rejects.toThrow(/--frames must be a directory; .*file is a file/);
    await fs.mkdir(path.join(tmp, 'bare'));
    await expect(findVideos(path.join(tmp, 'bare'))).rejects.toThrow(/--frames .*bare: expected PNG or JPEG frames, folders of frames, or a DAVIS root/);
  });
});

describe('matchMasks and readFrames', () => {
  it('matches masks to frames by name without extension and reports the others', async () => {
    const dir = path.join(tmp, 'masks');
    await fs.mkdir(dir);
    for (const name of ['00000.png', '00002.png', 'extra.png']) await frame(path.join(dir, name), 0);
    const frames = ['/v/00000.jpg', '/v/00001.jpg', '/v/00002.jpg'];
    const { masks, unmatched } = await matchMasks(frames, dir);
    expect(masks.map((m) => (m === undefined ? undefined : path.basename(m)))).toEqual(['00000.png', undefined, '00002.png']);
    expect(unmatched.map((m) => path.basename(m))).toEqual(['extra.png']);
    await fs.writeFile(path.join(dir, '00001.jpg'), 'x');
    await expect(matchMasks(frames, dir)).rejects.toThrow(/--masks masks must be PNG files .*00001\.jpg is not/);
  });

  it('stacks frames as [T, H, W, 3], refusing a frame of another size unless resizing', async () => {
    const dir = path.join(tmp, 'sizes');
    await fs.mkdir(dir);
    await frame(path.join(dir, 'a.png'), 0.25);
    const wide = tf.fill([4, 6, 3], 0.5) as tf.Tensor3D;
    await writePng(path.join(dir, 'b.png'), wide);
    wide.dispose();
    const files = [path.join(dir, 'a.png'), path.join(dir, 'b.png')];
    await expect(readFrames(files)).rejects.toThrow(/b\.png is 6x4, the video's first frame is 4x4/);
    const before = tf.memory().numTensors;
    const frames = await readFrames(files, [8, 8]);
    expect(frames.shape).toEqual([2, 8, 8, 3]);
    // Grey frames come as 3 equal channels.
    expect(Math.abs((frames.dataSync()[0] as number) - 64 / 255)).toBeLessThan(1e-6);
    frames.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
