// Every TypeScript example in the root README, the packages' READMEs and the packages' `@example` doc comments runs
// here, so that none of them can rot: each complete example (one with imports) is written to docs/.snippets/, where
// `@selfsup/*` resolve to the built packages as they resolve for a user, type-checked with the strict tsconfig, and
// run by tsx in a fresh Node process whose working directory is a temporary folder. A block without imports is a
// fragment of the prose around it and is listed as skipped; ```ts fragment marks one that has imports.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSnippets, docCommentBlocks, markdownBlocks } from './snippets.js';

const run = promisify(execFile);
const docsDir = path.resolve(import.meta.dirname, '..');
const snippetDir = path.join(docsDir, '.snippets');
const bin = (name: string) => path.join(docsDir, 'node_modules', '.bin', name);
const snippets = collectSnippets();
const runnable = snippets.filter((s) => s.runnable);
const workDirs: string[] = [];

beforeAll(() => {
  fs.rmSync(snippetDir, { recursive: true, force: true });
  fs.mkdirSync(snippetDir, { recursive: true });
  for (const s of runnable) fs.writeFileSync(path.join(snippetDir, `${s.id}.ts`), `// ${s.where}\n${s.code}\n`);
  fs.writeFileSync(
    path.join(snippetDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['*.ts'] }, null, 2),
  );
});

afterAll(() => {
  for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the extraction', () => {
  it('finds fenced blocks in Markdown and in @example doc comments, with their lines', () => {
    expect(markdownBlocks('text\n```ts\nconst a = 1;\n```\n```sh\nls\n```\n```ts fragment\nb();\n```')).toEqual([
      { line: 2, code: 'const a = 1;', info: '' },
      { line: 8, code: 'b();', info: 'fragment' },
    ]);
    const source = 'x;\n/**\n * Adds.\n * @example\n * ```ts\n * import { add } from "m";\n * add(1, 2);\n * ```\n */\nexport function add() {}\n/** No example. */\n';
    expect(docCommentBlocks(source)).toEqual([{ line: 5, code: 'import { add } from "m";\nadd(1, 2);', info: '' }]);
  });

  it('finds examples in every package and in the root README', () => {
    expect(runnable.length).toBeGreaterThan(10);
    expect(runnable.some((s) => s.where.startsWith('README.md:'))).toBe(true);
    for (const name of ['tensors', 'augment', 'encoders', 'contrastive', 'pretext', 'eval']) {
      expect(runnable.some((s) => s.where.startsWith(`packages/${name}/README.md`)), `${name} README`).toBe(true);
      expect(runnable.some((s) => s.where.startsWith(`packages/${name}/src/`)), `${name} @example`).toBe(true);
    }
  });
});

describe('the examples', () => {
  it('type-check against the built packages (strict tsconfig)', async () => {
    try {
      await run(bin('tsc'), ['-p', path.join(snippetDir, 'tsconfig.json')], { cwd: docsDir });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`type errors in the examples (files in docs/.snippets, first line says where each came from):\n${stdout}${stderr}`);
    }
  });

  describe.concurrent('run', () => {
    for (const s of snippets) {
      if (!s.runnable) {
        it.skip(`${s.where} (a fragment, not run)`, () => {});
        continue;
      }
      it(s.where, async () => {
        const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'selfsup-doc-example-'));
        workDirs.push(cwd);
        try {
          await run(bin('tsx'), [path.join(snippetDir, `${s.id}.ts`)], { cwd, timeout: 170_000, env: { ...process.env, FORCE_COLOR: '0' } });
        } catch (error) {
          const { stdout, stderr, code, signal } = error as { stdout?: string; stderr?: string; code?: number; signal?: string };
          throw new Error(`${s.where} failed (exit ${code ?? signal}):\n--- code ---\n${s.code}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
        }
      });
    }
  });
});
