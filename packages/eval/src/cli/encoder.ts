import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Encoder, SelfsupError } from '@selfsup/tensors';
import { rawPixelEncoder } from '../raw-pixel-encoder.js';

/**
 * How the command line builds encoders it does not know itself: a fresh randomly initialised one of a registered
 * architecture, or one restored from a checkpoint. @selfsup/encoders provides it; tests inject their own.
 */
export interface EncoderFactory {
  /** Architectures `random(...)` accepts (for messages). */
  readonly architectures: readonly string[];
  random(architecture: string, options: { readonly inputShape: readonly [number, number, number]; readonly seed: number }): Encoder | Promise<Encoder>;
  load(dir: string, options: { readonly inputShape: readonly [number, number, number] }): Promise<Encoder>;
}

export const ENCODER_FORMS = 'pixels, random:<architecture>, <checkpoint-dir>';

function bad(message: string): never {
  throw new SelfsupError('INVALID_ARGUMENT', message, { argument: '--encoder' });
}

function missingFactory(what: string): never {
  throw new SelfsupError(
    'UNSUPPORTED',
    `--encoder ${what}: this build of selfsup has no encoder architectures registered (they come from @selfsup/encoders); ` +
      'only --encoder pixels is available',
    { argument: '--encoder' },
  );
}

/** Checks the form of an --encoder spec (keywords, or an existing directory) before any backend starts. */
export async function checkEncoderSpec(spec: string): Promise<void> {
  if (spec === 'pixels' || spec === 'raw') return;
  if (spec.startsWith('random:')) {
    if (spec === 'random:') bad(`--encoder random:<architecture> needs an architecture name; got "${spec}"`);
    return;
  }
  const stat = await fs.stat(spec).catch(() => undefined);
  if (stat === undefined) bad(`--encoder must be one of ${ENCODER_FORMS}; "${spec}" is none of the keywords and no such directory exists`);
  if (!stat.isDirectory()) bad(`--encoder ${spec}: a checkpoint is a directory (with model.json and weights.bin), not a file`);
}

/** Resolves an --encoder spec. `pixels` (alias `raw`) is the raw-pixels baseline; the rest goes through `factory`. */
export async function resolveEncoder(
  spec: string,
  imageShape: readonly [number, number, number],
  factory: EncoderFactory | undefined,
  seed: number,
): Promise<Encoder> {
  if (spec === 'pixels' || spec === 'raw') return rawPixelEncoder(imageShape);
  if (spec.startsWith('random:')) {
    const architecture = spec.slice('random:'.length);
    if (architecture === '') bad(`--encoder random:<architecture> needs an architecture name; got "${spec}"`);
    if (factory === undefined) missingFactory(spec);
    if (!factory.architectures.includes(architecture)) {
      bad(`--encoder ${spec}: unknown architecture "${architecture}"; known: ${factory.architectures.join(', ') || '(none)'}`);
    }
    return factory.random(architecture, { inputShape: imageShape, seed });
  }
  const stat = await fs.stat(spec).catch(() => undefined);
  if (stat === undefined) bad(`--encoder must be one of ${ENCODER_FORMS}; "${spec}" is none of the keywords and no such directory exists`);
  if (!stat.isDirectory()) bad(`--encoder ${spec}: a checkpoint is a directory (with model.json and weights.bin), not a file`);
  const modelJson = path.join(spec, 'model.json');
  const present = await fs.stat(modelJson).catch(() => undefined);
  if (present === undefined) {
    throw new SelfsupError('CHECKPOINT_MISSING', `--encoder ${spec}: no checkpoint there (${modelJson} is missing)`, { dir: spec });
  }
  if (factory === undefined) missingFactory(spec);
  return factory.load(spec, { inputShape: imageShape });
}
