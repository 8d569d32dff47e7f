import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError } from '@selfsup/tensors';
import { writePng } from '@selfsup/tensors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaptionFolder, parseCaptionFile, readCaptionFolder } from './caption-data.js';
import { loadEvalData, loadPretrainData } from './data.js';

/** The CLI's fixture: 32 MNIST digits with generated captions (packages/contrastive/scripts/caption-folder.ts). */
const FIXTURE = path.resolve(import.meta.dirname, '../test/fixtures/captions');

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-captions-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The error a call throws, as a SelfsupError (fails the test if it throws nothing or something else). */
async function failure(fn: () => unknown): Promise<SelfsupError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SelfsupError);
    return error as SelfsupError;
  }
  throw new Error('expected an error');
}

describe('parseCaptionFile', () => {
  it('reads JSON lines and tab-separated lines (with or without a header), skipping blank lines', () => {
    const jsonl = '{"image": "a.png", "caption": " a grey bag "}\n\n{"image":"sub/b.png","caption":"a dress"}\r\n';
    expect(parseCaptionFile(jsonl, 'jsonl')).toEqual([
      { line: 1, image: 'a.png', caption: 'a grey bag' },
      { line: 3, image: 'sub/b.png', caption: 'a dress' },
    ]);
    const tsv = 'image\tcaption\tlabel\na.png\ta grey bag\tbag\nb.png\ta dress\tdress\n';
    expect(parseCaptionFile(tsv, 'tsv')).toEqual([
      { line: 2, image: 'a.png', caption: 'a grey bag', label: 'bag' },
      { line: 3, image: 'b.png', caption: 'a dress', label: 'dress' },
    ]);
    expect(parseCaptionFile('a.png\tone\n', 'tsv')).toEqual([{ line: 1, image: 'a.png', caption: 'one' }]);
  });

  it('names the file and the line of a bad line, and what is wrong with it', () => {
    const bad: [string, 'jsonl' | 'tsv', RegExp][] = [
      ['{"image": "a.png", "caption": "x"}\n{"image": "b.png", "caption": "y"', 'jsonl', /^captions\.jsonl line 2: not JSON/],
      ['{"image": "a.png", "caption": ""}', 'jsonl', /^captions\.jsonl line 1: "caption" must be a non-empty string; got ""/],
      ['\n\n{"caption": "x"}', 'jsonl', /^captions\.jsonl line 3: "image" must be the image's path relative to the folder; got null/],
      ['{"image": "/etc/a.png", "caption": "x"}', 'jsonl', /line 1: "image" must be a path relative to the folder; got the absolute path "\/etc\/a.png"/],
      ['{"image": "a.png", "caption": "x", "text": "y"}', 'jsonl', /line 1: unknown key\(s\) "text"; expected "image", "caption" and optionally "label"/],
      ['["a.png", "x"]', 'jsonl', /line 1: expected a JSON object/],
      ['{"image": "a.png", "caption": "x", "label": "p"}\n{"image": "b.png", "caption": "y"}', 'jsonl', /line 2: no "label", while other lines have one/],
      ['a.png only-one-field', 'tsv', /^captions\.tsv line 1: expected image<TAB>caption\[<TAB>label\]; got 1 tab-separated field\(s\)/],
      ['\n \n', 'tsv', /^captions\.tsv: no image-caption pairs/],
    ];
    for (const [text, format, message] of bad) {
      let caught: unknown;
      try {
        parseCaptionFile(text, format);
      } catch (error) {
        caught = error;
      }
      expect(caught, text).toBeInstanceOf(SelfsupError);
      expect((caught as SelfsupError).code).toBe('BAD_DATA');
      expect((caught as SelfsupError).message).toMatch(message);
    }
    expect(() => parseCaptionFile('x', 'csv' as 'tsv')).toThrow(/format must be "jsonl" or "tsv"; got "csv"/);
  });
});

describe('captions:<dir>', () => {
  it('loads the fixture: batches carry their captions, labels come from the "label" field, a limit keeps the first pairs', async () => {
    const lines = (await fs.readFile(path.join(FIXTURE, 'captions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { caption: string; label: string });
    const data = await loadCaptionFolder(FIXTURE);
    expect([data.size, data.imageShape, data.numClasses]).toEqual([32, [28, 28, 1], 10]);
    expect(data.classNames).toEqual(['eight', 'five', 'four', 'nine', 'one', 'seven', 'six', 'three', 'two', 'zero']);
    expect(await data.captions!()).toEqual(lines.map((l) => l.caption));
    const batch = await data.getBatch([5, 0, 31]);
    expect(batch.captions).toEqual([5, 0, 31].map((i) => lines[i]!.caption));
    expect(Array.from(batch.labels!.dataSync()).map((k) => data.classNames![k])).toEqual([5, 0, 31].map((i) => lines[i]!.label));
    tf.dispose([batch.images, batch.labels]);
    const limited = await loadPretrainData(`captions:${FIXTURE}`, { limit: 4 });
    expect(limited.train.size).toBe(4);
    expect(await limited.train.captions!()).toEqual(lines.slice(0, 4).map((l) => l.caption));
    expect(limited.test).toBeUndefined();
    // --validation holds out a share of the pairs, each caption staying with its image.
    const held = await loadPretrainData(`captions:${FIXTURE}`, { validation: 0.25 });
    expect(held.train.size + held.test!.size).toBe(32);
    const heldBatch = await held.test!.getBatch([0, 1]);
    expect(heldBatch.captions).toEqual((await held.test!.captions!()).slice(0, 2));
    tf.dispose([heldBatch.images, heldBatch.labels]);
    for (const d of [data, limited.train, held.train, held.test!]) d.dispose?.();
  });

  it('refuses a folder without a caption file, with two, and a line whose image is not there (or skips it with skipBad)', async () => {
    const dir = path.join(tmp, 'pairs');
    await fs.mkdir(dir, { recursive: true });
    expect((await failure(() => readCaptionFolder(dir))).message).toMatch(/no captions\.jsonl or captions\.tsv in .*pairs/);
    await writePng(path.join(dir, 'a.png'), tf.tidy(() => tf.fill([4, 4, 1], 0.5) as tf.Tensor3D));
    await fs.writeFile(path.join(dir, 'captions.tsv'), 'a.png\ta grey square\nb.png\ta missing one\n');
    const missing = await failure(() => loadPretrainData(`captions:${dir}`));
    expect([missing.code, missing.message]).toEqual(['BAD_DATA', `${path.join(dir, 'captions.tsv')} line 2: image not found: ${path.join(dir, 'b.png')}`]);
    const lenient = await loadCaptionFolder(dir, { skipBad: true });
    expect([lenient.size, await lenient.captions!()]).toEqual([1, ['a grey square']]);
    expect(lenient.skipped()).toEqual([{ file: path.join(dir, 'b.png'), reason: `${path.join(dir, 'b.png')}: image not found` }]);
    await fs.writeFile(path.join(dir, 'captions.jsonl'), '{"image": "a.png", "caption": "x"}\n');
    expect((await failure(() => readCaptionFolder(dir))).message).toMatch(/both captions\.jsonl and captions\.tsv are there; keep one/);
    expect((await failure(() => loadPretrainData('captions:'))).message).toMatch(/--data captions:<dir> needs a directory holding images and captions\.jsonl/);
    expect((await failure(() => loadPretrainData(`captions:${path.join(tmp, 'nope')}`))).message).toMatch(/--data captions: no such directory/);
  });

  it('is pretraining data only: eval and bench refuse it with what they need instead', async () => {
    const error = await failure(() => loadEvalData(`captions:${FIXTURE}`));
    expect(error.message).toMatch(/image-caption data is for pretraining \(selfsup pretrain --method clip\); the probes need labelled train and test splits: mnist, fashion-mnist/);
  });
});
