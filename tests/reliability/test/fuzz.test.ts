import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as augment from '@selfsup/augment';
import * as cli from '@selfsup/cli';
import * as contrastive from '@selfsup/contrastive';
import * as encoders from '@selfsup/encoders';
import * as encodersNode from '@selfsup/encoders/node';
import * as evaluation from '@selfsup/eval';
import * as evaluationNode from '@selfsup/eval/node';
import * as pretext from '@selfsup/pretext';
import * as pretextNode from '@selfsup/pretext/node';
import * as tensors from '@selfsup/tensors';
import * as tensorsNode from '@selfsup/tensors/node';
import * as videoColorize from '@selfsup/video-colorize';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ValueSpec, argumentSpec, describeSpec, materialize } from '../src/bad-values.js';
import { type ExportedCallable, disposeDeep, enumerateExports, invoke, judgeError } from '../src/harness.js';
import { KNOWN_FAILURES, SKIPPED } from '../src/skip-list.js';
import { optionNamesInSources, repoRoot } from '../src/sources.js';

/**
 * Bad-input fuzzing of every public export. The entries are enumerated from the module namespaces, so a new export is
 * fuzzed without touching this file; only the skip list (src/skip-list.ts, each entry with its reason) opts out.
 * Every call must return or throw a SelfsupError with a code whose message names the argument, what was expected and
 * what came; after an error the number of live tensors must be what it was before the call.
 */

const ENTRIES: Record<string, Record<string, unknown>> = {
  '@selfsup/tensors': tensors,
  '@selfsup/tensors/node': tensorsNode,
  '@selfsup/augment': augment,
  '@selfsup/encoders': encoders,
  '@selfsup/encoders/node': encodersNode,
  '@selfsup/contrastive': contrastive,
  '@selfsup/pretext': pretext,
  '@selfsup/pretext/node': pretextNode,
  '@selfsup/eval': evaluation,
  '@selfsup/eval/node': evaluationNode,
  '@selfsup/video-colorize': videoColorize,
  '@selfsup/cli': cli,
};

/** Calls per export: 40 x ~310 exports, about 12 000 cases in some 20 s. */
const RUNS_PER_EXPORT = Number(process.env['SELFSUP_FUZZ_RUNS'] ?? 40);
const SEED = Number(process.env['SELFSUP_FUZZ_SEED'] ?? 20261128);

const optionKeys = await optionNamesInSources();
const argsArbitrary = (arity: number) => fc.array(argumentSpec(optionKeys), { minLength: 0, maxLength: Math.max(arity, 1) + 1 });

let cases = 0;
const report: string[] = [];
let cwd: string;
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-fuzz-'));
  cwd = process.cwd();
  // Exports that write files (writePng, saveCheckpoint, ...) get relative paths from the pool: keep them in a temp dir.
  process.chdir(tmp);
});
afterAll(async () => {
  process.chdir(cwd);
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(path.join(repoRoot, 'tests/reliability/.figures'), { recursive: true });
  await fs.writeFile(path.join(repoRoot, 'tests/reliability/.figures/fuzz.json'), JSON.stringify({ cases, runsPerExport: RUNS_PER_EXPORT, seed: SEED }));
  await fs.writeFile(path.join(repoRoot, 'tests/reliability/.figures/fuzz-problems.txt'), `${report.join('\n')}\n`);
  console.log(`fuzz: ${cases} cases`);
});

async function fuzzOne(callable: ExportedCallable): Promise<string[]> {
  const problems: string[] = [];
  const samples = fc.sample(argsArbitrary(callable.fn.length), { numRuns: RUNS_PER_EXPORT, seed: SEED + callable.name.length });
  for (const specs of samples) {
    const shown = () => `${callable.name}(${specs.map((s: ValueSpec) => describeSpec(s)).join(', ')})`;
    const created: tf.Tensor[] = [];
    const baseline = tf.memory().numTensors;
    const args = specs.map((s) => materialize(s, created));
    const before = tf.memory().numTensors;
    const started = performance.now();
    const outcome = await invoke(callable, args);
    cases += 1;
    if (outcome.kind === 'threw') {
      const problem = judgeError(outcome.error);
      if (problem !== undefined) problems.push(`${shown()}: ${problem}`);
      // No tensor may be left behind by a failed call. (Fewer is fine: namedVariable owns, and releases, its input.)
      const after = tf.memory().numTensors;
      if (after > before) problems.push(`${shown()}: threw and leaked ${after - before} tensor(s)`);
    } else {
      disposeDeep(outcome.value);
    }
    for (const a of args) disposeDeep(a);
    tf.dispose(created);
    if (outcome.kind === 'returned' && tf.memory().numTensors > baseline) {
      problems.push(`${shown()}: returned and left ${tf.memory().numTensors - baseline} tensor(s) nobody owns`);
    }
    const ms = performance.now() - started;
    if (ms > 5_000) problems.push(`${shown()}: took ${Math.round(ms)} ms`);
    if (problems.length >= 3) break;
  }
  return problems;
}

const all = Object.entries(ENTRIES).map(([entry, namespace]) => ({ entry, ...enumerateExports(entry, namespace) }));

describe('every export is enumerated', () => {
  it('finds the exports of each entry, and every skip-list entry still names an export', () => {
    for (const { entry, callables } of all) expect(callables.length, entry).toBeGreaterThan(0);
    const names = new Set(all.flatMap(({ callables }) => callables.map((c) => `${c.entry}#${c.name}`)));
    for (const key of [...Object.keys(SKIPPED), ...Object.keys(KNOWN_FAILURES)]) expect(names.has(key), key).toBe(true);
  });
});

for (const { entry, callables } of all) {
  describe(`fuzz ${entry}`, () => {
    for (const callable of callables) {
      const key = `${entry}#${callable.name}`;
      const skip = SKIPPED[key];
      if (skip !== undefined) {
        it.skip(`${callable.name} (skipped: ${skip})`, () => undefined);
        continue;
      }
      it(`${callable.name}${callable.isClass ? ' (class)' : ''}: returns or throws a SelfsupError naming the argument, no leaks`, async () => {
        const problems = await fuzzOne(callable);
        if (problems.length > 0) report.push(`## ${key}`, ...problems.map((p) => `  ${p}`));
        if (KNOWN_FAILURES[key] !== undefined) return;
        expect(problems.join('\n')).toBe('');
      });
    }
  });
}
