import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@selfsup/tensors';
import { captureCli } from '../test/helpers.js';
import { loadEvalData } from './data.js';
import { runCli } from './program.js';
import { loadSequenceFolder, parseNpy, parseSequenceJson } from './sequences.js';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-sequences-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

type Dtype = '<f4' | '<f8' | '|u1' | '<i2' | '<i4';
const WRITERS: Record<Dtype, { bytes: number; write: (v: DataView, at: number, x: number) => void }> = {
  '<f4': { bytes: 4, write: (v, at, x) => v.setFloat32(at, x, true) },
  '<f8': { bytes: 8, write: (v, at, x) => v.setFloat64(at, x, true) },
  '|u1': { bytes: 1, write: (v, at, x) => v.setUint8(at, x) },
  '<i2': { bytes: 2, write: (v, at, x) => v.setInt16(at, x, true) },
  '<i4': { bytes: 4, write: (v, at, x) => v.setInt32(at, x, true) },
};

/** A version-1 .npy file, written the way NumPy lays it out: the header dict padded with spaces to a multiple of 64. */
function npy(dtype: string, shape: readonly number[], values: readonly number[], options: { fortran?: boolean; version?: 1 | 2 } = {}): Buffer {
  const version = options.version ?? 1;
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${dtype}', 'fortran_order': ${options.fortran === true ? 'True' : 'False'}, 'shape': (${dims}), }`;
  const prefix = version === 1 ? 10 : 12;
  header += ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const writer = WRITERS[dtype as Dtype] ?? WRITERS['<f4'];
  const data = new DataView(new ArrayBuffer(values.length * writer.bytes));
  values.forEach((x, i) => writer.write(data, i * writer.bytes, x));
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]);
}

