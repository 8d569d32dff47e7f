import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError, createRng } from '@selfsup/tensors';
import { loadCheckpoint } from '@selfsup/tensors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, checkpointLoop, runCliToEnd, startCli, waitForEntries } from '../src/cli-process.js';
import { writeIdxDataset } from '../src/fixtures.js';
import { repoRoot } from '../src/sources.js';

/**
 * Kill and resume: `selfsup pretrain` runs as a child process and is killed with SIGKILL at random moments and inside
 * checkpoint writes, then resumed with --resume (possibly killed again). The final encoder and the final checkpoint
 * (weights, optimizer moments and step count, MoCo's queue and momentum encoder, RNG states, data position) must be
 * bit-identical to an uninterrupted run with the same seed, and no partly written checkpoint may ever be loaded.
 */

type KillMode = 'random' | 'after-temp-write' | 'between-renames';
interface Scenario {
  readonly mode: KillMode;
  /** random: the kill lands at this fraction of the uninterrupted run's time; otherwise: checkpoint writes let through first. */
  readonly at: number;
  /** Kill the first resume again at a random moment. */
  readonly killResumeToo?: boolean;
}

const PAUSE_MS = '150';
let tmp: string;
let data: string;
const figures: Record<string, unknown>[] = [];

function args(method: string, out: string, resume: boolean): string[] {
  return [
    'pretrain', '--method', method, '--data', `idx:${data}`, '--arch', 'mlp', '--batch-size', '8', '--limit', '40', '--epochs', '2',
    '--checkpoint-every', '1', '--seed', '11', '--out', out, '--quiet', ...(resume ? ['--resume'] : []),
  ];
}

beforeAll(async () => {
  await assertCliBuilt();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-kill-'));
  data = path.join(tmp, 'idx');
  await writeIdxDataset(data, { n: 48, size: 8, seed: 5 });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(path.join(repoRoot, 'tests/reliability/.figures'), { recursive: true });
  await fs.writeFile(path.join(repoRoot, 'tests/reliability/.figures/kill.json'), JSON.stringify(figures, null, 1));
});

/** What a kill left must be a complete checkpoint or none at all: never a partial one. */
async function assertNoPartialCheckpoint(dir: string): Promise<number | undefined> {
  try {
    const { config, tensors } = await loadCheckpoint(dir);
    const count = tensors.size;
    tf.dispose([...tensors.values()]);
    expect(count).toBeGreaterThan(0);
    return (config['loop'] as { step: number }).step;
  } catch (error) {
    expect(error).toBeInstanceOf(SelfsupError);
    expect((error as SelfsupError).code).toBe('CHECKPOINT_MISSING');
    return undefined;
  }
}

async function readRun(out: string) {
  return {
    encoder: await fs.readFile(path.join(out, 'encoder/weights.bin')),
    checkpoint: await fs.readFile(path.join(out, 'checkpoint/weights.bin')),
    loop: (await checkpointLoop(path.join(out, 'checkpoint'))) as unknown,
  };
}

