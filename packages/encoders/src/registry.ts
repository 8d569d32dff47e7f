import type { Encoder, JsonObject } from '@selfsup/tensors';
import { SelfsupError, invalidArgument } from '@selfsup/tensors';
import { type AlexNetSmallOptions, alexNetSmall } from './backbones/alexnet-small.js';
import { type ConvNetOptions, convNet } from './backbones/conv-net.js';
import { type MlpOptions, mlp } from './backbones/mlp.js';
import { type ResNetOptions, resnet } from './backbones/resnet.js';
import { projectionHeadFromConfig } from './heads/projection-head.js';

/** Builds an encoder from its JSON config (the `config` the encoder reports), with every other input fixed. */
export type EncoderFactory = (config: JsonObject) => Encoder;

function checkedConfig(name: string, config: unknown): JsonObject {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    invalidArgument('config', `a JSON config object for "${name}"`, config);
  }
  return config as JsonObject;
}

// The factories validate every field: a config read from disk is untrusted input.
const BUILT_IN: ReadonlyMap<string, EncoderFactory> = new Map<string, EncoderFactory>([
  ['mlp', (c) => mlp(c as unknown as MlpOptions)],
  ['convNet', (c) => convNet(c as unknown as ConvNetOptions)],
  ['resnet', (c) => resnet(c as unknown as ResNetOptions)],
  ['alexNetSmall', (c) => alexNetSmall(c as unknown as AlexNetSmallOptions)],
  ['projectionHead', (c) => projectionHeadFromConfig(c)],
]);

const custom = new Map<string, EncoderFactory>();

/**
 * Registers a third-party architecture, so that `buildEncoder`, `momentumCopy` and `loadEncoder` can rebuild it from
 * `encoder.config`. The factory must return an encoder whose `architecture` is `name`. Built-in names cannot be
 * replaced; re-registering a custom name needs `{ replace: true }`.
 */
export function registerArchitecture(name: string, factory: EncoderFactory, options: { readonly replace?: boolean } = {}): void {
  if (typeof name !== 'string' || !/^[A-Za-z][\w.-]*$/.test(name)) {
    invalidArgument('name', 'an architecture name of letters, digits, "_", "-", "." (starting with a letter)', name);
  }
  if (typeof factory !== 'function') invalidArgument('factory', 'a function (config) => Encoder', factory);
  if (BUILT_IN.has(name)) invalidArgument('name', 'a name not used by a built-in architecture', name);
  if (custom.has(name) && options.replace !== true) {
    invalidArgument('name', 'an unregistered name (pass { replace: true } to replace a registration)', name);
  }
  custom.set(name, factory);
}

/** Removes a third-party registration. Returns whether it existed. */
export function unregisterArchitecture(name: string): boolean {
  if (BUILT_IN.has(name)) invalidArgument('name', 'a custom architecture (built-ins cannot be removed)', name);
  return custom.delete(name);
}

/** Names of every architecture `buildEncoder` knows, built-in first. */
export function listArchitectures(): string[] {
  return [...BUILT_IN.keys(), ...custom.keys()];
}

/** True when `name` is registered. */
export function hasArchitecture(name: string): boolean {
  return BUILT_IN.has(name) || custom.has(name);
}

/**
 * Builds an encoder of a registered architecture from its config: `buildEncoder(e.architecture, e.config)` makes a
 * fresh encoder of the same shape (with the same initial weights when the config has a seed).
 */
export function buildEncoder(architecture: string, config: JsonObject): Encoder {
  if (typeof architecture !== 'string') invalidArgument('architecture', 'an architecture name', architecture);
  const factory = BUILT_IN.get(architecture) ?? custom.get(architecture);
  if (factory === undefined) {
    throw new SelfsupError(
      'UNSUPPORTED',
      `architecture "${architecture}" is not registered (known: ${listArchitectures().join(', ')}); call registerArchitecture("${architecture}", factory) first`,
      { architecture },
    );
  }
  const encoder = factory(checkedConfig(architecture, config));
  if (encoder?.architecture !== architecture) {
    encoder?.dispose?.();
    throw new SelfsupError(
      'UNSUPPORTED',
      `the factory registered for "${architecture}" built an encoder of architecture ${JSON.stringify(encoder?.architecture)}`,
      { architecture },
    );
  }
  return encoder;
}
