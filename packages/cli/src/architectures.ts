import { type ArchitectureDescription, buildEncoder, defaultArchitectureConfig, describeArchitectures } from '@selfsup/encoders';
import { type Encoder, type JsonObject, SelfsupError } from '@selfsup/tensors';

/**
 * The backbones the command line can train from scratch: every architecture of the @selfsup/encoders registry that has
 * a default config (built-in: mlp, convNet, resnet; plus whatever plugins register), in registry order.
 */
export function listBackbones(): ArchitectureDescription[] {
  return describeArchitectures().filter((a) => a.defaultConfig !== undefined);
}

/** The default config of a backbone for images of `inputShape`; an unknown name is an `--arch` error. */
export function backboneConfig(architecture: string, inputShape: readonly [number, number, number], seed: number): JsonObject {
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
  return defaultArchitectureConfig(architecture, inputShape, seed);
}

/** Builds a fresh encoder of `architecture` for images of `inputShape`. */
export function buildBackbone(architecture: string, inputShape: readonly [number, number, number], seed: number): Encoder {
  return buildEncoder(architecture, backboneConfig(architecture, inputShape, seed));
}

/** "  name  description" lines for help texts. */
export function backboneHelp(): string {
  const backbones = listBackbones();
  const width = Math.max(0, ...backbones.map((a) => a.name.length));
  return backbones.map((a) => `  ${a.name.padEnd(width)}  ${a.description}`).join('\n');
}
