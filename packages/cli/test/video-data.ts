import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createRng } from '@selfsup/tensors';
import { writePng } from '@selfsup/tensors/node';
import { type SyntheticVideoOptions, syntheticVideo } from '@selfsup/video-colorize';
import * as tf from '@tensorflow/tfjs-core';
import { encodeMaskPng } from '../src/video-frames.js';

/** How a generated video's masks are written: palette PNGs (DAVIS), grey ids, or none. */
export type MaskFormat = 'palette' | 'grey' | 'none';

export interface WrittenVideo {
  readonly frameFiles: readonly string[];
  /** [T][H * W] ground-truth ids. */
  readonly masks: readonly Int32Array[];
  readonly height: number;
  readonly width: number;
}

/**
 * Writes a seeded synthetic video (moving textured objects with ground truth, @selfsup/video-colorize's generator)
 * as PNG frames 00000.png, 00001.png, ... in `frameDir`, and its masks named like the frames in `maskDir` for the
 * frames in `maskFrames` (default: all).
 */
export async function writeSyntheticVideo(
  frameDir: string,
  maskDir: string | undefined,
  seed: number,
  options: SyntheticVideoOptions & { readonly format?: MaskFormat; readonly maskFrames?: readonly number[] } = {},
): Promise<WrittenVideo> {
  const { format = 'palette', maskFrames, ...videoOptions } = options;
  const video = syntheticVideo(createRng(seed), { height: 32, width: 32, frames: 6, objects: 2, ...videoOptions });
  const [t, h, w] = video.masks.shape;
  const ids = video.masks.dataSync();
  const masks = Array.from({ length: t }, (_, i) => Int32Array.from(ids.subarray(i * h * w, (i + 1) * h * w)));
  await fs.mkdir(frameDir, { recursive: true });
  const frameFiles: string[] = [];
  for (let i = 0; i < t; i++) {
    const file = path.join(frameDir, `${String(i).padStart(5, '0')}.png`);
    const frame = tf.tidy(() => tf.squeeze(tf.slice(video.frames, [i, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D);
    await writePng(file, frame);
    frame.dispose();
    frameFiles.push(file);
  }
  if (maskDir !== undefined && format !== 'none') {
    await fs.mkdir(maskDir, { recursive: true });
    for (const i of maskFrames ?? masks.keys()) {
      const file = path.join(maskDir, `${String(i).padStart(5, '0')}.png`);
      const mask = masks[i] as Int32Array;
      if (format === 'palette') await fs.writeFile(file, encodeMaskPng({ height: h, width: w, ids: mask }));
      else {
        const grey = tf.tensor3d(Float32Array.from(mask, (id) => id / 255), [h, w, 1]);
        await writePng(file, grey);
        grey.dispose();
      }
    }
  }
  tf.dispose([video.frames, video.masks]);
  return { frameFiles, masks, height: h, width: w };
}
