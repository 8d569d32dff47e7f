import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.js';
import { namedVariable } from './variables.js';

const dir = mkdtempSync(path.join(tmpdir(), 'selfsup-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const make = (seed: number) => [
  namedVariable('a/kernel', tf.randomNormal([3, 4], 0, 1, 'float32', seed)),
  namedVariable('a/step', tf.scalar(seed, 'int32'), false),
];

describe('checkpoints', () => {
  it('saves and restores bit-identical values with the config', async () => {
    const src = make(1);
    const target = path.join(dir, 'one');
    await saveCheckpoint(target, src, { architecture: 'x', width: 2 });
    const dst = make(2);
    const config = await restoreVariables(target, dst);
    expect(config).toEqual({ architecture: 'x', width: 2 });
    expect(Array.from(await dst[0]!.variable.data())).toEqual(Array.from(await src[0]!.variable.data()));
    expect((await dst[1]!.variable.data())[0]).toBe(1);
    expect(existsSync(path.join(target, 'model.json'))).toBe(true);
    // Replacing leaves exactly one directory and no temporary siblings.
    await saveCheckpoint(target, dst, {});
    expect(readdirSync(dir).filter((n) => n.includes('one'))).toEqual(['one']);
    tf.dispose([...src, ...dst].map((v) => v.variable));
  });

  it('says which variable is missing, extra or of another shape', async () => {
    const target = path.join(dir, 'two');
    const src = make(3);
    await saveCheckpoint(target, src, {});
    const wrongShape = [namedVariable('a/kernel', tf.zeros([4, 3])), namedVariable('a/step', tf.scalar(0, 'int32'), false)];
    await expect(restoreVariables(target, wrongShape)).rejects.toThrow(/variable "a\/kernel" has shape \[3, 4\], the model expects \[4, 3\]/);
    const missing = [...make(4), namedVariable('b/bias', tf.zeros([2]))];
    await expect(restoreVariables(target, missing)).rejects.toThrow(/has no variable "b\/bias"/);
    const fewer = [make(5)[0]!];
    await expect(restoreVariables(target, fewer)).rejects.toThrow(/has variables the model does not: "a\/step"/);
    // Nothing was assigned on failure.
    expect(Array.from(await wrongShape[0]!.variable.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([...src, ...wrongShape, ...missing, ...fewer].map((v) => v.variable));
  });

  it('detects a truncated weights file and a missing checkpoint', async () => {
    const target = path.join(dir, 'three');
    const src = make(6);
    await saveCheckpoint(target, src, {});
    writeFileSync(path.join(target, 'weights.bin'), Buffer.alloc(10));
    await expect(loadCheckpoint(target)).rejects.toThrow(/weights\.bin: truncated or wrong size: 10 bytes, the manifest needs 52/);
    await expect(loadCheckpoint(path.join(dir, 'nope'))).rejects.toThrow(/no checkpoint at/);
    tf.dispose(src.map((v) => v.variable));
  });

  it('recovers the previous checkpoint when a replace was interrupted between its renames', async () => {
    const target = path.join(dir, 'four');
    const src = make(7);
    await saveCheckpoint(target, src, { v: 1 });
    // Simulate a crash right after the old checkpoint was moved aside.
    renameSync(target, path.join(dir, '.four.old-deadbeef'));
    const loaded = await loadCheckpoint(target);
    expect(loaded.config).toEqual({ v: 1 });
    tf.dispose([...loaded.tensors.values(), ...src.map((v) => v.variable)]);
  });
});
