/**
 * Gloo as the collective engine of a {@link ProcessGroup}, through the optional addon native/gloo (built where
 * libgloo-dev is installed: `node native/build.mjs --target gloo`). Rendezvous, as PyTorch's init methods: a directory
 * every rank can reach (Gloo's file store; one machine, or a shared file system), or `tcp://host:port` where rank 0
 * serves the few keys of the rendezvous (the addon's TCP store, PyTorch's TCPStore's part; MASTER_ADDR / MASTER_PORT).
 */
import { promises as fs, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname as osHostname } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SelfsupError, invalidArgument } from '../errors.js';
import { assertInteger, assertOptions } from '../validate.js';
import { type CollectiveEngine, type ProcessGroup, createProcessGroup } from './process-group.js';

/** The addon's functions (native/gloo/selfsup_gloo.cc). */
export interface GlooAddon {
  /** `store`: `file:<directory>` or `tcp:<host>:<port>` (rank 0 serves it). */
  connect(rank: number, size: number, store: string, prefix: string, timeoutMs: number, hostname: string): unknown;
  allReduce(handle: unknown, data: Float32Array, op: number): void;
  allGather(handle: unknown, input: Float32Array, output: Float32Array): void;
  broadcast(handle: unknown, data: Float32Array, root: number): void;
  barrier(handle: unknown): void;
  close(handle: unknown): void;
}

export const GLOO_ADDON_FILE = 'selfsup_gloo.node';

/** The addon, or why there is none: `SELFSUP_GLOO_ADDON` when set, else the local build beside src/ or dist/. */
export function loadGlooAddon(env: Readonly<Record<string, string | undefined>> = process.env): { ok: true; addon: GlooAddon; path: string } | { ok: false; why: string } {
  if (env === null || typeof env !== 'object') invalidArgument('env', 'an environment object (like process.env)', env);
  const explicit = env['SELFSUP_GLOO_ADDON'];
  const candidates =
    explicit !== undefined && explicit !== ''
      ? [explicit]
      : ['../native/build', '../../native/build', '../../../native/build'].map((dir) => fileURLToPath(new URL(`${dir}/${GLOO_ADDON_FILE}`, import.meta.url)));
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) {
    return {
      ok: false,
      why:
        explicit !== undefined && explicit !== ''
          ? `SELFSUP_GLOO_ADDON=${explicit}: no such file`
          : `the Gloo addon is not built (apt-get install g++ libgloo-dev, then node native/build.mjs --target gloo in @selfsup/tensors)`,
    };
  }
  try {
    const addon = createRequire(import.meta.url)(file) as Partial<GlooAddon>;
    if (typeof addon.connect !== 'function' || typeof addon.allReduce !== 'function') return { ok: false, why: `${file} is not selfsup's Gloo addon` };
    return { ok: true, addon: addon as GlooAddon, path: file };
  } catch (error) {
    return { ok: false, why: `${file} did not load (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})` };
  }
}

export interface ProcessGroupOptions {
  /** This process's rank (default: the environment's `RANK`). */
  readonly rank?: number;
  /** How many processes (default: `WORLD_SIZE`). */
  readonly worldSize?: number;
  /**
   * Where the ranks meet: a directory all of them can reach, as a path or a `file://` URL (it must be new to this run,
   * or the `prefix` must be: Gloo's file store keeps its keys as files), or `tcp://<host>:<port>` of rank 0, which
   * serves the rendezvous there. Default: `SELFSUP_RENDEZVOUS`, else `tcp://$MASTER_ADDR:$MASTER_PORT`.
   */
  readonly rendezvous?: string;
  /** Keys of this group in the store (default `selfsup`); a second group in the same directory needs another. */
  readonly prefix?: string;
  /** How long connecting and each collective may wait for the other ranks, in ms (default 300 000, as PyTorch's 30 min is too long to notice a dead peer; `SELFSUP_DIST_TIMEOUT_MS`). */
  readonly timeoutMs?: number;
  /**
   * The address this rank listens on for the other ranks (default `SELFSUP_DIST_HOST`, else 127.0.0.1 for a file
   * rendezvous or a TCP one on localhost, else this host's name).
   */
  readonly hostname?: string;
  /** Where to read the defaults (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Who a rank is, written to the rendezvous directory so that a survivor can name a lost peer. */
interface RankRecord {
  readonly rank: number;
  readonly host: string;
  readonly pid: number;
}

function envInteger(env: Readonly<Record<string, string | undefined>>, key: string): number | undefined {
  const value = env[key];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) invalidArgument(key, 'an integer', value);
  return n;
}

