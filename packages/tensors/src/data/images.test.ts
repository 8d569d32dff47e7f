import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { subsetDataset } from './split.js';
import { encodePng, loadFrames, loadImageFiles, loadImageFolder, readImage, writePng } from './images.js';

const dir = mkdtempSync(path.join(tmpdir(), 'selfsup-img-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const image = (h: number, w: number, c: number, offset = 0) =>
  tf.tidy(() => tf.div(tf.add(tf.reshape(tf.range(0, h * w * c), [h, w, c]), offset), h * w * c + offset) as tf.Tensor3D);

describe('PNG and JPEG I/O', () => {
  it('writes and reads back a PNG within 8-bit quantisation, grey and colour', async () => {
    for (const c of [1, 3]) {
      const img = image(5, 7, c);
      const file = path.join(dir, `rt${c}.png`);
      await writePng(file, img);
      const back = await readImage(file);
      expect(back.shape).toEqual([5, 7, c]);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(back, img))).dataSync()[0]!);
      expect(diff).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      tf.dispose([img, back]);
    }
  });

  it('reads JPEG and converts channels on request', async () => {
    const raw = { width: 4, height: 3, data: Buffer.alloc(4 * 3 * 4, 200) };
    writeFileSync(path.join(dir, 'a.jpg'), jpeg.encode(raw, 95).data);
    const rgb = await readImage(path.join(dir, 'a.jpg'));
    expect(rgb.shape).toEqual([3, 4, 3]);
    const grey = await readImage(path.join(dir, 'a.jpg'), { channels: 1 });
    expect(grey.shape).toEqual([3, 4, 1]);
    expect(Math.abs(grey.dataSync()[0]! - 200 / 255)).toBeLessThan(0.02);
    tf.dispose([rgb, grey]);
  });

  it('names the file for unreadable and corrupt images', async () => {
    writeFileSync(path.join(dir, 'junk.png'), Buffer.from('not an image'));
    await expect(readImage(path.join(dir, 'junk.png'))).rejects.toThrow(/junk\.png: not a PNG or JPEG/);
    const png = await encodePng(image(4, 4, 3));
    writeFileSync(path.join(dir, 'cut.png'), png.subarray(0, png.length - 20));
    await expect(readImage(path.join(dir, 'cut.png'))).rejects.toThrow(/cut\.png: corrupt PNG/);
    await expect(readImage(path.join(dir, 'absent.png'))).rejects.toThrow(/absent\.png: cannot be read/);
  });
});

