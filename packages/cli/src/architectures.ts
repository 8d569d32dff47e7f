import { type ArchitectureDescription, buildEncoder, defaultArchitectureConfig, describeArchitectures } from '@selfsup/encoders';
import { type Encoder, type JsonObject, SelfsupError, describeValue } from '@selfsup/tensors';

/**
 * The backbones the command line can train from scratch: every architecture of the @selfsup/encoders registry that has
 * a default config (built-in: mlp, convNet, resnet; plus whatever plugins register), in registry order.
 */
export function listBackbones(): ArchitectureDescription[] {
  return describeArchitectures().filter((a) => a.defaultConfig !== undefined);
}

/** Keys of a backbone's config that `--arch-config` may not set: they come from the data and `--seed`. */
export const ARCH_CONFIG_RESERVED_KEYS = ['inputShape', 'seed'] as const;

const ARCH_CONFIG_EXPECTED = "a JSON object of the architecture's config keys (e.g. {\"channels\":[32,64,128],\"strides\":[1,2,2]})";

/**
 * Checks `--arch-config` overrides (or the run-config key `archConfig`, `where` naming it): a JSON object without the
 * keys the command sets itself (`inputShape`, `seed`). The architecture's factory checks the values when it builds.
 */
export function checkArchConfig(value: unknown, where = '--arch-config'): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SelfsupError('INVALID_ARGUMENT', `${where} must be ${ARCH_CONFIG_EXPECTED}; got ${describeValue(value)}`, { argument: '--arch-config' });
  }
  for (const key of ARCH_CONFIG_RESERVED_KEYS) {
    if (Object.hasOwn(value, key)) {
      const source = key === 'seed' ? '--seed' : 'the data (--data, --image-size, --channels)';
      throw new SelfsupError('INVALID_ARGUMENT', `${where}.${key} may not be set: it comes from ${source}`, { argument: `--arch-config.${key}` });
    }
  }
  return value as JsonObject;
}

/** Parses the text of `--arch-config <json>` and checks it ({@link checkArchConfig}). */
export function parseArchConfig(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new SelfsupError('INVALID_ARGUMENT', `--arch-config must be ${ARCH_CONFIG_EXPECTED}; got ${JSON.stringify(text)}, which is not JSON (${reason})`, {
      argument: '--arch-config',
    });
  }
  return checkArchConfig(value);
}

/**
 * The config of a backbone for images of `inputShape`: the registry's default, with `overrides` (`--arch-config`) over
 * its keys. An unknown name is an `--arch` error.
 */
export function backboneConfig(architecture: string, inputShape: readonly [number, number, number], seed: number, overrides?: JsonObject): JsonObject {
  const names = listBackbones().map((a) => a.name);
  if (!names.includes(architecture)) {
    const others = describeArchitectures()
      .filter((a) => a.defaultConfig === undefined)
      .map((a) => a.name);
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--arch must be one of ${names.join(', ')}${others.length > 0 ? ` (registered without a default config: ${others.join(', ')})` : ''}; got "${architecture}"`,
      { argument: '--arch' },
    );
  }
  const defaults = defaultArchitectureConfig(architecture, inputShape, seed);
  return overrides === undefined ? defaults : { ...defaults, ...checkArchConfig(overrides) };
}

/**
 * Builds a fresh encoder of `architecture` for images of `inputShape` (with `overrides` over the default config). An
 * invalid override (the factory's SelfsupError) is an `--arch-config` error.
 */
export function buildBackbone(architecture: string, inputShape: readonly [number, number, number], seed: number, overrides?: JsonObject): Encoder {
  const config = backboneConfig(architecture, inputShape, seed, overrides);
  if (overrides === undefined) return buildEncoder(architecture, config);
  try {
    return buildEncoder(architecture, config);
  } catch (error) {
    if (!(error instanceof SelfsupError)) throw error;
    throw new SelfsupError('INVALID_ARGUMENT', `--arch-config ${JSON.stringify(overrides)} does not give a valid ${architecture}: ${error.message.replace(/^options\./, '').replace(/\s*\n\s*/g, ' ')}`, {
      argument: '--arch-config',
    });
  }
}

/** Keys of `overrides` the built encoder's config does not report (a misspelt key the factory ignored, most likely). */
export function unreportedArchConfigKeys(overrides: JsonObject, built: JsonObject): string[] {
  return Object.keys(overrides).filter((key) => !Object.hasOwn(built, key));
}

/** "  name  description" lines for help texts. */
export function backboneHelp(): string {
  const backbones = listBackbones();
  const width = Math.max(0, ...backbones.map((a) => a.name.length));
  return backbones.map((a) => `  ${a.name.padEnd(width)}  ${a.description}`).join('\n');
}

/**
 * The input shape a run builds its backbone with: the images' shape, or [-1, -1, C] (any size) when the method's views
 * are `viewSize` square and the images are not (`--view-size`): the encoder then embeds the smaller views in training
 * and the whole images in the monitor and the probes.
 */
export function encoderInputShape(imageShape: readonly [number, number, number], viewSize: unknown): readonly [number, number, number] {
  if (viewSize === undefined || viewSize === null) return imageShape;
  if (typeof viewSize !== 'number' || !Number.isInteger(viewSize) || viewSize < 1) {
    throw new SelfsupError('INVALID_ARGUMENT', `--view-size must be a positive integer; got ${describeValue(viewSize)}`, { argument: '--view-size' });
  }
  return viewSize === imageShape[0] && viewSize === imageShape[1] ? imageShape : [-1, -1, imageShape[2]];
}

/**
 * {@link buildBackbone} for {@link encoderInputShape}'s shape: a backbone that cannot take images of any size (one
 * that flattens them, as mlp) is a `--view-size` error.
 */
export function buildViewEncoder(architecture: string, shape: readonly [number, number, number], seed: number, overrides: JsonObject | undefined, viewSize: unknown): Encoder {
  try {
    return buildBackbone(architecture, shape, seed, overrides);
  } catch (error) {
    if (shape[0] !== -1 || !(error instanceof SelfsupError)) throw error;
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      `--view-size ${String(viewSize)} needs a backbone that embeds images of any size (training sees ${String(viewSize)}x${String(viewSize)} views, the probes whole images); ${architecture} does not: ${error.message}`,
      { argument: '--view-size' },
    );
  }
}
