import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { rgbToLab } from '@selfsup/augment';
import { buildEncoder, defaultArchitectureConfig, hasArchitecture, unregisterArchitecture } from '@selfsup/encoders';
import { saveEncoder } from '@selfsup/encoders/node';
import { readImage } from '@selfsup/tensors/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from '../test/helpers.js';
import { type WrittenVideo, writeSyntheticVideo } from '../test/video-data.js';
import { runCli } from './program.js';
import { type VideoColorizeResult, type VideoPropagateResult, type VideoTrainResult, stripIndices } from './video-command.js';
import { readMask } from './video-frames.js';

// Every `selfsup video` subcommand end to end, in-process, on small generated videos (synthetic.ts of
// @selfsup/video-colorize: textured objects moving over a textured background, with ground-truth masks).

let tmp: string;
let plain: WrittenVideo;
let davis: WrittenVideo[];
const at = (...parts: string[]) => path.join(tmp, ...parts);
// A small net keeps every run to a second or two.
const SMALL_NET = ['--width', '8', '--output-dim', '16', '--blocks', '0'];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-video-cli-'));
  // Training: a folder of two videos.
  for (const [name, seed] of [['a', 1], ['b', 2]] as const) await writeSyntheticVideo(at('train', name), undefined, seed, { format: 'none' });
  // One plain video whose masks (grey ids) exist for frames 1, 4 and 6 only.
  plain = await writeSyntheticVideo(at('plain', 'frames'), at('plain', 'masks'), 7, { format: 'grey', maskFrames: [0, 3, 5] });
  // A DAVIS root with two sequences, every frame annotated (palette PNGs).
  davis = [];
  for (const [seq, seed] of [['bear', 11], ['car', 12]] as const) {
    davis.push(await writeSyntheticVideo(at('davis', 'JPEGImages', '480p', seq), at('davis', 'Annotations', '480p', seq), seed, { format: 'palette' }));
  }
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function cli(argv: readonly string[]) {
  const c = captureCli();
  const code = await runCli(argv, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr(), result: c.result() };
}

