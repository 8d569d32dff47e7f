import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { JsonObject, NamedVariable } from './contracts.js';
import { SelfsupError, invalidArgument } from './errors.js';
import { assertNamedVariables } from './validate.js';

/**
 * Checkpoints in the tfjs layers-model layout: `model.json` (config + weights manifest) and one `weights.bin`.
 * Written into a temporary sibling directory, fsynced, then renamed into place: a crash leaves the old checkpoint
 * or the new one, never half of one.
 */

const FORMAT = 'selfsup-checkpoint';
const FORMAT_VERSION = 1;

interface WeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
}

interface ModelJson {
  readonly format: string;
  readonly generatedBy: string;
  readonly convertedBy: null;
  readonly formatVersion: number;
  readonly modelTopology: JsonObject;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly WeightSpec[] }[];
  readonly userDefinedMetadata?: JsonObject;
}

/** A checkpoint as read from disk. The caller owns the tensors. */
export interface LoadedCheckpoint {
  readonly config: JsonObject;
  readonly tensors: Map<string, tf.Tensor>;
}

/**
 * Test hook: with SELFSUP_TEST_CHECKPOINT_PAUSE_MS=n, a save waits n ms after writing its temporary directory and
 * again between its two renames, so that a kill-and-resume test can land a SIGKILL inside the write.
 */