/** Where the ranks meet: a directory (Gloo's file store) or rank 0's host and port. */
type Rendezvous = { readonly kind: 'file'; readonly dir: string } | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

function parseRendezvous(value: string): Rendezvous {
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/i.exec(value);
  if (tcp !== null) {
    const port = Number(tcp[2]);
    if (!(port > 0 && port < 65536)) invalidArgument('options.rendezvous', 'tcp://<host>:<port> with a port in 1..65535', value);
    return { kind: 'tcp', host: (tcp[1] as string).replace(/^\[|\]$/g, ''), port };
  }
  if (value.startsWith('file://')) return { kind: 'file', dir: fileURLToPath(value) };
  if (/^[a-z]+:\/\//i.test(value)) invalidArgument('options.rendezvous', 'a directory path, a file:// URL or tcp://<host>:<port>', value);
  return { kind: 'file', dir: path.resolve(value) };
}

/**
 * Joins (or forms) a process group over Gloo: returns once every rank of `worldSize` has connected. Options default to
 * the environment (`RANK`, `WORLD_SIZE`, `SELFSUP_RENDEZVOUS`), as `torchrun` sets it; `MASTER_ADDR` / `MASTER_PORT`
 * (TCP rendezvous) are refused with a message, since Gloo's own stores here are file based.
 */
export async function initProcessGroup(options: ProcessGroupOptions = {}): Promise<ProcessGroup> {
  assertOptions('options', options);
  const env = options.env ?? process.env;
  const rank = options.rank ?? envInteger(env, 'RANK');
  const worldSize = options.worldSize ?? envInteger(env, 'WORLD_SIZE');
  if (worldSize === undefined) invalidArgument('options.worldSize', 'the number of processes (or WORLD_SIZE in the environment)', worldSize);
  assertInteger('options.worldSize', worldSize, 1);
  if (rank === undefined) invalidArgument('options.rank', 'this process\'s rank (or RANK in the environment)', rank);
  assertInteger('options.rank', rank, 0, worldSize - 1);
  const master = env['MASTER_ADDR'] !== undefined && env['MASTER_PORT'] !== undefined ? `tcp://${env['MASTER_ADDR']}:${env['MASTER_PORT']}` : undefined;
  const given = options.rendezvous ?? (env['SELFSUP_RENDEZVOUS'] || undefined) ?? master;
  if (given === undefined || given === '') {
    invalidArgument('options.rendezvous', 'a directory every rank can reach or tcp://<rank 0 host>:<port> (or SELFSUP_RENDEZVOUS, or MASTER_ADDR and MASTER_PORT, in the environment)', given);
  }
  if (typeof given !== 'string') invalidArgument('options.rendezvous', 'a directory path, a file:// URL or tcp://<host>:<port>', given);
  const rendezvous = parseRendezvous(given);
  const prefix = options.prefix ?? 'selfsup';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(prefix)) invalidArgument('options.prefix', 'letters, digits, ".", "_" or "-"', prefix);
  const timeoutMs = options.timeoutMs ?? envInteger(env, 'SELFSUP_DIST_TIMEOUT_MS') ?? 300_000;
  assertInteger('options.timeoutMs', timeoutMs, 1);
  const local = rendezvous.kind === 'file' || ['localhost', '127.0.0.1', '::1'].includes(rendezvous.host);
  const hostname = options.hostname ?? env['SELFSUP_DIST_HOST'] ?? (local ? '127.0.0.1' : osHostname());
  if (typeof hostname !== 'string' || hostname === '') invalidArgument('options.hostname', 'a host name or address to listen on', hostname);

  const loaded = loadGlooAddon(env);
  if (!loaded.ok) throw new SelfsupError('UNSUPPORTED', `data-parallel training needs Gloo: ${loaded.why}`);
  const { addon } = loaded;
  // Who each rank is, beside a file rendezvous, so that a survivor can name a lost peer (a TCP one has no shared place).
  const dir = rendezvous.kind === 'file' ? rendezvous.dir : undefined;
  if (dir !== undefined) {
    await fs.mkdir(dir, { recursive: true });
    const record: RankRecord = { rank, host: osHostname(), pid: process.pid };
    await fs.writeFile(path.join(dir, `${prefix}.rank-${rank}.json`), JSON.stringify(record));
  }
  const store = rendezvous.kind === 'file' ? `file:${rendezvous.dir}` : `tcp:${rendezvous.host}:${rendezvous.port}`;
  let handle: unknown;
  try {
    handle = addon.connect(rank, worldSize, store, prefix, timeoutMs, hostname);
  } catch (error) {
    throw collectiveError(error, 'connecting', rank, worldSize, dir, prefix);
  }
  const guard = <T>(what: string, work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw collectiveError(error, what, rank, worldSize, dir, prefix);
    }
  };
  const engine: CollectiveEngine = {
    rank,
    worldSize,
    description: `Gloo (tcp on ${hostname}, rendezvous ${store}, rank ${rank} of ${worldSize})`,
    allReduce: (data, op) => guard('all-reduce', () => addon.allReduce(handle, data, op === 'max' ? 1 : op === 'min' ? 2 : 0)),
    allGather: (input, output) => guard('all-gather', () => addon.allGather(handle, input, output)),
    broadcast: (data, root) => guard('broadcast', () => addon.broadcast(handle, data, root)),
    barrier: () => guard('barrier', () => addon.barrier(handle)),
    close: () => addon.close(handle),
  };
  return createProcessGroup(engine);
}