const exists = (file: string) => fs.stat(file).then(() => true, () => false);
const readJson = async <T>(file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as T;

describe('selfsup video train', () => {
  it('trains on a folder of videos: run.json, encoder/, log.json and loss.svg', async () => {
    const run = await cli(['video', 'train', '--frames', at('train'), '--out', at('run'), '--max-steps', '2', '--batch-size', '2', '--frame-gaps', '1,2', ...SMALL_NET, '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^video-colorization: 2 steps \(maxSteps\) in [\d.]+ s \([\d.]+ CPU s\), last loss \d+\.\d{4}; encoder saved to /);
    for (const f of ['run.json', 'log.json', 'loss.svg', 'encoder/model.json']) expect(await exists(at('run', f)), f).toBe(true);
    const result = run.result as VideoTrainResult;
    // Two videos of 6 frames; clips of 4 frames with gaps 1 (3 per video) and 2 (none fit: 7 frames needed).
    expect(result.videos.map((v) => [v.name, v.frames])).toEqual([['a', 6], ['b', 6]]);
    expect(result.clips).toBe(6);
    const log = await readJson<{ history: { loss: number; colorAccuracy: number }[]; settings: Record<string, unknown>; colorClusters: number[] }>(at('run', 'log.json'));
    expect(log.history).toHaveLength(2);
    for (const h of log.history) {
      expect(Number.isFinite(h.loss)).toBe(true);
      expect(h.colorAccuracy).toBeGreaterThanOrEqual(0);
    }
    expect(log.settings).toMatchObject({ clipLength: 4, frameGaps: [1, 2], width: 8, outputDim: 16, blocks: 0, stride: 4, imageSize: [32, 32], maxSteps: 2, seed: 0 });
    expect(log.colorClusters).toHaveLength(32);
  });

  it('saves an encoder selfsup eval probes too (the CLI registers its architecture)', async () => {
    // As in a fresh process: nobody has registered the architecture yet.
    unregisterArchitecture('video-colorization-embedding');
    expect(hasArchitecture('video-colorization-embedding')).toBe(false);
    const run = await cli(['eval', '--encoder', at('run', 'encoder'), '--data', 'mnist', '--limit', '40', '--probe', 'knn', '--k', '5', '--no-metrics', '--plot', 'none', '--quiet', '--out', at('eval')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ knn +\d+\.\d\d%/);
  });

  it('takes its settings from --config, flags winning, and refuses unknown keys', async () => {
    const config = at('train.json');
    await fs.writeFile(config, JSON.stringify({ frames: at('train'), maxSteps: 1, batchSize: 3, width: 8, outputDim: 8, blocks: 0, seed: 5, cropSize: [16, 16] }));
    const run = await cli(['video', 'train', '--config', config, '--out', at('run-config'), '--batch-size', '2', '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const log = await readJson<{ settings: Record<string, unknown> }>(at('run-config', 'log.json'));
    expect(log.settings).toMatchObject({ batchSize: 2, maxSteps: 1, outputDim: 8, seed: 5, cropSize: [16, 16] });
    await fs.writeFile(config, JSON.stringify({ frames: at('train'), learningRate: 0.1 }));
    const bad = await cli(['video', 'train', '--config', config, '--out', at('run-bad'), '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--config .*train\.json: keys must be among frames, .*; got "learningRate"/);
  });

  it('refuses an earlier run without --overwrite, and replaces it with', async () => {
    const again = ['video', 'train', '--frames', at('train'), '--out', at('run'), '--max-steps', '1', '--batch-size', '2', ...SMALL_NET, '--quiet'];
    const refused = await cli(again);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^selfsup: --out .*run holds an earlier run: run\.json, encoder\/, log\.json and loss\.svg \(a video-colorization run started .*\); pass --overwrite/);
    expect((await readJson<{ steps: number }>(at('run', 'log.json'))).steps).toBe(2);
    await fs.mkdir(at('run-copy'));
    for (const f of ['run.json', 'log.json', 'loss.svg']) await fs.copyFile(at('run', f), at('run-copy', f));
    await fs.writeFile(at('run-copy', 'notes.txt'), 'mine');
    const replaced = await cli([...again.slice(0, 5), at('run-copy'), ...again.slice(6), '--overwrite']);
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).toMatch(/--overwrite: replaced the earlier run in .*run-copy: removed run\.json, log\.json and loss\.svg/);
    expect((await readJson<{ steps: number }>(at('run-copy', 'log.json'))).steps).toBe(1);
    expect(await fs.readFile(at('run-copy', 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('selfsup video colorize', () => {
  it('colors every frame from the first: PNGs, a strip, and the ab error next to copying the reference', async () => {
    const run = await cli(['video', 'colorize', '--encoder', at('run', 'encoder'), '--frames', at('plain', 'frames'), '--out', at('colorized'), '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^frames: 5 frames colored from 00000\.png: mean absolute ab error \d+\.\d{3} \(copying the reference's colors: \d+\.\d{3}\)/);
    const files = (await fs.readdir(at('colorized', 'colorized'))).sort();
    expect(files).toEqual(['00001.png', '00002.png', '00003.png', '00004.png', '00005.png']);
    const strip = await readImage(at('colorized', 'strip.png'));
    // Rows: grey input, colored, truth; 6 frames of 32 px with 2 px padding.
    expect(strip.shape[2]).toBe(3);
    expect(strip.shape[0]).toBeGreaterThanOrEqual(3 * 32);
    expect(strip.shape[1]).toBeGreaterThanOrEqual(6 * 32);
    strip.dispose();
    // The baseline against a plain reference: the mean absolute ab difference between each frame and frame 1.
    const result = (run.result as VideoColorizeResult).videos[0];
    const frames = await Promise.all(plain.frameFiles.map((f) => readImage(f, { channels: 3 })));
    const ab = frames.map((f) => tf.tidy(() => Array.from(rgbToLab(tf.expandDims(f, 0) as tf.Tensor4D).dataSync()).filter((_, i) => i % 3 !== 0)));
    const reference = ab[0] as number[];
    const copy = ab.slice(1).map((x) => x.reduce((s, v, i) => s + Math.abs(v - (reference[i] as number)), 0) / x.length);
    expect(result?.copyReferenceError).toBeCloseTo(copy.reduce((s, e) => s + e, 0) / copy.length, 4);
    expect(result?.colorError).toBeGreaterThan(0);
    tf.dispose(frames);
  });

  it('takes another reference frame by number or name', async () => {
    const run = await cli(['video', 'colorize', '--encoder', at('run', 'encoder'), '--frames', at('plain', 'frames'), '--out', at('colorized-3'), '--reference', '3', '--top-k', '3', '--radius', '2', '--quiet']);
    expect(run.code).toBe(0);
    expect((run.result as VideoColorizeResult).videos[0]?.reference).toBe('00002.png');
    expect((await fs.readdir(at('colorized-3', 'colorized'))).sort()).toEqual(['00000.png', '00001.png', '00003.png', '00004.png', '00005.png']);
    const named = await cli(['video', 'colorize', '--encoder', at('run', 'encoder'), '--frames', at('plain', 'frames'), '--out', at('colorized-n'), '--reference', '00004', '--quiet']);
    expect((named.result as VideoColorizeResult).videos[0]?.reference).toBe('00004.png');
  });

  it('refuses to write over earlier output without --overwrite', async () => {
    const argv = ['video', 'colorize', '--encoder', at('run', 'encoder'), '--frames', at('plain', 'frames'), '--out', at('colorized'), '--quiet'];
    const refused = await cli(argv);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--out .*colorized holds earlier output: colorize\.json, colorized, strip\.png; pass --overwrite/);
    expect((await cli([...argv, '--overwrite'])).code).toBe(0);
  });
});

describe('selfsup video propagate', () => {
  it('propagates a plain folder of masks, scoring the annotated frames, with every baseline', async () => {
    const run = await cli([
      'video', 'propagate', '--encoder', at('run', 'encoder'), '--frames', at('plain', 'frames'), '--masks', at('plain', 'masks'),
      '--out', at('propagated'), '--baselines', 'copy,pixels,random', '--quiet',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = run.result as VideoPropagateResult;
    expect(result.methods).toEqual([at('run', 'encoder'), 'random init (seed 0)', 'raw Lab pixels', 'copy the first mask']);
    const video = result.videos[0];
    // Sparse truth: every annotated frame but the first is scored, the last included.
    expect(video?.scoredFrames).toEqual(['00003.png', '00005.png']);
    const first = plain.masks[0] as Int32Array;
    const objects = [...new Set(first)].filter((id) => id !== 0).sort((a, b) => a - b);
    expect(video?.objects).toEqual(objects);
    // Copying the first mask, J against a plain reference: IoU per object per scored frame, averaged.
    const iou = (a: Int32Array, b: Int32Array, id: number) => {
      let inter = 0;
      let union = 0;
      for (let i = 0; i < a.length; i++) {
        inter += a[i] === id && b[i] === id ? 1 : 0;
        union += a[i] === id || b[i] === id ? 1 : 0;
      }
      return union === 0 ? 1 : inter / union;
    };
    const expectedJ = objects.map((id) => [3, 5].reduce((s, t) => s + iou(first, plain.masks[t] as Int32Array, id), 0) / 2).reduce((s, j) => s + j, 0) / objects.length;
    expect(result.summary?.['copy the first mask']?.j).toBeCloseTo(expectedJ, 10);
    for (const m of result.methods) {
      const s = result.summary?.[m];
      expect(s?.jf).toBeGreaterThanOrEqual(0);
      expect(s?.jf).toBeLessThanOrEqual(1);
      expect(s?.jf).toBeCloseTo(((s?.j ?? 0) + (s?.f ?? 0)) / 2, 10);
    }
    expect(run.stdout).toMatch(/method +J +F +J&F\n/);
    expect(run.stdout).toMatch(/copy the first mask +\d\.\d{3} +\d\.\d{3} +\d\.\d{3}/);
    // A palette PNG per frame; the first is the given mask; the ids are the given objects.
    const masks = (await fs.readdir(at('propagated', 'masks'))).sort();
    expect(masks).toEqual(['00000.png', '00001.png', '00002.png', '00003.png', '00004.png', '00005.png']);
    expect(Array.from((await readMask(at('propagated', 'masks', '00000.png'))).ids)).toEqual(Array.from(first));
    for (const m of masks) for (const id of new Set((await readMask(at('propagated', 'masks', m))).ids)) expect([0, ...objects]).toContain(id);
    // Sparse truth: the picture's columns are the annotated frames (1, 4, 6); rows: 4 methods and the truth.
    const overlay = await readImage(at('propagated', 'overlay.png'));
    expect(overlay.shape[1]).toBeGreaterThanOrEqual(3 * 32);
    expect(overlay.shape[1]).toBeLessThan(4 * 32);
    expect(overlay.shape[0]).toBeGreaterThanOrEqual(5 * 32);
    expect(overlay.shape[0]).toBeLessThan(6 * 32);
    overlay.dispose();
    const json = await readJson<{ protocol: Record<string, number>; summary: Record<string, unknown> }>(at('propagated', 'propagation.json'));
    expect(json.protocol).toEqual({ contextFrames: 20, radius: 12, topK: 10, temperature: 0.07 });
    expect(Object.keys(json.summary)).toEqual(result.methods);
  });

  it('reads a DAVIS root: every sequence, its Annotations, DAVIS frames scored (not the first or last)', async () => {
    const run = await cli(['video', 'propagate', '--encoder', 'pixels', '--frames', at('davis'), '--out', at('davis-out'), '--baselines', 'copy', '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = run.result as VideoPropagateResult;
    expect(result.videos.map((v) => v.name)).toEqual(['bear', 'car']);
    for (const v of result.videos) expect(v.scoredFrames).toEqual(['00001.png', '00002.png', '00003.png', '00004.png']);
    for (const seq of ['bear', 'car']) {
      expect((await fs.readdir(at('davis-out', seq, 'masks'))).length).toBe(6);
      expect(await exists(at('davis-out', seq, 'overlay.png'))).toBe(true);
    }
    // Objects are counted over both sequences (DAVIS averages objects, not videos).
    const objects = davis.reduce((s, v) => s + new Set(Array.from(v.masks[0] as Int32Array).filter((id) => id !== 0)).size, 0);
    expect(result.summary?.['raw Lab pixels']?.objects).toBe(objects);
    const one = await cli(['video', 'propagate', '--encoder', 'pixels', '--frames', at('davis'), '--sequence', 'car', '--out', at('davis-car'), '--quiet']);
    expect((one.result as VideoPropagateResult).videos.map((v) => v.name)).toEqual(['car']);
    // One video: its outputs go in --out itself.
    expect(await exists(at('davis-car', 'masks', '00005.png'))).toBe(true);
  });

  it('writes masks without scores when no later frame has one', async () => {
    await fs.mkdir(at('first-only'));
    await fs.copyFile(at('plain', 'masks', '00000.png'), at('first-only', '00000.png'));
    const run = await cli(['video', 'propagate', '--encoder', 'random', '--frames', at('plain', 'frames'), '--masks', at('first-only'), '--out', at('unscored'), '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no mask for any later frame: nothing scored/);
    expect((run.result as VideoPropagateResult).summary).toBeUndefined();
    expect((await fs.readdir(at('unscored', 'masks'))).length).toBe(6);
  });

  it('starts at the first frame that has a mask, leaving out the frames before it', async () => {
    await fs.mkdir(at('from-4'));
    for (const f of ['00003.png', '00005.png']) await fs.copyFile(at('plain', 'masks', f), at('from-4', f));
    const run = await cli(['video', 'propagate', '--encoder', 'pixels', '--frames', at('plain', 'frames'), '--masks', at('from-4'), '--out', at('from-4-out')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/frames: the first mask is 00003\.png: propagating from frame 4 \(the 3 before it are left out\)/);
    const video = (run.result as VideoPropagateResult).videos[0];
    expect([video?.firstFrame, video?.frames, video?.scoredFrames]).toEqual(['00003.png', 3, ['00005.png']]);
    expect((await fs.readdir(at('from-4-out', 'masks'))).sort()).toEqual(['00003.png', '00004.png', '00005.png']);
  });

  it('reloads the trained encoder in a new process (the same masks as in this one)', async () => {
    const argv = ['video', 'propagate', '--encoder', at('run', 'encoder'), '--frames', at('plain', 'frames'), '--masks', at('plain', 'masks'), '--quiet'];
    const here = await cli([...argv, '--out', at('same-here')]);
    expect(here.code).toBe(0);
    const sourceBin = fileURLToPath(new URL('../test/source-bin.ts', import.meta.url));
    const child = await promisify(execFile)(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', sourceBin, ...argv, '--out', at('same-child')], {
      env: { ...process.env, CI: '1' },
    });
    expect(child.stderr).toBe('');
    expect(child.stdout).toContain(here.stdout.split('\n')[2] as string);
    for (const m of await fs.readdir(at('same-here', 'masks'))) {
      expect(Array.from((await readMask(at('same-child', 'masks', m))).ids)).toEqual(Array.from((await readMask(at('same-here', 'masks', m))).ids));
    }
  }, 120_000);
});

describe('selfsup video: bad input exits 2 with one line', () => {
  let convNet: string;
  beforeAll(async () => {
    convNet = at('convnet-encoder');
    const encoder = buildEncoder('convNet', defaultArchitectureConfig('convNet', [32, 32, 3], 0));
    await saveEncoder(convNet, encoder);
    encoder.dispose();
    await fs.mkdir(at('jpeg-masks'));
    await fs.writeFile(at('jpeg-masks', '00000.jpg'), 'x');
    await fs.mkdir(at('last-only'));
    await fs.copyFile(at('plain', 'masks', '00005.png'), at('last-only', '00005.png'));
    await fs.mkdir(at('small-mask'));
    const tiny = tf.zeros([8, 8, 1]) as tf.Tensor3D;
    const { writePng } = await import('@selfsup/tensors/node');
    await writePng(at('small-mask', '00000.png'), tiny);
    tiny.dispose();
    await fs.mkdir(at('empty-dir'));
  });

  const encoder = () => at('run', 'encoder');
  const propagate = (...rest: string[]) => ['video', 'propagate', '--encoder', encoder(), '--frames', at('plain', 'frames'), '--out', at('bad-out'), ...rest];
  it.each([
    ['a missing --frames', () => ['video', 'train', '--frames', at('nope'), '--out', at('bad-run')], /--frames must be an existing directory; .*nope is not there/],
    ['no frames at all', () => ['video', 'train', '--frames', at('empty-dir'), '--out', at('bad-run')], /--frames .*empty-dir: expected PNG or JPEG frames/],
    ['no --frames', () => ['video', 'train', '--out', at('bad-run')], /--frames is required/],
    ['a crop larger than the frames', () => ['video', 'train', '--frames', at('train'), '--crop-size', '64x64', '--out', at('bad-run')], /--crop-size must fit the frames \(32x32\)/],
    ['too short videos', () => ['video', 'train', '--frames', at('train'), '--clip-length', '9', '--out', at('bad-run')], /--frames .*: a clip needs 9 frames .*the longest video has 6/],
    ['a bad --stride', () => ['video', 'train', '--frames', at('train'), '--stride', '5', '--out', at('bad-run')], /--stride must be 4 or 8; got 5/],
    ['a batch larger than the clips', () => ['video', 'train', '--frames', at('train'), '--batch-size', '99', '--out', at('bad-run')], /--batch-size must be at most the number of clips \(6\); got 99/],
    ['an encoder of another method', () => ['video', 'colorize', '--encoder', at('convnet-encoder'), '--frames', at('plain', 'frames'), '--out', at('bad-out')], /--encoder must be an encoder saved by selfsup video train \(architecture video-colorization-embedding\); .* holds a convNet/],
    ['a directory without a checkpoint', () => ['video', 'colorize', '--encoder', at('empty-dir'), '--frames', at('plain', 'frames'), '--out', at('bad-out')], /--encoder .*empty-dir: no checkpoint there/],
    ['a reference that is no frame', () => ['video', 'colorize', '--encoder', encoder(), '--frames', at('plain', 'frames'), '--reference', '99', '--out', at('bad-out')], /--reference must be a frame number \(1-6\) or a frame's file name; got "99"/],
    ['no masks for a plain folder', () => propagate(), /--masks is needed: frames has no first-frame mask/],
    ['masks for no frame', () => propagate('--masks', at('empty-dir')), /--masks must hold a mask named like a frame \(00000\.png for 00000\.png, \.\.\.\); .*empty-dir has none for frames/],
    ['a first mask for the last frame only', () => propagate('--masks', at('last-only')), /--masks must give a frame before the last one its mask: frames's first mask is for its last frame/],
    ['JPEG masks', () => propagate('--masks', at('jpeg-masks')), /--masks masks must be PNG files/],
    ['a mask of another size', () => propagate('--masks', at('small-mask')), /00000\.png: the mask is 8x8, its frame is 32x32/],
    ['an unknown sequence', () => ['video', 'propagate', '--encoder', 'pixels', '--frames', at('davis'), '--sequence', 'cow', '--out', at('bad-out')], /--sequence must name videos under .* \(bear, car\); "cow" is not one/],
    ['an unknown baseline', () => propagate('--masks', at('plain', 'masks'), '--baselines', 'copy,oracle'), /"oracle" is not one of copy, pixels, random/],
    ['a DAVIS resolution that is not there', () => ['video', 'propagate', '--encoder', 'pixels', '--frames', at('davis'), '--resolution', '1080p', '--out', at('bad-out')], /--resolution must be a folder of .*; got "1080p", the resolutions there are: 480p/],
  ])('%s', async (_what, argv, message) => {
    const run = await cli(argv());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help')).length).toBe(1);
    expect(await exists(at('bad-out', 'propagation.json'))).toBe(false);
  });

  it('refuses a first mask with no object', async () => {
    await fs.mkdir(at('blank-mask'));
    const blank = tf.zeros([32, 32, 1]) as tf.Tensor3D;
    const { writePng } = await import('@selfsup/tensors/node');
    await writePng(at('blank-mask', '00000.png'), blank);
    blank.dispose();
    const run = await cli(propagate('--masks', at('blank-mask')));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/00000\.png: the first frame's mask has no object/);
  });
});

describe('selfsup video: help and strips', () => {
  it('lists the subcommands', async () => {
    const run = await cli(['video', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/train \[options\][\s\S]*colorize \[options\][\s\S]*propagate \[options\]/);
  });

  it('spreads strip frames evenly, first and last included', () => {
    expect(stripIndices(3, 8)).toEqual([0, 1, 2]);
    expect(stripIndices(120, 5)).toEqual([0, 30, 60, 89, 119]);
    expect(stripIndices(10, 1)).toEqual([0]);
  });
});