async function pauseForKillTests(): Promise<void> {
  const ms = Number(process.env['SELFSUP_TEST_CHECKPOINT_PAUSE_MS'] ?? 0);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Removes what interrupted saves left beside `target` (temporary and moved-aside copies). */
async function removeLeftovers(target: string): Promise<void> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith(`.${base}.tmp-`) || n.startsWith(`.${base}.old-`))
      .map((n) => fs.rm(path.join(parent, n), { recursive: true, force: true })),
  );
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Saves named tensors (variables or plain tensors) and a JSON config to `dir`, atomically. */
export async function saveCheckpoint(
  dir: string,
  entries: readonly { readonly name: string; readonly variable?: tf.Tensor; readonly tensor?: tf.Tensor }[] | readonly NamedVariable[],
  config: JsonObject = {},
): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) invalidArgument('dir', 'a directory path', dir);
  if (!Array.isArray(entries)) invalidArgument('entries', 'an array of named variables', entries);
  const specs: WeightSpec[] = [];
  const buffers: Buffer[] = [];
  const seen = new Set<string>();
  for (const entry of entries as readonly { name: string; variable?: tf.Tensor; tensor?: tf.Tensor }[]) {
    const t = entry.variable ?? entry.tensor;
    if (typeof entry.name !== 'string' || t === undefined) invalidArgument('entries', 'items of { name, variable }', entry);
    if (seen.has(entry.name)) invalidArgument('entries', 'unique names', `"${entry.name}" twice`);
    seen.add(entry.name);
    if (t.dtype !== 'float32' && t.dtype !== 'int32') invalidArgument(`entries["${entry.name}"]`, 'a float32 or int32 tensor', t);
    const data = await t.data();
    specs.push({ name: entry.name, shape: [...t.shape], dtype: t.dtype });
    buffers.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  const modelJson: ModelJson = {
    format: FORMAT,
    generatedBy: '@selfsup/tensors',
    convertedBy: null,
    formatVersion: FORMAT_VERSION,
    modelTopology: config,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp);
  try {
    await fs.writeFile(path.join(tmp, 'weights.bin'), Buffer.concat(buffers));
    await fs.writeFile(path.join(tmp, 'model.json'), JSON.stringify(modelJson, null, 1));
    await fsyncPath(path.join(tmp, 'weights.bin'));
    await fsyncPath(path.join(tmp, 'model.json'));
    await pauseForKillTests();
    // rename() cannot replace a non-empty directory: move the old one aside first, then drop it.
    let old: string | undefined;
    try {
      await fs.access(target);
      old = path.join(parent, `.${path.basename(target)}.old-${randomBytes(4).toString('hex')}`);
      await fs.rename(target, old);
    } catch {
      old = undefined;
    }
    if (old !== undefined) await pauseForKillTests();
    await fs.rename(tmp, target);
    await fsyncPath(parent).catch(() => undefined);
    // The new checkpoint is in place: drop the old one and whatever earlier interrupted saves left (so that a later
    // recovery never finds a stale moved-aside copy).
    await removeLeftovers(target);
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

function bad(file: string, fault: string): never {
  throw new SelfsupError('BAD_DATA', `${file}: ${fault}`, { file });
}

/**
 * A crash between the two renames of a replace leaves no `dir` but a complete `.dir.old-*` sibling: use that one.
 * (Temporary `.dir.tmp-*` siblings may be incomplete and are never read.)
 */
async function recoverInterruptedReplace(dir: string): Promise<string> {
  try {
    await fs.access(path.join(dir, 'model.json'));
    return dir;
  } catch {
    const parent = path.dirname(path.resolve(dir));
    const prefix = `.${path.basename(path.resolve(dir))}.old-`;
    const names = await fs.readdir(parent).catch(() => [] as string[]);
    const old = names.find((n) => n.startsWith(prefix));
    return old !== undefined ? path.join(parent, old) : dir;
  }
}

/** Reads a checkpoint written by {@link saveCheckpoint}. Checks the manifest against the weights file's size. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  if (typeof dir !== 'string' || dir.length === 0) invalidArgument('dir', 'a directory path', dir);
  dir = await recoverInterruptedReplace(dir);
  const jsonPath = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch {
    throw new SelfsupError('CHECKPOINT_MISSING', `no checkpoint at ${dir}: ${jsonPath} cannot be read`, { dir });
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch {
    bad(jsonPath, 'not valid JSON');
  }
  if (json.format !== FORMAT) bad(jsonPath, `format must be "${FORMAT}", got ${JSON.stringify(json.format)}`);
  const group = json.weightsManifest?.[0];
  if (!group || group.paths?.[0] !== 'weights.bin' || !Array.isArray(group.weights)) bad(jsonPath, 'missing weights manifest');
  const binPath = path.join(dir, 'weights.bin');
  let bin: Buffer;
  try {
    bin = await fs.readFile(binPath);
  } catch {
    bad(binPath, 'missing');
  }
  const expected = group.weights.reduce((sum, w) => sum + 4 * w.shape.reduce((a: number, b: number) => a * b, 1), 0);
  if (bin.byteLength !== expected) bad(binPath, `truncated or wrong size: ${bin.byteLength} bytes, the manifest needs ${expected}`);
  const tensors = new Map<string, tf.Tensor>();
  let offset = 0;
  for (const w of group.weights) {
    const count = w.shape.reduce((a: number, b: number) => a * b, 1);
    const copy = bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + 4 * count);
    const values = w.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    tensors.set(w.name, tf.tensor(values, w.shape, w.dtype));
    offset += 4 * count;
  }
  return { config: json.modelTopology, tensors };
}

/**
 * Assigns a loaded checkpoint's tensors to `variables`, matched by name. Every variable must be present with the
 * same shape, and the checkpoint may hold no other; a missing, extra or differently shaped entry is a
 * CHECKPOINT_MISMATCH error naming it (and `owner`, what the variables belong to: "model", "encoder"). Nothing is
 * assigned unless everything matches. The tensors stay the caller's.
 */
export function assignCheckpointTensors(dir: string, variables: readonly NamedVariable[], tensors: ReadonlyMap<string, tf.Tensor>, owner = 'model'): void {
  if (typeof dir !== 'string') invalidArgument('dir', 'the checkpoint directory (a string, for messages)', dir);
  assertNamedVariables('variables', variables as unknown);
  if (!((tensors as unknown) instanceof Map) || [...tensors.values()].some((t) => !(t instanceof tf.Tensor))) {
    invalidArgument('tensors', 'a Map from variable names to tensors (loadCheckpoint(dir).tensors)', tensors);
  }
  if (typeof owner !== 'string') invalidArgument('owner', 'a string naming what the variables belong to', owner);
  for (const v of variables) {
    const t = tensors.get(v.name);
    if (t === undefined) {
      throw new SelfsupError('CHECKPOINT_MISMATCH', `checkpoint ${dir} has no variable "${v.name}"`, { dir, variable: v.name });
    }
    if (t.shape.length !== v.variable.shape.length || t.shape.some((d, i) => d !== v.variable.shape[i])) {
      throw new SelfsupError(
        'CHECKPOINT_MISMATCH',
        `checkpoint ${dir}: variable "${v.name}" has shape [${t.shape.join(', ')}], the ${owner} expects [${v.variable.shape.join(', ')}]`,
        { dir, variable: v.name },
      );
    }
  }
  const wanted = new Set(variables.map((v) => v.name));
  const extra = [...tensors.keys()].filter((k) => !wanted.has(k));
  if (extra.length > 0) {
    throw new SelfsupError(
      'CHECKPOINT_MISMATCH',
      `checkpoint ${dir} has variables the ${owner} does not: ${extra.slice(0, 5).map((e) => `"${e}"`).join(', ')}${extra.length > 5 ? ', ...' : ''}`,
      { dir, extra },
    );
  }
  for (const v of variables) v.variable.assign(tensors.get(v.name) as tf.Tensor);
}

/**
 * Loads a checkpoint into existing variables. Every variable must be present with the same shape; a missing,
 * extra or differently shaped entry is an error naming it. Returns the saved config.
 */
export async function restoreVariables(dir: string, variables: readonly NamedVariable[]): Promise<JsonObject> {
  const { config, tensors } = await loadCheckpoint(dir);
  try {
    assignCheckpointTensors(dir, variables, tensors);
    return config;
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
