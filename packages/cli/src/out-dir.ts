import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SelfsupError } from '@selfsup/tensors';

// Where the commands write (--out). Checked before any backend starts or anything trains, so that a bad path costs
// nothing and nothing a user made is overwritten without their say.

function badPath(flag: string, message: string): never {
  throw new SelfsupError('INVALID_ARGUMENT', `${flag} ${message}`, { argument: flag });
}

/**
 * Checks that `dir` is a directory or can be made one: it is not a file, and the nearest part of its path that exists
 * is a directory. `flag` names the option in the message (`--out`).
 */
export async function checkOutDirectory(flag: string, dir: string): Promise<void> {
  const target = path.resolve(dir);
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat !== undefined) {
    if (!stat.isDirectory()) badPath(flag, `${dir} is a file; expected a directory (an existing one, or a new one to create)`);
    return;
  }
  for (let parent = path.dirname(target); ; parent = path.dirname(parent)) {
    const above = await fs.stat(parent).catch(() => undefined);
    if (above !== undefined) {
      if (!above.isDirectory()) badPath(flag, `${dir}: ${parent} is a file, so no directory can be made there; expected a directory path`);
      return;
    }
    if (path.dirname(parent) === parent) return;
  }
}

/** An earlier `selfsup pretrain` run found in a directory: which of its files are there, and what run.json says of it. */
export interface EarlierRun {
  readonly dir: string;
  /** The run's files present (`run.json`, `checkpoint/`, ...), in the order of `names`. */
  readonly files: readonly string[];
  /** "a simclr run started 2026-01-02T03:04:05.000Z", when run.json says so. */
  readonly description?: string;
}

/**
 * The earlier run in `dir`, if any of `names` (the files a run leaves) is there; undefined for a missing or empty
 * directory, or one holding none of them.
 */
export async function findEarlierRun(dir: string, names: readonly string[], runFile: string): Promise<EarlierRun | undefined> {
  const files: string[] = [];
  for (const name of names) {
    const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
    if (stat !== undefined) files.push(stat.isDirectory() ? `${name}/` : name);
  }
  if (files.length === 0) return undefined;
  const run = await fs.readFile(path.join(dir, runFile), 'utf8').then(
    (text) => JSON.parse(text) as { method?: { name?: unknown }; config?: { method?: unknown }; startedAt?: unknown },
    () => undefined,
  );
  const method = run?.method?.name ?? run?.config?.method;
  const description =
    typeof method === 'string' ? `a ${method} run${typeof run?.startedAt === 'string' ? ` started ${run.startedAt}` : ''}` : undefined;
  return { dir, files, ...(description !== undefined ? { description } : {}) };
}

/** "run.json, checkpoint/ and encoder/ (a simclr run started ...)" */
export function describeEarlierRun(run: EarlierRun): string {
  const files = run.files.length > 1 ? `${run.files.slice(0, -1).join(', ')} and ${run.files.at(-1)}` : (run.files[0] as string);
  return `${files}${run.description !== undefined ? ` (${run.description})` : ''}`;
}

/** Removes the files of an earlier run (only those `findEarlierRun` found; nothing else in the directory). */
export async function removeEarlierRun(run: EarlierRun): Promise<void> {
  for (const file of run.files) await fs.rm(path.join(run.dir, file), { recursive: true, force: true });
}

const FILE_SYSTEM_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  EEXIST: 'a file of that name is in the way',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/**
 * A one-line message for a file-system error caused by a path the user gave (permission denied, a file where a
 * directory should be, ...), or undefined for any other error.
 */
export function pathErrorMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path: where, dest, syscall } = error as NodeJS.ErrnoException & { dest?: unknown };
  const reason = code !== undefined ? FILE_SYSTEM_REASONS[code] : undefined;
  if (reason === undefined || typeof where !== 'string') return undefined;
  // Files are written to a temporary name and renamed into place: the place is what the user knows.
  if (typeof dest === 'string') return `cannot write ${dest}: ${reason} (${code})`;
  return `cannot ${syscall ?? 'use'} ${where}: ${reason} (${code})`;
}
