import fs from 'node:fs';
import path from 'node:path';

/** A TypeScript example found in a README or in a doc comment. */
export interface Snippet {
  /** Where it was found, as `file:line` relative to the repository root. */
  readonly where: string;
  /** A file-name-safe id. */
  readonly id: string;
  readonly code: string;
  /** Complete programs (with at least one import) run; a block without imports is a fragment of the prose around it. */
  readonly runnable: boolean;
}

export const repositoryRoot = path.resolve(import.meta.dirname, '..', '..');

const FENCE_OPEN = /^```(ts|typescript)\b(.*)$/;

/** The ```ts blocks of a Markdown text, with the 1-based line of each opening fence. */
export function markdownBlocks(text: string): { line: number; code: string; info: string }[] {
  const blocks: { line: number; code: string; info: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]!.trim());
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
    blocks.push({ line: start + 1, code: body.join('\n'), info: open[2]!.trim() });
  }
  return blocks;
}

/**
 * The ```ts blocks inside `@example` tags of the doc comments of a TypeScript source: each comment's ` * ` margin is
 * removed, then its Markdown blocks that follow an `@example` tag are kept.
 */
export function docCommentBlocks(source: string): { line: number; code: string; info: string }[] {
  const blocks: { line: number; code: string; info: string }[] = [];
  for (const match of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const comment = match[0];
    const exampleAt = comment.indexOf('@example');
    if (exampleAt < 0) continue;
    const firstLine = source.slice(0, match.index).split('\n').length;
    const linesBefore = comment.slice(0, exampleAt).split('\n').length - 1;
    const text = comment
      .slice(exampleAt)
      .replace(/\*\/$/, '')
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n');
    for (const block of markdownBlocks(text)) blocks.push({ ...block, line: firstLine + linesBefore + block.line - 1 });
  }
  return blocks;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Every TypeScript example of the root README, the packages' READMEs and the packages' doc comments. */
export function collectSnippets(root = repositoryRoot): Snippet[] {
  const snippets: Snippet[] = [];
  const add = (file: string, blocks: { line: number; code: string; info: string }[]) => {
    const relative = path.relative(root, file);
    for (const { line, code, info } of blocks) {
      const where = `${relative}:${line}`;
      const runnable = /^\s*import\s/m.test(code) && !/\bfragment\b/.test(info);
      snippets.push({ where, id: where.replace(/[^A-Za-z0-9]+/g, '_'), code, runnable });
    }
  };
  add(path.join(root, 'README.md'), markdownBlocks(fs.readFileSync(path.join(root, 'README.md'), 'utf8')));
  const packagesDir = path.join(root, 'packages');
  for (const name of fs.readdirSync(packagesDir).sort()) {
    const readme = path.join(packagesDir, name, 'README.md');
    if (fs.existsSync(readme)) add(readme, markdownBlocks(fs.readFileSync(readme, 'utf8')));
    for (const file of sourceFiles(path.join(packagesDir, name, 'src'))) add(file, docCommentBlocks(fs.readFileSync(file, 'utf8')));
  }
  return snippets;
}
