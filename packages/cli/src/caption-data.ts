import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type ImageDataset, SelfsupError, invalidArgument } from '@selfsup/tensors';
import { type FolderDataset, type ImageFolderOptions, loadImageFiles } from '@selfsup/tensors/node';

// `--data captions:<dir>`: a folder of images with a caption file, the data CLIP trains on. One line per pair:
//   captions.jsonl  {"image": "a.png", "caption": "a small grey sneaker, upper left", "label": "sneaker"}
//   captions.tsv    a.png<TAB>a small grey sneaker, upper left[<TAB>sneaker]   (a first line "image<TAB>caption..." is a header)
// `image` is a path relative to the folder; `label` is optional (all lines or none): with labels the data is also
// labelled (class names sorted), which the online monitor and --validation's class balance use.

/** The caption files a captions folder may hold (one of them). */
export const CAPTION_FILES = ['captions.jsonl', 'captions.tsv'] as const;

/** One image-caption pair of a caption file. */
export interface CaptionEntry {
  /** 1-based line of the caption file. */
  readonly line: number;
  /** The image's path as written (relative to the folder). */
  readonly image: string;
  readonly caption: string;
  readonly label?: string;
}

function badLine(file: string, line: number, what: string): never {
  throw new SelfsupError('BAD_DATA', `${file} line ${line}: ${what}`, { argument: '--data', file, line });
}

function checkEntry(file: string, line: number, image: unknown, caption: unknown, label: unknown): CaptionEntry {
  if (typeof image !== 'string' || image.trim() === '') badLine(file, line, `"image" must be the image's path relative to the folder; got ${JSON.stringify(image ?? null)}`);
  if (path.isAbsolute(image)) badLine(file, line, `"image" must be a path relative to the folder; got the absolute path ${JSON.stringify(image)}`);
  if (typeof caption !== 'string' || caption.trim() === '') badLine(file, line, `"caption" must be a non-empty string; got ${JSON.stringify(caption ?? null)}`);
  if (label !== undefined && (typeof label !== 'string' || label.trim() === '')) badLine(file, line, `"label" must be a non-empty string when given; got ${JSON.stringify(label)}`);
  return { line, image: image.trim(), caption: caption.trim(), ...(label !== undefined ? { label: (label as string).trim() } : {}) };
}

/**
 * Parses a caption file's text: JSON lines (`{"image", "caption", "label"?}`) or tab-separated lines (`image`, `caption`,
 * `label`?; an optional header line starting "image<TAB>caption"). Blank lines are skipped. A bad line is a BAD_DATA
 * error naming the file and the line; labels must be on every line or on none.
 */
