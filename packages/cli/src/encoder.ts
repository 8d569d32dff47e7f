import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { rawPixelEncoder } from '@selfsup/eval';
import { loadEncoder } from '@selfsup/encoders/node';
import { type Encoder, type JsonObject, SelfsupError, describeValue } from '@selfsup/tensors';
import { buildBackbone, listBackbones } from './architectures.js';

/**
 * Where the command line gets encoders: a fresh randomly initialised one of an architecture, or one restored from a
 * checkpoint. The default ({@link defaultEncoderSource}) is the @selfsup/encoders registry; tests inject their own.
 */
export interface EncoderSource {
  /** Architectures `random(...)` accepts (for messages). */
  readonly architectures: readonly string[];
  /** `config`: overrides of the architecture's default config (`--arch-config`, or a checkpoint's config for its random baseline). */
  random(
    architecture: string,
    options: { readonly inputShape: readonly [number, number, number]; readonly seed: number; readonly config?: JsonObject },
  ): Encoder | Promise<Encoder>;
  load(dir: string, options: { readonly inputShape: readonly [number, number, number] }): Promise<Encoder>;
}

export const ENCODER_FORMS = 'pixels, random:<architecture>, <checkpoint-dir>';

function bad(message: string): never {
  throw new SelfsupError('INVALID_ARGUMENT', message, { argument: '--encoder' });
}

/**
 * The registry of @selfsup/encoders: `random:<arch>` builds any architecture with a default config (built-in or a
 * plugin's), a checkpoint directory is read by `loadEncoder`. The architecture list is read at each use, so plugins
 * loaded later count.
 */
export const defaultEncoderSource: EncoderSource = {
  get architectures() {
    return listBackbones().map((a) => a.name);
  },
  random: (architecture, { inputShape, seed, config }) => buildBackbone(architecture, inputShape, seed, config),
  load: (dir) => loadEncoder(dir),
};

/** Checks the form of an --encoder spec (keywords, or an existing directory) before any backend starts. */
export async function checkEncoderSpec(spec: string): Promise<void> {
  if (typeof spec !== 'string') bad(`--encoder must be one of ${ENCODER_FORMS}; got ${describeValue(spec)}`);
  if (spec === 'pixels' || spec === 'raw') return;
  if (spec.startsWith('random:')) {
    if (spec === 'random:') bad(`--encoder random:<architecture> needs an architecture name; got "${spec}"`);
    return;
  }
  const stat = await fs.stat(spec).catch(() => undefined);
  if (stat === undefined) bad(`--encoder must be one of ${ENCODER_FORMS}; "${spec}" is none of the keywords and no such directory exists`);
  if (!stat.isDirectory()) bad(`--encoder ${spec}: a checkpoint is a directory (with model.json and weights.bin), not a file`);
}

/**
 * Resolves an --encoder spec. `pixels` (alias `raw`) is the raw-pixels baseline; the rest goes through `source`.
 * `archConfig` (`--arch-config`) overrides the default config of a `random:<arch>` encoder.
 */
export async function resolveEncoder(
  spec: string,
  imageShape: readonly [number, number, number],
  source: EncoderSource,
  seed: number,
  archConfig?: JsonObject,
): Promise<Encoder> {
  if (spec === 'pixels' || spec === 'raw') return rawPixelEncoder(imageShape);
  if (spec.startsWith('random:')) {
    const architecture = spec.slice('random:'.length);
    if (architecture === '') bad(`--encoder random:<architecture> needs an architecture name; got "${spec}"`);
    if (!source.architectures.includes(architecture)) {
      bad(`--encoder ${spec}: unknown architecture "${architecture}"; known: ${source.architectures.join(', ') || '(none)'}`);
    }
    return source.random(architecture, { inputShape: imageShape, seed, ...(archConfig !== undefined ? { config: archConfig } : {}) });
  }
  const stat = await fs.stat(spec).catch(() => undefined);
  if (stat === undefined) bad(`--encoder must be one of ${ENCODER_FORMS}; "${spec}" is none of the keywords and no such directory exists`);
  if (!stat.isDirectory()) bad(`--encoder ${spec}: a checkpoint is a directory (with model.json and weights.bin), not a file`);
  const modelJson = path.join(spec, 'model.json');
  const present = await fs.stat(modelJson).catch(() => undefined);
  if (present === undefined) {
    throw new SelfsupError('CHECKPOINT_MISSING', `--encoder ${spec}: no checkpoint there (${modelJson} is missing)`, { dir: spec });
  }
  return source.load(spec, { inputShape: imageShape });
}