describe('loadImageFolder', () => {
  it('labels sub-folders as classes and streams batches', async () => {
    const root = path.join(dir, 'classes');
    for (const [k, name] of ['cat', 'dog'].entries()) {
      mkdirSync(path.join(root, name), { recursive: true });
      for (let i = 0; i < 3; i++) await writePng(path.join(root, name, `${i}.png`), image(6, 6, 3, k * 10 + i));
    }
    const ds = await loadImageFolder(root);
    expect(ds.size).toBe(6);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.imageShape).toEqual([6, 6, 3]);
    const batch = await ds.getBatch([0, 5]);
    expect(batch.images.shape).toEqual([2, 6, 6, 3]);
    expect(Array.from(await batch.labels!.data())).toEqual([0, 1]);
    tf.dispose([batch.images, batch.labels!]);
  });

  it('reports odd sizes and mixed channels with the file name, or skips them with skipBad', async () => {
    const root = path.join(dir, 'mixed');
    mkdirSync(root, { recursive: true });
    await writePng(path.join(root, '1.png'), image(4, 4, 3));
    await writePng(path.join(root, '2.png'), image(4, 4, 1));
    await writePng(path.join(root, '3.png'), image(5, 4, 3));
    writeFileSync(path.join(root, '4.png'), Buffer.from('garbage'));
    const strict = await loadImageFolder(root);
    await expect(strict.getBatch([1])).rejects.toThrow(/2\.png: has 1 channel\(s\), the folder's images have 3/);
    await expect(strict.getBatch([2])).rejects.toThrow(/3\.png: is 4x5, the folder's images are 4x4/);
    await expect(strict.getBatch([3])).rejects.toThrow(/4\.png: not a PNG or JPEG/);
    const lenient = await loadImageFolder(root, { skipBad: true });
    const batch = await lenient.getBatch([0, 1, 2, 3]);
    expect(batch.images.shape).toEqual([4, 4, 4, 3]);
    expect(lenient.skipped().map((s) => path.basename(s.file)).sort()).toEqual(['2.png', '3.png', '4.png']);
    batch.images.dispose();
    const resized = await loadImageFolder(root, { size: [8, 8], channels: 1, skipBad: true });
    const b2 = await resized.getBatch([0, 1, 2]);
    expect(b2.images.shape).toEqual([3, 8, 8, 1]);
    b2.images.dispose();
  });

  it('loads frames in natural order', async () => {
    const root = path.join(dir, 'frames');
    for (const i of [1, 2, 10]) await writePng(path.join(root, `${i}.png`), tf.tidy(() => tf.fill([2, 2, 1], i / 10) as tf.Tensor3D));
    const frames = await loadFrames(root);
    expect(frames.shape).toEqual([3, 2, 2, 1]);
    const firstPixels = tf.tidy(() => Array.from(tf.reshape(tf.slice(frames, [0, 0, 0, 0], [3, 1, 1, 1]), [3]).dataSync()));
    expect(firstPixels.map((v) => Math.round(v * 10))).toEqual([1, 2, 10]);
    frames.dispose();
  });
});

describe('loadImageFiles', () => {
  it('streams a list of files with their labels and captions, also through a subset, and skips a bad file with its caption', async () => {
    const root = path.join(dir, 'listed');
    // Pixel value i / 10 tells which file a batch row came from.
    for (const i of [0, 1, 2, 3]) await writePng(path.join(root, `${i}.png`), tf.tidy(() => tf.fill([2, 2, 1], i / 10) as tf.Tensor3D));
    writeFileSync(path.join(root, 'bad.png'), 'not a png');
    const files = ['3.png', '1.png', 'bad.png', '0.png'].map((f) => path.join(root, f));
    const captions = ['three', 'one', 'bad', 'zero'];
    const data = await loadImageFiles(files, { name: 'pairs', labels: [1, 0, 1, 0], classNames: ['odd?', 'even?'], captions, skipBad: true });
    expect([data.name, data.size, data.numClasses, data.imageShape]).toEqual(['pairs', 4, 2, [2, 2, 1]]);
    expect(await data.captions!()).toEqual(captions);
    const batch = await data.getBatch([3, 0, 2]);
    const firstPixels = (b: typeof batch) => tf.tidy(() => Array.from(tf.reshape(tf.slice(b.images, [0, 0, 0, 0], [b.indices.length, 1, 1, 1]), [-1]).dataSync()).map((v) => Math.round(v * 10)));
    expect(firstPixels(batch)).toEqual([0, 3, 0]); // the bad file's place went to the next good one (index 3)
    expect(batch.indices).toEqual([3, 0, 3]);
    expect(batch.captions).toEqual(['zero', 'three', 'zero']);
    expect(Array.from(batch.labels!.dataSync())).toEqual([0, 1, 0]);
    expect(data.skipped().map((s) => path.basename(s.file))).toEqual(['bad.png']);
    tf.dispose([batch.images, batch.labels]);
    const subset = subsetDataset(data, [1, 0]);
    expect(await subset.captions!()).toEqual(['one', 'three']);
    const sub = await subset.getBatch([0]);
    expect([firstPixels(sub), sub.captions]).toEqual([[1], ['one']]);
    tf.dispose([sub.images, sub.labels]);
  });

  it('rejects bad lists and per-file values by name', async () => {
    await expect(loadImageFiles([])).rejects.toThrow(/files must be a non-empty array of image file paths/);
    await expect(loadImageFiles(['a.png'], { captions: ['x', 'y'] })).rejects.toThrow(/options.captions must be an array of 1 strings \(one caption per file\)/);
    await expect(loadImageFiles(['a.png'], { labels: [-1] })).rejects.toThrow(/options.labels must be an array of 1 class ids/);
    await expect(loadImageFiles(['a.png', 'b.png'], { labels: [0, 2], classNames: ['x'] })).rejects.toThrow(/options.classNames must be an array of strings naming every class id \(at least 3\)/);
    await expect(loadImageFiles([path.join(dir, 'missing.png')])).rejects.toThrow(/missing\.png: cannot be read \(ENOENT\)/);
  });
});