export function parseCaptionFile(text: string, format: 'jsonl' | 'tsv', file = `captions.${format}`): CaptionEntry[] {
  if (typeof text !== 'string') invalidArgument('text', "a caption file's text", text);
  if (format !== 'jsonl' && format !== 'tsv') invalidArgument('format', '"jsonl" or "tsv"', format);
  if (typeof file !== 'string') invalidArgument('file', 'the file name for messages', file);
  const entries: CaptionEntry[] = [];
  let first = true;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = i + 1;
    if (raw.trim() === '') continue;
    const isFirst = first;
    first = false;
    if (format === 'jsonl') {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        badLine(file, line, `not JSON (${(error as Error).message.split('\n')[0]})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) badLine(file, line, 'expected a JSON object {"image": ..., "caption": ...}');
      const o = value as Record<string, unknown>;
      const unknown = Object.keys(o).filter((k) => k !== 'image' && k !== 'caption' && k !== 'label');
      if (unknown.length > 0) badLine(file, line, `unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected "image", "caption" and optionally "label"`);
      entries.push(checkEntry(file, line, o['image'], o['caption'], o['label']));
    } else {
      const cells = raw.split('\t');
      if (isFirst && /^image$/i.test(cells[0]?.trim() ?? '') && /^caption$/i.test(cells[1]?.trim() ?? '')) continue;
      if (cells.length < 2 || cells.length > 3) badLine(file, line, `expected image<TAB>caption[<TAB>label]; got ${cells.length} tab-separated field(s)`);
      entries.push(checkEntry(file, line, cells[0], cells[1], cells[2]));
    }
  }
  if (entries.length === 0) throw new SelfsupError('BAD_DATA', `${file}: no image-caption pairs (every line is blank)`, { argument: '--data', file });
  const labelled = entries.filter((e) => e.label !== undefined).length;
  if (labelled > 0 && labelled < entries.length) {
    const first = entries.find((e) => e.label === undefined) as CaptionEntry;
    badLine(file, first.line, `no "label", while other lines have one (give a label on every line or on none)`);
  }
  return entries;
}

/** What a captions folder holds: its caption file and the pairs. */
export interface CaptionFolder {
  readonly dir: string;
  readonly file: string;
  readonly entries: readonly CaptionEntry[];
}

/** Finds and parses `<dir>/captions.jsonl` or `<dir>/captions.tsv` (exactly one), and checks that every image is there. */
export async function readCaptionFolder(dir: string, options: { readonly skipMissing?: boolean } = {}): Promise<CaptionFolder & { readonly missing: readonly string[] }> {
  if (typeof dir !== 'string' || dir === '') invalidArgument('dir', 'a directory path', dir);
  const present: string[] = [];
  for (const name of CAPTION_FILES) {
    const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
    if (stat?.isFile() === true) present.push(name);
  }
  if (present.length === 0) {
    throw new SelfsupError('BAD_DATA', `--data captions:${dir}: no ${CAPTION_FILES.join(' or ')} in ${dir} (one line per image: {"image": "a.png", "caption": "..."})`, {
      argument: '--data',
    });
  }
  if (present.length > 1) throw new SelfsupError('BAD_DATA', `--data captions:${dir}: both ${present.join(' and ')} are there; keep one`, { argument: '--data' });
  const name = present[0] as string;
  const file = path.join(dir, name);
  const entries = parseCaptionFile(await fs.readFile(file, 'utf8'), name.endsWith('.tsv') ? 'tsv' : 'jsonl', file);
  const kept: CaptionEntry[] = [];
  const missing: string[] = [];
  for (const entry of entries) {
    const image = path.join(dir, entry.image);
    const stat = await fs.stat(image).catch(() => undefined);
    if (stat?.isFile() === true) kept.push(entry);
    else if (options.skipMissing === true) missing.push(image);
    else badLine(file, entry.line, `image not found: ${image}`);
  }
  if (kept.length === 0) throw new SelfsupError('BAD_DATA', `${file}: none of its ${entries.length} images was found`, { argument: '--data', file });
  return { dir, file, entries: kept, missing };
}

/**
 * Loads a captions folder as an image dataset whose batches carry their captions (`batch.captions`) and whose
 * `captions()` lists them all, streamed from disk like `images:<dir>`. Images are sized and converted as the folder
 * options say; with `skipBad`, missing or unreadable images are left out and reported by `skipped()`.
 */
export async function loadCaptionFolder(dir: string, options: ImageFolderOptions = {}): Promise<FolderDataset & ImageDataset> {
  const folder = await readCaptionFolder(dir, { skipMissing: options.skipBad === true });
  const { entries } = folder;
  const labelled = entries[0]?.label !== undefined;
  const classNames = labelled ? [...new Set(entries.map((e) => e.label as string))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) : undefined;
  const dataset = await loadImageFiles(
    entries.map((e) => path.join(dir, e.image)),
    {
      ...options,
      name: path.basename(path.resolve(dir)),
      captions: entries.map((e) => e.caption),
      ...(classNames !== undefined ? { classNames, labels: entries.map((e) => classNames.indexOf(e.label as string)) } : {}),
    },
  );
  if (folder.missing.length === 0) return dataset;
  const missing = folder.missing.map((file) => ({ file, reason: `${file}: image not found` }));
  return { ...dataset, skipped: () => [...missing, ...dataset.skipped()] };
}