/** Runs once and kills according to `scenario`; returns where the kill landed. */
async function killOnce(method: string, out: string, resume: boolean, scenario: Scenario, fullMs: number): Promise<Record<string, unknown>> {
  const ckpt = path.join(out, 'checkpoint');
  if (scenario.mode === 'random') {
    const run = startCli(args(method, out, resume));
    const delay = Math.round(scenario.at * fullMs);
    await new Promise((r) => setTimeout(r, delay));
    run.child.kill('SIGKILL');
    const end = await run.done;
    return { mode: 'random', afterMs: delay, killed: end.signal === 'SIGKILL', loadableStep: await assertNoPartialCheckpoint(ckpt) };
  }
  const run = startCli(args(method, out, resume), { SELFSUP_TEST_CHECKPOINT_PAUSE_MS: PAUSE_MS });
  // after-temp-write: a new temporary directory is there (its files written, the writer paused before the renames).
  // between-renames: the checkpoint directory itself is gone while a write is in flight (moved aside, the new one not
  // yet in place). The writer pauses at both points, so the kill lands inside the write.
  let seen = 0;
  let lastName = '';
  const hit = await waitForEntries(out, run, (names) => {
    const temp = names.find((n) => n.startsWith('.checkpoint.tmp-'));
    if (temp === undefined || temp === lastName) return false;
    if (scenario.mode === 'between-renames' && names.includes('checkpoint')) return false;
    lastName = temp;
    seen += 1;
    return seen > scenario.at;
  });
  // Kill once the temporary directory's model.json is complete (the writer then pauses before renaming).
  if (hit) {
    let ended = false;
    void run.done.then(() => {
      ended = true;
    });
    while (!ended && (await checkpointLoop(path.join(out, lastName))) === undefined) await new Promise((r) => setTimeout(r, 5));
  }
  run.child.kill('SIGKILL');
  const end = await run.done;
  expect(hit, `the run ended before write ${scenario.at + 1} (${end.stderr})`).toBe(true);
  const tempStep = (await checkpointLoop(path.join(out, lastName)))?.step;
  const loadedStep = await assertNoPartialCheckpoint(ckpt);
  // The write in flight is lost, the previous complete checkpoint is not.
  expect(loadedStep, `after a kill during the write of step ${tempStep}, the checkpoint of step ${(tempStep ?? 0) - 1} must load`).toBe((tempStep ?? 0) - 1);
  return { mode: scenario.mode, write: scenario.at + 1, tempStep, loadableStep: loadedStep, killed: end.signal === 'SIGKILL' };
}

const SCENARIOS: Record<string, readonly Scenario[]> = {
  'moco-v2': [
    { mode: 'random', at: 0.55, killResumeToo: true },
    { mode: 'random', at: 0.8 },
    { mode: 'after-temp-write', at: 2 },
    { mode: 'between-renames', at: 4 },
  ],
  simclr: [
    { mode: 'random', at: 0.7 },
    { mode: 'between-renames', at: 1 },
    { mode: 'after-temp-write', at: 6 },
  ],
};

describe.each(Object.keys(SCENARIOS))('kill and resume %s', (method) => {
  let reference: Awaited<ReturnType<typeof readRun>>;
  let fullMs = 0;
  const rng = createRng(method.length * 101);

  beforeAll(async () => {
    const out = path.join(tmp, `${method}-reference`);
    const end = await runCliToEnd(args(method, out, false));
    expect(end.stderr).toBe('');
    expect(end.code).toBe(0);
    fullMs = end.ms;
    reference = await readRun(out);
    // Same seed, same bits: the premise of the comparison.
    const again = path.join(tmp, `${method}-reference-2`);
    expect((await runCliToEnd(args(method, again, false))).code).toBe(0);
    const second = await readRun(again);
    expect(second.encoder.equals(reference.encoder)).toBe(true);
    expect(second.checkpoint.equals(reference.checkpoint)).toBe(true);
  });

  it.each(SCENARIOS[method] as Scenario[])('killed ($mode at $at), resumed: final weights bit-identical to the uninterrupted run', async (scenario) => {
    const out = path.join(tmp, `${method}-${scenario.mode}-${scenario.at}`);
    const kills = [await killOnce(method, out, false, scenario, fullMs)];
    if (scenario.killResumeToo) kills.push(await killOnce(method, out, true, { mode: 'random', at: 0.2 + 0.5 * rng.float() }, fullMs));
    const before = await assertNoPartialCheckpoint(path.join(out, 'checkpoint'));
    const end = await runCliToEnd(args(method, out, true));
    expect(end.stderr).toBe('');
    expect(end.code).toBe(0);
    const log = JSON.parse(await fs.readFile(path.join(out, 'log.json'), 'utf8')) as { resumedFromStep: number };
    // The resumed run starts from the last complete checkpoint (0 when the kill came before the first one).
    expect(log.resumedFromStep).toBe(before ?? 0);
    const resumed = await readRun(out);
    expect(resumed.loop).toEqual(reference.loop);
    expect(resumed.checkpoint.equals(reference.checkpoint), 'checkpoint (weights, optimizer, queue, momentum) differs').toBe(true);
    expect(resumed.encoder.equals(reference.encoder), 'final encoder differs').toBe(true);
    // No leftovers from the interrupted writes once a save has completed.
    expect((await fs.readdir(out)).filter((n) => n.startsWith('.checkpoint.'))).toEqual([]);
    figures.push({ method, kills, resumedFromStep: log.resumedFromStep });
  });
});
