import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { convNet } from '@selfsup/encoders';
import { createRng } from '@selfsup/tensors';
import { readImage } from '@selfsup/tensors/node';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '@selfsup/test-utils';
import { smoothImages } from '../../test/helpers.js';
import { colorization } from '../methods/colorization.js';
import { inpainting } from '../methods/inpainting.js';
import { labConvNet } from '../nets/lab-conv-net.js';
import { writeColorizationPng, writeInpaintingPng } from '../node.js';
import { inpaintingMasks } from '../samples/inpainting-samples.js';
import { colorizationExamples, inpaintingExamples } from './example-grids.js';

describe('example pictures', () => {
  it('lay out inpainting and colorization panels and write them as PNG', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pretext-'));
    const images = smoothImages(1, 2, 16, 16);
    const inpaint = inpainting({ encoder: convNet({ inputShape: [16, 16, 3], channels: [4], seed: 1 }), imageSize: [16, 16], decoderChannels: [4] });
    const masks = inpaintingMasks(2, [16, 16], createRng(0));
    const before = tf.memory().numTensors;
    const picture = inpaintingExamples(inpaint, images, masks, { scale: 2, padding: 1 });
    // Two rows (one example each) of three 32x32 panels.
    expect(picture.shape).toEqual([2 * 32 + 1, 3 * 32 + 2, 3]);
    // The first panel is the original, enlarged.
    const first = tf.tidy(() => tf.slice(picture, [0, 0, 0], [32, 32, 3]));
    const original = tf.tidy(() => tf.squeeze(tf.image.resizeNearestNeighbor(tf.slice(images, [0, 0, 0, 0], [1, -1, -1, -1]), [32, 32]), [0]));
    expect(maxAbsDiff(first, original)).toBeLessThan(1e-6);
    tf.dispose([picture, first, original]);
    expect(tf.memory().numTensors).toBe(before);
    await writeInpaintingPng(path.join(dir, 'inpainting.png'), inpaint, images, masks, { examplesPerRow: 2 });
    const written = await readImage(path.join(dir, 'inpainting.png'));
    expect(written.shape).toEqual([16, 6 * 16 + 5 * 2, 3]);

    const color = colorization({ encoder: labConvNet({ input: 'lightness', channels: [4], seed: 2 }) });
    const colorPicture = colorizationExamples(color, images);
    expect(colorPicture.shape).toEqual([2 * 16 + 2, 3 * 16 + 2 * 2, 3]);
    await writeColorizationPng(path.join(dir, 'colorization.png'), color, images);
    expect((await fs.stat(path.join(dir, 'colorization.png'))).size).toBeGreaterThan(100);
    tf.dispose([images, masks, written, colorPicture]);
    inpaint.dispose();
    color.dispose();
    await fs.rm(dir, { recursive: true });
  });
});
