/**
 * Writes the synthetic videos of the label-propagation benchmark to disk, for `selfsup video`: the unlabelled
 * training videos as folders of frames, the held-out videos as a DAVIS root (frames and masks). Same generator,
 * seeds and sizes as scripts/synthetic-benchmark.ts (training videos from seed 1 + seed, held-out from 100000 + seed;
 * 64x64, 24 frames, 3 objects), written as 8-bit PNGs; masks are grey PNGs whose value is the object id.
 *
 *   <out>/train/video-00/00000.png ...                       --train videos, frames only
 *   <out>/test/JPEGImages/480p/video-00/00000.png ...        --test videos
 *   <out>/test/Annotations/480p/video-00/00000.png ...       their masks, every frame
 *
 *   npx tsx scripts/write-synthetic.ts <out> [--train 96] [--test 16] [--seed 0]
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@selfsup/tensors';
import { registerTfjsEsmResolver, writePng } from '@selfsup/tensors/node';
import { type SyntheticVideo, syntheticVideos } from '../src/index.js';

await registerTfjsEsmResolver();

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const out = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
if (out === undefined) throw new Error('usage: write-synthetic.ts <out> [--train 96] [--test 16] [--seed 0]');
const seed = arg('seed', 0);
const videoOptions = { height: 64, width: 64, frames: 24, objects: 3 };
await initBackend();

async function writeVideo(video: SyntheticVideo, frameDir: string, maskDir?: string): Promise<void> {
  await mkdir(frameDir, { recursive: true });
  if (maskDir !== undefined) await mkdir(maskDir, { recursive: true });
  const [t] = video.frames.shape;
  for (let i = 0; i < t; i++) {
    const name = `${String(i).padStart(5, '0')}.png`;
    const frame = tf.tidy(() => tf.squeeze(tf.slice(video.frames, [i, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D);
    await writePng(path.join(frameDir, name), frame);
    frame.dispose();
    if (maskDir !== undefined) {
      // The grey value is the id: id / 255 in [0, 1], written as the byte id.
      const [, h, w] = video.masks.shape;
      const mask = tf.tidy(() => tf.div(tf.cast(tf.reshape(tf.slice(video.masks, [i, 0, 0], [1, -1, -1]), [h, w, 1]), 'float32'), 255) as tf.Tensor3D);
      await writePng(path.join(maskDir, name), mask);
      mask.dispose();
    }
  }
  tf.dispose([video.frames, video.masks]);
}

const name = (i: number) => `video-${String(i).padStart(2, '0')}`;
const train = syntheticVideos(arg('train', 96), 1 + seed, videoOptions);
for (const [i, video] of train.entries()) await writeVideo(video, path.join(out, 'train', name(i)));
const test = syntheticVideos(arg('test', 16), 100000 + seed, videoOptions);
for (const [i, video] of test.entries()) {
  await writeVideo(video, path.join(out, 'test', 'JPEGImages', '480p', name(i)), path.join(out, 'test', 'Annotations', '480p', name(i)));
}
console.log(`wrote ${train.length} training videos to ${path.join(out, 'train')} and ${test.length} held-out videos (DAVIS layout) to ${path.join(out, 'test')}`);