/**
 * A collective failed: Gloo names an address; the ranks' records name the rank. A peer on this machine whose process
 * is gone is named as lost; otherwise every peer is listed with where it ran.
 */
function collectiveError(error: unknown, what: string, rank: number, worldSize: number, dir: string | undefined, prefix: string): SelfsupError {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  if (dir === undefined) return new SelfsupError('DISTRIBUTED', `rank ${rank} of ${worldSize}: ${what} failed: a peer failed or timed out; Gloo: ${reason}`, { rank, lost: [] });
  const peers: RankRecord[] = [];
  for (let r = 0; r < worldSize; r++) {
    if (r === rank) continue;
    try {
      peers.push(JSON.parse(readFileSync(path.join(dir, `${prefix}.rank-${r}.json`), 'utf8')) as RankRecord);
    } catch {
      // Not written (yet): a rank that never started.
    }
  }
  const here = osHostname();
  const local = peers.filter((p) => p.host === here);
  // A peer that died is often still exiting when its sockets close: give it up to 2 s to be gone.
  let gone = local.filter((p) => !processAlive(p.pid));
  for (let waited = 0; gone.length === 0 && local.length > 0 && waited < 2000; waited += 100) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    gone = local.filter((p) => !processAlive(p.pid));
  }
  const missing = Array.from({ length: worldSize }, (_, r) => r).filter((r) => r !== rank && !peers.some((p) => p.rank === r));
  const lost =
    gone.length > 0
      ? `lost rank ${gone.map((p) => `${p.rank} (pid ${p.pid} has exited)`).join(', ')}`
      : missing.length > 0
        ? `rank ${missing.join(', ')} never joined`
        : `peers: ${peers.map((p) => `rank ${p.rank} pid ${p.pid} on ${p.host}`).join(', ')}`;
  return new SelfsupError('DISTRIBUTED', `rank ${rank} of ${worldSize}: ${what} failed: ${lost}; Gloo: ${reason}`, { rank, lost: gone.map((p) => p.rank) });
}

/** Whether a process of this machine runs: it exists and, on Linux, is not a zombie (exited, not yet reaped). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (name) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
