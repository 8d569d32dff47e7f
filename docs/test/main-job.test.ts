// The README's main job (`pnpm run demo`, scripts/demo.mjs) end to end with a 2-second budget: it runs the command from
// the TypeScript sources, so this is what keeps that path (tsx, the source export condition, the flags it passes)
// from rotting. The numbers of the full-budget run are in the root README; here only that it runs and reports.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'selfsup-main-job-'));

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it('pretrains, probes with k and T chosen on the training digits, and draws its pictures', async () => {
  const out = path.join(work, 'demo');
  const { stdout, stderr } = await run(process.execPath, [path.join(root, 'scripts', 'demo.mjs')], {
    cwd: root,
    // As a user's shell runs it: without vitest's variables, which tell code run from source that vitest resolves it.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST'))), SELFSUP_DEMO_BUDGET: '2', SELFSUP_DEMO_OUT: out },
    maxBuffer: 64 * 1024 * 1024,
  });
  const text = `${stdout}\n${stderr}`;
  expect(text).toMatch(/backend (wasm|cpu|tensorflow|webgpu)/);
  expect(text).toMatch(/simclr: \d+ steps \(timeBudget\)/);
  for (const row of [/encoder\s+knn\s+\d+\.\d+%/, /random convNet\s+knn/, /raw pixels\s+linear/]) expect(stdout).toMatch(row);
  expect(stdout).toMatch(/by leave-one-out on train/);
  for (const file of ['simclr/loss.svg', 'eval/accuracy.svg', 'eval/embedding.svg', 'eval/report.json']) {
    expect(fs.existsSync(path.join(out, file)), file).toBe(true);
  }
});
