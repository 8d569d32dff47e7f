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

/** Builds a sensible default config of an architecture for images of `inputShape` (what `selfsup --arch` uses). */
export type DefaultArchitectureConfig = (inputShape: readonly [number, number, number], seed: number) => JsonObject;

/** What {@link registerArchitecture} takes besides the factory. */
export interface RegisterArchitectureOptions {
  /** Replace an earlier third-party registration of the same name. Default false. */
  readonly replace?: boolean;
  /** One line for listings (`selfsup pretrain --help`). */
  readonly description?: string;
  /**
   * A default config for images of a given shape: architectures with one can be trained from scratch by the command
   * line (`--arch <name>`, `--encoder random:<name>`); without one they can only be rebuilt from a saved config.
   */
  readonly defaultConfig?: DefaultArchitectureConfig;
}

/** A registered architecture, as {@link describeArchitectures} lists it. */
export interface ArchitectureDescription {
  readonly name: string;
  readonly description: string;
  readonly builtIn: boolean;
  readonly defaultConfig?: DefaultArchitectureConfig;
}

interface Registration {
  readonly factory: EncoderFactory;
  readonly description: string;
  readonly defaultConfig?: DefaultArchitectureConfig;
}

// The factories validate every field: a config read from disk is untrusted input. Default configs suit 28x28 / 32x32
// images on a CPU (the command line's backbones).
const BUILT_IN: ReadonlyMap<string, Registration> = new Map<string, Registration>([
  [
    'mlp',
    {
      factory: (c) => mlp(c as unknown as MlpOptions),
      description: 'multi-layer perceptron on the flattened image (default: hidden 512, 256; output 128)',
      defaultConfig: (inputShape, seed) => ({ inputShape: [...inputShape], hiddenDims: [512, 256], outputDim: 128, seed }),
    },
  ],
  [
    'convNet',
    {
      factory: (c) => convNet(c as unknown as ConvNetOptions),
      // Five blocks down to 2x2 before the pool: on 28 px digits the pooled embedding of the former three blocks (7x7,
      // each unit seeing 15 px) scored 75 % k-NN after SimCLR on a validation split, these five 90 % (see the
      // contrastive README, "Choosing the small recipe").
      description: 'small conv net (default: channels 32, 64, 128, 256, 256; strides 1, 2, 2, 2, 2: 28 px down to 2x2), global average pooling',
      defaultConfig: (inputShape, seed) => ({ inputShape: [...inputShape], channels: [32, 64, 128, 256, 256], strides: [1, 2, 2, 2, 2], seed }),
    },
  ],
  [
    'resnet',
    {
      factory: (c) => resnet(c as unknown as ResNetOptions),
      description: 'ResNet (default: ResNet-18, CIFAR stem, width 1/4)',
      defaultConfig: (inputShape, seed) => ({ depth: 18, stem: 'cifar', width: 0.25, inputShape: [...inputShape], seed }),
    },
  ],
  ['alexNetSmall', { factory: (c) => alexNetSmall(c as unknown as AlexNetSmallOptions), description: 'AlexNet-style conv net (no default config)' }],
  ['projectionHead', { factory: (c) => projectionHeadFromConfig(c), description: 'projection head (an MLP on embeddings; not a backbone)' }],
]);

const custom = new Map<string, Registration>();

/**
 * Registers a third-party architecture, so that `buildEncoder`, `momentumCopy` and `loadEncoder` can rebuild it from
 * `encoder.config`. The factory must return an encoder whose `architecture` is `name`. Built-in names cannot be
 * replaced; re-registering a custom name needs `{ replace: true }`. With a `defaultConfig`, the command line can also
 * train it from scratch (`selfsup pretrain --arch <name>`).
 */
export function registerArchitecture(name: string, factory: EncoderFactory, options: RegisterArchitectureOptions = {}): void {
  if (typeof name !== 'string' || !/^[A-Za-z][\w.-]*$/.test(name)) {
    invalidArgument('name', 'an architecture name of letters, digits, "_", "-", "." (starting with a letter)', name);
  }
  if (typeof factory !== 'function') invalidArgument('factory', 'a function (config) => Encoder', factory);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) invalidArgument('options', 'an options object', options);
  if (options.description !== undefined && typeof options.description !== 'string') invalidArgument('options.description', 'a string', options.description);
  if (options.defaultConfig !== undefined && typeof options.defaultConfig !== 'function') {
    invalidArgument('options.defaultConfig', 'a function (inputShape, seed) => config', options.defaultConfig);
  }
  if (BUILT_IN.has(name)) invalidArgument('name', 'a name not used by a built-in architecture', name);
  if (custom.has(name) && options.replace !== true) {
    invalidArgument('name', 'an unregistered name (pass { replace: true } to replace a registration)', name);
  }
  custom.set(name, {
    factory,
    description: options.description ?? `${name} (registered by a third party)`,
    ...(options.defaultConfig !== undefined ? { defaultConfig: options.defaultConfig } : {}),
  });
}

/** Every registered architecture with its description and default config (when it has one), built-in first. */
export function describeArchitectures(): ArchitectureDescription[] {
  const describe = (name: string, r: Registration, builtIn: boolean): ArchitectureDescription => ({
    name,
    description: r.description,
    builtIn,
    ...(r.defaultConfig !== undefined ? { defaultConfig: r.defaultConfig } : {}),
  });
  return [...[...BUILT_IN].map(([n, r]) => describe(n, r, true)), ...[...custom].map(([n, r]) => describe(n, r, false))];
}

/**
 * The default config of `architecture` for images of `inputShape`, e.g. `buildEncoder('convNet',
 * defaultArchitectureConfig('convNet', [28, 28, 1], 0))`. Throws for an architecture without a default config. A height or
 * width of -1 asks for an encoder of any image size (the command line's `--view-size`: smaller views than images).
 */
export function defaultArchitectureConfig(architecture: string, inputShape: readonly [number, number, number], seed = 0): JsonObject {
  if (typeof architecture !== 'string') invalidArgument('architecture', 'an architecture name', architecture);
  // -1 for the height or width: any size (for architectures that pool globally; the others' factories reject it).
  const side = (d: number) => Number.isSafeInteger(d) && (d >= 1 || d === -1);
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !side(inputShape[0]) || !side(inputShape[1]) || !Number.isSafeInteger(inputShape[2]) || inputShape[2] < 1) {
    invalidArgument('inputShape', '[height, width, channels]: positive integers, height and width -1 for any size', inputShape);
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) invalidArgument('seed', 'an integer', seed);
  const registration = BUILT_IN.get(architecture) ?? custom.get(architecture);
  if (registration?.defaultConfig === undefined) {
    const withDefaults = describeArchitectures()
      .filter((a) => a.defaultConfig !== undefined)
      .map((a) => a.name);
    throw new SelfsupError(
      'INVALID_ARGUMENT',
      registration === undefined
        ? `architecture must be a registered architecture with a default config (${withDefaults.join(', ')}); got "${architecture}", which is not registered`
        : `architecture must have a default config (${withDefaults.join(', ')} have one; register with { defaultConfig }); got "${architecture}", which has none`,
      { argument: 'architecture', architecture },
    );
  }
  const config = registration.defaultConfig(inputShape, seed);
  return checkedConfig(architecture, config);
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
  const factory = (BUILT_IN.get(architecture) ?? custom.get(architecture))?.factory;
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
