import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CLI } from './fixtures.js';

/** A `selfsup` child process, with its output collected. */
export interface CliRun {
  readonly child: ChildProcess;
  /** Resolves when the process has exited (by itself or killed). */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
}

export async function assertCliBuilt(): Promise<void> {
  const exists = await fs.access(CLI).then(
    () => true,
    () => false,
  );
  if (!exists) throw new Error(`${CLI} is missing: build first (nx builds it before this package's tests: npx nx run-many -t build)`);
}

/** Starts the built `selfsup` command (packages/cli/dist/cli.js) with `args`. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CI: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
  return { child, done };
}

export async function runCliToEnd(args: readonly string[], env: Record<string, string> = {}) {
  return startCli(args, env).done;
}

/** Polls `dir` until `predicate(names)` holds or the process ends; returns whether it held. */
export async function waitForEntries(dir: string, run: CliRun, predicate: (names: readonly string[]) => boolean, everyMs = 5): Promise<boolean> {
  let ended = false;
  void run.done.then(() => {
    ended = true;
  });
  while (!ended) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    if (predicate(names)) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}

/** The `loop` state of the checkpoint in `dir`, or undefined when none can be read. */
export async function checkpointLoop(dir: string): Promise<{ step: number } | undefined> {
  try {
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as { modelTopology?: { loop?: { step: number } } };
    return json.modelTopology?.loop;
  } catch {
    return undefined;
  }
}
