import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from '@selfsup/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idxBytes, pngBytes, writeIdxDataset } from '../src/fixtures.js';

/**
 * Bad data reaches `selfsup pretrain`: truncated or corrupt IDX files, unreadable, corrupt, odd-sized or
 * differently-channelled images. Each stops the run with exit status 2 and a message naming the file; with
 * --skip-bad an image folder's bad files are left out, the run completes, and it reports how many it skipped.
 */

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-bad-data-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

function pretrain(data: string, out: string, extra: string[] = []) {
  return cli(['pretrain', '--method', 'simclr', '--arch', 'mlp', '--data', data, '--batch-size', '4', '--checkpoint-every', '100', '--out', out, '--quiet', ...extra]);
}

type IdxFault = (dir: string) => Promise<{ file: string; message: RegExp }>;

const IDX_FAULTS: Record<string, IdxFault> = {
  'truncated images file': async (dir) => {
    const file = path.join(dir, 'train-images-idx3-ubyte');
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 37));
    return { file, message: /truncated: \d+ bytes, dimensions \[16, 8, 8\] of uint8 need \d+/ };
  },
  'truncated header': async (dir) => {
    const file = path.join(dir, 'train-labels-idx1-ubyte');
    await fs.writeFile(file, Buffer.from([0, 0, 8, 3, 0, 0]));
    return { file, message: /truncated header/ };
  },
  'bad magic number': async (dir) => {
    const file = path.join(dir, 'train-images-idx3-ubyte');
    const bytes = await fs.readFile(file);
    bytes[0] = 0x50;
    await fs.writeFile(file, bytes);
    return { file, message: /bad magic number/ };
  },
  // pretrain reads the training split only (the test split is for eval and bench), so the fault is in a training file.
  'extra bytes': async (dir) => {
    const file = path.join(dir, 'train-images-idx3-ubyte');
    await fs.appendFile(file, Buffer.alloc(5));
    return { file, message: /wrong size/ };
  },
  'corrupt gzip': async (dir) => {
    const file = path.join(dir, 'train-images-idx3-ubyte');
    const gz = gzipSync(await fs.readFile(file));
    await fs.rm(file);
    await fs.writeFile(`${file}.gz`, gz.subarray(0, gz.length - 20));
    return { file: `${file}.gz`, message: /corrupt gzip stream/ };
  },
  'labels that do not match the images': async (dir) => {
    const file = path.join(dir, 'train-labels-idx1-ubyte');
    await fs.writeFile(file, idxBytes([15], new Uint8Array(15)));
    return { file, message: /expected 16 labels/ };
  },
  'empty file': async (dir) => {
    const file = path.join(dir, 'train-images-idx3-ubyte');
    await fs.writeFile(file, Buffer.alloc(0));
    return { file, message: /truncated: 0 bytes/ };
  },
  'NaN pixels in a float32 file': async (dir) => {
    await writeIdxDataset(dir, { n: 16, size: 8, nanImage: 13 });
    return { file: path.join(dir, 'train-images-idx3-ubyte'), message: /image 13 has a non-finite pixel value \(NaN\)/ };
  },
};

describe('bad IDX files', () => {
  it.each(Object.keys(IDX_FAULTS))('%s: exit 2, the message names the file', async (name) => {
    const dir = path.join(tmp, `idx-${name.replace(/\W+/g, '-')}`);
    await writeIdxDataset(dir, { n: 16, size: 8 });
    const { file, message } = await (IDX_FAULTS[name] as IdxFault)(dir);
    const r = await pretrain(`idx:${dir}`, path.join(dir, 'run'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

/** An images:<dir> layout with 16 good 8x8 RGB training images in two classes and 4 test images. */
async function imageFolder(dir: string): Promise<string> {
  for (const [split, count] of [['train', 8], ['test', 2]] as const) {
    for (const cls of ['a', 'b']) {
      await fs.mkdir(path.join(dir, split, cls), { recursive: true });
      for (let i = 0; i < count; i++) await fs.writeFile(path.join(dir, split, cls, `${i}.png`), pngBytes(8, 8, 3, i + cls.length));
    }
  }
  return path.join(dir, 'train', 'b');
}

type ImageFault = (classDir: string) => Promise<{ file: string; message: RegExp }>;

const IMAGE_FAULTS: Record<string, ImageFault> = {
  'corrupt PNG': async (d) => {
    const file = path.join(d, 'corrupt.png');
    await fs.writeFile(file, pngBytes(8, 8, 3, 1).subarray(0, 40));
    return { file, message: /corrupt PNG/ };
  },
  'not an image': async (d) => {
    const file = path.join(d, 'notes.png');
    await fs.writeFile(file, 'these are not pixels');
    return { file, message: /not a PNG or JPEG file/ };
  },
  'empty file': async (d) => {
    const file = path.join(d, 'empty.jpg');
    await fs.writeFile(file, Buffer.alloc(0));
    return { file, message: /not a PNG or JPEG file/ };
  },
  'unreadable (dangling link)': async (d) => {
    const file = path.join(d, 'gone.png');
    await fs.symlink(path.join(d, 'no-such-target.png'), file);
    return { file, message: /cannot be read \(ENOENT\)/ };
  },
  'unreadable (a directory)': async (d) => {
    const file = path.join(d, 'folder.png');
    await fs.mkdir(file);
    return { file, message: /cannot be read \(EISDIR\)/ };
  },
  'odd size': async (d) => {
    const file = path.join(d, 'odd.png');
    await fs.writeFile(file, pngBytes(9, 7, 3, 3));
    return { file, message: /is 9x7, the folder's images are 8x8/ };
  },
  'grey among color images': async (d) => {
    const file = path.join(d, 'grey.png');
    await fs.writeFile(file, pngBytes(8, 8, 1, 4));
    return { file, message: /has 1 channel\(s\), the folder's images have 3/ };
  },
};

describe('bad images in an image folder', () => {
  it.each(Object.keys(IMAGE_FAULTS))('%s: exit 2, the message names the file', async (name) => {
    const dir = path.join(tmp, `images-${name.replace(/\W+/g, '-')}`);
    const classDir = await imageFolder(dir);
    const { file, message } = await (IMAGE_FAULTS[name] as ImageFault)(classDir);
    const r = await pretrain(`images:${dir}`, path.join(dir, 'run'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('with --skip-bad the run completes and reports how many files it skipped (every kind at once)', async () => {
    const dir = path.join(tmp, 'images-all-bad-kinds');
    const classDir = await imageFolder(dir);
    const bad: string[] = [];
    for (const fault of Object.values(IMAGE_FAULTS)) bad.push((await fault(classDir)).file);
    // A bad first file too: the folder's shape comes from the first good one.
    const first = path.join(dir, 'train', 'a', '00-first.png');
    await fs.writeFile(first, 'not a png');
    bad.push(first);
    const out = path.join(dir, 'run');
    // 16 good + 8 bad = 24 files, batch 4: one epoch visits every file.
    const r = await pretrain(`images:${dir}`, out, ['--skip-bad']);
    expect(r.stderr).toMatch(new RegExp(`--skip-bad skipped ${bad.length} bad image file\\(s\\)`));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/simclr: 6 steps \(completed\)/);
    const log = JSON.parse(await fs.readFile(path.join(out, 'log.json'), 'utf8')) as { skippedFiles: { file: string; reason: string }[] };
    expect(log.skippedFiles.map((s) => s.file).sort()).toEqual([...bad].sort());
    for (const s of log.skippedFiles) expect(s.reason).toContain(s.file);
  });
});
