// Node-only: checkpoint files. Kept out of the main entry so that browsers can import @selfsup/encoders.
import type { Encoder, JsonObject } from '@selfsup/tensors';
import { SelfsupError, invalidArgument } from '@selfsup/tensors';
import { assignCheckpointTensors, loadCheckpoint, saveCheckpoint } from '@selfsup/tensors/node';
import { withoutInitialisation } from './init.js';
import { buildEncoder } from './registry.js';

function assertEncoder(name: string, value: unknown): asserts value is Encoder {
  const e = value as Encoder;
  if (typeof value !== 'object' || value === null || typeof e.architecture !== 'string' || !Array.isArray(e.variables) || typeof e.apply !== 'function') {
    invalidArgument(name, 'an Encoder (architecture, config, variables, apply)', value);
  }
}

/**
 * Saves an encoder (or head) with the checkpoint format of @selfsup/tensors: every variable, running statistics
 * included, and `{ architecture, config }` as the checkpoint config, so that {@link loadEncoder} can rebuild it.
 * The architecture must be registered (built-in or via registerArchitecture) for loading to work.
 */
export async function saveEncoder(dir: string, encoder: Encoder): Promise<void> {
  assertEncoder('encoder', encoder);
  await saveCheckpoint(dir, encoder.variables, { architecture: encoder.architecture, config: encoder.config });
}

function readHeader(dir: string, config: JsonObject): { architecture: string; config: JsonObject } {
  const { architecture, config: encoderConfig } = config as { architecture?: unknown; config?: unknown };
  if (typeof architecture !== 'string' || typeof encoderConfig !== 'object' || encoderConfig === null || Array.isArray(encoderConfig)) {
    throw new SelfsupError(
      'BAD_DATA',
      `${dir}: the checkpoint records no encoder { architecture, config }; it was not written by saveEncoder`,
      { dir },
    );
  }
  return { architecture, config: encoderConfig as JsonObject };
}

export interface LoadEncoderOptions {
  /** The architecture the caller expects: a checkpoint of another one is a CHECKPOINT_MISMATCH error. */
  readonly architecture?: string;
}

/**
 * Rebuilds an encoder saved by {@link saveEncoder} with no other input: reads `{ architecture, config }`, builds it
 * through the registry, and loads every variable (each must be present with its shape, and no other). The caller owns
 * the encoder.
 */
export async function loadEncoder(dir: string, options: LoadEncoderOptions = {}): Promise<Encoder> {
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
  if (options.architecture !== undefined && typeof options.architecture !== 'string') {
    invalidArgument('options.architecture', 'an architecture name', options.architecture);
  }
  const { config, tensors } = await loadCheckpoint(dir);
  try {
    const header = readHeader(dir, config);
    if (options.architecture !== undefined && header.architecture !== options.architecture) {
      throw new SelfsupError(
        'CHECKPOINT_MISMATCH',
        `checkpoint ${dir} holds a "${header.architecture}" encoder, not the "${options.architecture}" expected`,
        { dir, architecture: header.architecture },
      );
    }
    // Every variable is loaded below: skip drawing initial weights.
    const encoder = withoutInitialisation(() => buildEncoder(header.architecture, header.config));
    try {
      assignCheckpointTensors(dir, encoder.variables, tensors, 'encoder');
    } catch (error) {
      encoder.dispose();
      throw error;
    }
    return encoder;
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/**
 * Loads a checkpoint of {@link saveEncoder} into an existing encoder. The checkpoint's architecture must be the
 * encoder's and every variable must match by name and shape (CHECKPOINT_MISMATCH otherwise).
 */
export async function restoreEncoder(dir: string, encoder: Encoder): Promise<void> {
  assertEncoder('encoder', encoder);
  const { config, tensors } = await loadCheckpoint(dir);
  try {
    const header = readHeader(dir, config);
    if (header.architecture !== encoder.architecture) {
      throw new SelfsupError(
        'CHECKPOINT_MISMATCH',
        `checkpoint ${dir} holds a "${header.architecture}" encoder; it cannot be restored into a "${encoder.architecture}"`,
        { dir, architecture: header.architecture },
      );
    }
    assignCheckpointTensors(dir, encoder.variables, tensors, 'encoder');
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