describe('parseNpy', () => {
  it('reads [steps] and [steps, channels] arrays of every supported dtype, C and Fortran order, versions 1 and 2', () => {
    const dtypes = Object.keys(WRITERS) as Dtype[];
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.boolean(),
        fc.constantFrom(1 as const, 2 as const),
        fc.integer({ min: 0, max: 1000 }),
        (dtype, steps, channels, fortran, version, seed) => {
          const c = channels ?? 1;
          // Values every dtype holds exactly: small integers (halves too for floats).
          const expected = Array.from({ length: steps * c }, (_, i) => ((seed + 7 * i) % 50) / (dtype.includes('f') ? 2 : 1));
          // Fortran order writes channel columns one after the other.
          const stored = fortran ? Array.from({ length: steps * c }, (_, k) => expected[(k % steps) * c + Math.floor(k / steps)]!) : expected;
          const parsed = parseNpy(npy(dtype, channels === undefined ? [steps] : [steps, c], stored, { fortran, version }), 'x.npy');
          expect(parsed.steps).toBe(steps);
          expect(parsed.channels).toBe(c);
          expect(Array.from(parsed.values)).toEqual(expected);
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });

  it.each([
    [Buffer.from('not numpy at all'), /^x\.npy: not a NumPy \.npy file/],
    [npy('>f4', [3], [1, 2, 3]), /^x\.npy: dtype ">f4" is not supported/],
    [npy('<f4', [2, 2, 2], Array(8).fill(0)), /^x\.npy: a sequence is an array of shape \[steps\] or \[steps, channels\]; this one has shape \[2, 2, 2\]/],
    [npy('<f4', [0], []), /^x\.npy: a sequence needs at least one step and one channel/],
    [npy('<f4', [4], [1, 2, 3, 4]).subarray(0, 136), /^x\.npy: holds 8 bytes of data; shape \[4\] of <f4 needs 16/],
    [npy('<f4', [3], [1, Number.NaN, 3]), /^x\.npy: value 1 is NaN; sequences must be finite numbers/],
    [Buffer.concat([npy('<f4', [1], [1]).subarray(0, 8), Buffer.from([200, 0])]), /^x\.npy: the \.npy header is cut short/],
  ])('rejects a bad file, naming it (%#)', (bytes, message) => {
    expect(() => parseNpy(bytes, 'x.npy')).toThrow(message);
    try {
      parseNpy(bytes, 'x.npy');
    } catch (error) {
      expect((error as { code?: string }).code).toBe('BAD_DATA');
    }
  });

  it('rejects what is not bytes, naming the argument', () => {
    expect(() => parseNpy('abc' as unknown as Uint8Array)).toThrow(/bytes must be the bytes of a \.npy file/);
  });
});

describe('parseSequenceJson', () => {
  it('reads numbers as one channel and rows as channels', () => {
    expect(parseSequenceJson('[1, 2.5, -3]')).toEqual({ steps: 3, channels: 1, values: Float32Array.from([1, 2.5, -3]) });
    expect(parseSequenceJson('[[1, 2], [3, 4], [5, 6]]')).toEqual({ steps: 3, channels: 2, values: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  });

  it.each([
    ['[1, 2', /^s\.json: not JSON/],
    ['{"a": 1}', /^s\.json: a JSON sequence is an array of numbers .*; this is object/],
    ['[]', /this is an empty array/],
    ['[[1, 2], [3]]', /step 1 has 1 value\(s\), step 0 has 2/],
    ['[[1], 2]', /step 1 has 1 value\(s\), step 0 has 1/],
    ['[1, "2"]', /step 1 holds "2"/],
    ['[[]]', /a sequence needs at least one step and one channel/],
  ])('rejects %s, naming the file', (text, message) => {
    expect(() => parseSequenceJson(text, 's.json')).toThrow(message);
  });
});

async function writeSequences(dir: string, layout: Record<string, readonly (readonly number[])[]>): Promise<void> {
  for (const [file, steps] of Object.entries(layout)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    if (file.endsWith('.npy')) await fs.writeFile(path.join(dir, file), npy('<f4', [steps.length, steps[0]!.length], steps.flat()));
    else await fs.writeFile(path.join(dir, file), JSON.stringify(steps));
  }
}

describe('loadSequenceFolder', () => {
  it('labels class folders, reads .npy and .json alike as [1, steps, channels] samples, and ignores other files', async () => {
    const dir = path.join(tmp, 'labelled');
    await writeSequences(dir, { 'a/1.json': [[1, 2], [3, 4], [5, 6]], 'a/2.npy': [[0, 0], [1, 1], [2, 2]], 'b/1.json': [[9, 8], [7, 6], [5, 4]] });
    await fs.writeFile(path.join(dir, 'a', 'notes.txt'), 'not a sequence');
    const before = tf.memory().numTensors;
    const data = await loadSequenceFolder(dir);
    expect(data.imageShape).toEqual([1, 3, 2]);
    expect(data.size).toBe(3);
    expect(data.classNames).toEqual(['a', 'b']);
    expect(Array.from(await data.labels!())).toEqual([0, 0, 1]);
    const batch = await data.getBatch([0, 2]);
    expect(batch.images.shape).toEqual([2, 1, 3, 2]);
    expect(Array.from(batch.images.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 9, 8, 7, 6, 5, 4]);
    tf.dispose([batch.images, batch.labels]);
    data.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
    // A test split labels by the training split's classes; a limit takes the classes in turn, so both stay.
    const test = await loadSequenceFolder(dir, { classNames: ['b', 'a'], limit: 2 });
    expect(Array.from(await test.labels!())).toEqual([1, 0]);
    expect(test.files.map((f) => path.relative(dir, f))).toEqual([path.join('a', '1.json'), path.join('b', '1.json')]);
    test.dispose?.();
  });

  it('reads files without class folders as an unlabelled set', async () => {
    const dir = path.join(tmp, 'unlabelled');
    await writeSequences(dir, { '1.json': [[1], [2]], '2.json': [[3], [4]] });
    const data = await loadSequenceFolder(dir);
    expect(data.numClasses).toBeUndefined();
    expect(data.labels).toBeUndefined();
    expect(data.imageShape).toEqual([1, 2, 1]);
    data.dispose?.();
  });

  it.each([
    [{ 'a/1.json': [[1], [2]], '2.json': [[1], [2]] }, {}, /holds both class folders \(a\) and sequence files \(2\.json\)/],
    [{ 'a/1.json': [[1], [2]], 'a/2.json': [[1], [2], [3]] }, {}, /2\.json: has 3 steps of 1 channel\(s\); the others have 2 of 1 \(every sequence of a data set must have the same length\)/],
    [{ 'a/1.json': [[1], [2]] }, { shape: [2, 3] as const }, /1\.json: has 2 steps of 1 channel\(s\); the others have 2 of 3/],
    [{ 'c/1.json': [[1], [2]] }, { classNames: ['a', 'b'] }, /c: is a class the training split does not have \(a, b\)/],
    [{ 'a/1.txt': [[1]] }, {}, /no sequences found \(\.npy or \.json files, directly or in class sub-folders\)/],
  ])('rejects a bad folder, naming the file (%#)', async (layout, options, message) => {
    const dir = await fs.mkdtemp(path.join(tmp, 'bad-'));
    await writeSequences(dir, layout);
    const before = tf.memory().numTensors;
    await expect(loadSequenceFolder(dir, options)).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('--data sequences:<dir>', () => {
  /** train/ and test/ of two classes of 1-channel sequences (a rising and a falling ramp), or unlabelled. */
  async function sequenceData(name: string, labelled = true): Promise<string> {
    const dir = path.join(tmp, name);
    const layout: Record<string, number[][]> = {};
    for (const [split, n] of [['train', 8], ['test', 4]] as const) {
      for (let i = 0; i < n; i++) {
        const up = i % 2 === 0;
        layout[`${split}/${labelled ? `${up ? 'up' : 'down'}/` : ''}${i}.json`] = Array.from({ length: 12 }, (_, t) => [(up ? t : 12 - t) / 12 + i / 100]);
      }
    }
    await writeSequences(dir, layout);
    return dir;
  }

  it('loads train/ and test/ as sequences labelled by the training classes', async () => {
    const dir = await sequenceData('loads');
    const data = await loadEvalData(`sequences:${dir}`);
    expect(data.kind).toBe('sequences');
    expect([data.train.size, data.test.size]).toEqual([8, 4]);
    expect(data.test.classNames).toEqual(['down', 'up']);
    data.train.dispose?.();
    data.test.dispose?.();
    await expect(loadEvalData(`sequences:${path.join(tmp, 'none')}`)).rejects.toThrow(/--data sequences: no such directory/);
    await fs.mkdir(path.join(tmp, 'no-test', 'train'), { recursive: true });
    await expect(loadEvalData(`sequences:${path.join(tmp, 'no-test')}`)).rejects.toThrow(/no-test\/test\/ holding \.npy or \.json sequences/);
  });

  it('trains cpc from the command line and probes its pooled embeddings; other methods refuse sequences', async () => {
    const dir = await sequenceData('cli');
    const out = path.join(tmp, 'cpc-run');
    const c = captureCli();
    const code = await runCli(['pretrain', '--method', 'cpc', '--data', `sequences:${dir}`, '--window', '3', '--batch-size', '4', '--arch-config', '{"channels":[8],"strides":[1]}', '--out', out, '--quiet'], c.io);
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    expect(c.stdout()).toMatch(/^cpc: 2 steps \(completed\)/);
    const run = JSON.parse(await fs.readFile(path.join(out, 'log.json'), 'utf8')) as { method: { config: { frontEnd: unknown; grid: number[] } } };
    expect(run.method.config).toMatchObject({ frontEnd: { kind: 'sequence', window: 3, hop: 3 }, grid: [4, 1] });
    const e = captureCli();
    expect(await runCli(['eval', '--encoder', path.join(out, 'encoder'), '--data', `sequences:${dir}`, '--probe', 'knn', '--k', '3', '--plot', 'none', '--no-metrics', '--out', path.join(tmp, 'cpc-eval'), '--quiet'], e.io)).toBe(0);
    expect(e.stdout()).toMatch(/encoder +knn +\d+\.\d\d%/);

    const simclr = captureCli();
    expect(await runCli(['pretrain', '--method', 'simclr', '--data', `sequences:${dir}`, '--out', path.join(tmp, 'simclr-seq'), '--quiet'], simclr.io)).toBe(2);
    expect(simclr.stderr()).toMatch(/--method simclr trains on images; --data sequences:.* holds sequences \(methods that train on sequences: cpc\)/);
  });

  it('pretrains on unlabelled sequences; eval says why it cannot probe them', async () => {
    const dir = await sequenceData('unlabelled-cli', false);
    const out = path.join(tmp, 'cpc-unlabelled');
    const c = captureCli();
    expect(await runCli(['pretrain', '--method', 'cpc', '--data', `sequences:${dir}`, '--window', '3', '--batch-size', '4', '--arch-config', '{"channels":[8],"strides":[1]}', '--out', out, '--quiet'], c.io)).toBe(0);
    const e = captureCli();
    expect(await runCli(['eval', '--encoder', path.join(out, 'encoder'), '--data', `sequences:${dir}`, '--plot', 'none', '--out', path.join(tmp, 'cpc-eval-unlabelled'), '--quiet'], e.io)).toBe(2);
    expect(e.stderr()).toMatch(
      /--data sequences:.*: selfsup eval probes with labels, and these sequences have none \(their files lie directly in train\/ and test\/\); put each in a class folder/,
    );
  });

  it('exits 2 naming a bad file', async () => {
    const dir = await sequenceData('bad-file');
    await fs.writeFile(path.join(dir, 'train', 'up', '0.json'), '[1, 2');
    const c = captureCli();
    expect(await runCli(['pretrain', '--method', 'cpc', '--data', `sequences:${dir}`, '--out', path.join(tmp, 'bad-run'), '--quiet'], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/train\/up\/0\.json: not JSON/);
  });
});
