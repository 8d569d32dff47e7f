import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { SelfsupError, invalidArgument } from '@selfsup/tensors';

// `selfsup pretrain --nproc N`: N local workers, the torchrun convention. Each is `selfsup pretrain` with the same
// arguments plus --rank r --world-size N --rendezvous <a fresh directory>; they form a Gloo process group and train one
// model data-parallel (rank 0 writes the run, the others only compute). A worker that fails ends the others, and the
// launcher says which rank failed and how, with the end of its output.

/** The arguments of one worker: the launcher's, without --nproc, with its rank, the world size and the rendezvous. */
export function workerArguments(argv: readonly string[], rank: number, worldSize: number, rendezvous: string): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--nproc') {
      i += 1;
      continue;
    }
    if (a.startsWith('--nproc=')) continue;
    args.push(a);
  }
  args.push('--rank', String(rank), '--world-size', String(worldSize), '--rendezvous', rendezvous);
  // Only rank 0 reports: the others would print the same progress again.
  if (rank > 0 && !args.includes('--quiet')) args.push('--quiet');
  return args;
}

/** How a worker ended. */
interface WorkerExit {
  readonly rank: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly order: number;
}

export interface LaunchIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs `selfsup pretrain` (argv: its arguments, `pretrain` included) on `nproc` local workers with `command` (this
 * Node and the selfsup bin). Resolves with the exit code: 0 when every worker succeeded; else the first failure's
 * (2 when that was bad input), after the other workers were stopped.
 */
export async function launchPretrain(argv: readonly string[], nproc: number, command: readonly string[], io: LaunchIo): Promise<number> {
  if (!Number.isInteger(nproc) || nproc < 2) invalidArgument('--nproc', 'an integer >= 2 (the number of local workers)', nproc);
  const [exe, ...prefix] = command;
  if (exe === undefined) invalidArgument('command', 'the command that runs selfsup', command);
  const rendezvous = await fs.mkdtemp(path.join(tmpdir(), 'selfsup-rendezvous-'));
  const env = { ...(io.env ?? process.env) };
  // The cores are shared: each worker gets cores / nproc native threads unless the environment says.
  if (env['SELFSUP_NATIVE_THREADS'] === undefined || env['SELFSUP_NATIVE_THREADS'] === '') {
    env['SELFSUP_NATIVE_THREADS'] = String(Math.max(1, Math.floor(availableParallelism() / nproc)));
  }
  const tails = Array.from({ length: nproc }, () => '');
  const keep = (rank: number, text: string) => {
    tails[rank] = `${tails[rank]}${text}`.slice(-4000);
  };
  const exits: WorkerExit[] = [];
  const children = Array.from({ length: nproc }, (_, rank) => {
    const child = spawn(exe, [...prefix, ...workerArguments(argv, rank, nproc, rendezvous)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => {
      if (rank === 0) io.stdout(String(d));
      keep(rank, String(d));
    });
    child.stderr.on('data', (d: Buffer) => {
      if (rank === 0) io.stderr(String(d));
      keep(rank, String(d));
    });
    return child;
  });
  let stopping = false;
  await new Promise<void>((resolve) => {
    let open = nproc;
    children.forEach((child, rank) => {
      const ended = (code: number | null, signal: NodeJS.Signals | null) => {
        exits.push({ rank, code, signal, order: exits.length });
        if ((code !== 0 || signal !== null) && !stopping) {
          // The first failure ends the run: the others would only wait for it until Gloo's timeout.
          stopping = true;
          for (const other of children) if (other !== child && other.exitCode === null && other.signalCode === null) other.kill('SIGTERM');
        }
        open -= 1;
        if (open === 0) resolve();
      };
      child.on('error', (error) => {
        keep(rank, `${error.message}\n`);
        ended(1, null);
      });
      child.on('exit', ended);
    });
  });
  await fs.rm(rendezvous, { recursive: true, force: true });
  const failed = exits.find((e) => e.code !== 0 || e.signal !== null);
  if (failed === undefined) return 0;
  const how = failed.signal !== null ? `was killed by ${failed.signal}` : `exited with code ${failed.code}`;
  const tail = (tails[failed.rank] as string).trimEnd().split('\n').slice(-8).join('\n');
  // Rank 0's output has been shown already; another rank's end is what tells why it failed.
  io.stderr(`selfsup pretrain --nproc ${nproc}: rank ${failed.rank} ${how}; the other workers were stopped${failed.rank !== 0 && tail !== '' ? `. The end of its output:\n${tail}` : ''}\n`);
  return failed.code === 2 ? 2 : 1;
}

/** Checks the worker flags of `selfsup pretrain` (all three or none; --rank within --world-size). */
export function checkWorkerFlags(options: { rank?: unknown; worldSize?: unknown; rendezvous?: unknown; nproc?: unknown }): void {
  const { rank, worldSize, rendezvous, nproc } = options;
  if (worldSize === undefined && rank === undefined && rendezvous === undefined) return;
  if (nproc !== undefined) throw new SelfsupError('INVALID_ARGUMENT', '--nproc starts local workers itself: give either --nproc or --rank/--world-size/--rendezvous', { argument: '--nproc' });
  if (typeof worldSize !== 'number') invalidArgument('--world-size', 'the number of workers (with --rank and --rendezvous)', worldSize);
  if (typeof rank !== 'number' || rank < 0 || rank >= worldSize) invalidArgument('--rank', `this worker's rank, 0..${worldSize - 1}`, rank);
  if (typeof rendezvous !== 'string' || rendezvous === '') invalidArgument('--rendezvous', "a directory every worker can reach, or rank 0's tcp://host:port", rendezvous);
}
