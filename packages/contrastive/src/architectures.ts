import { type Head, buildEncoder, defaultArchitectureConfig, hasArchitecture, projectionHead, registerArchitecture } from '@selfsup/encoders';
import { type Encoder, type JsonObject, type PresetArchitecture, disposeAll, invalidArgument } from '@selfsup/tensors';
import { cpcFrontEndFromConfig } from './cpc/front-ends.js';
import { clipImageTowerEncoder } from './methods/clip.js';
import { cpcPieceMeanEncoder } from './methods/cpc.js';

// The encoders this package's methods hand out that are not a backbone of @selfsup/encoders, as architectures: with one
// registered, `loadEncoder` rebuilds such an encoder from its checkpoint. Configs come from disk: every field is checked.

function innerEncoder(names: readonly [string, string], architecture: unknown, config: unknown): Encoder {
  if (typeof architecture !== 'string') invalidArgument(names[0], 'an architecture name', architecture);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) invalidArgument(names[1], 'a JSON config object', config);
  return buildEncoder(architecture, config as JsonObject);
}

function sampleShape(value: unknown): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3 || value.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    invalidArgument('config.inputShape', '[H, W, C] of positive integers', value);
  }
  return value as [number, number, number];
}

/**
 * 'cpcPieceMean': CPC's whole-sample encoder, the mean of its piece embeddings (the `encoder` of `cpc(...)`). Its
 * default config (the random baseline of a saved one starts from it) is a convNet over 8 px patches every 4 px, or over
 * windows of up to 16 steps of samples one row high (sequences).
 */
export const cpcPieceMeanArchitecture: PresetArchitecture = {
  name: 'cpcPieceMean',
  description: "CPC's whole-sample encoder: the mean of a piece encoder's embeddings over a grid (default: convNet on 8 px patches every 4 px; 1-row samples: windows of 16 steps)",
  defaultConfig: (inputShape, seed) => {
    const [h, w, c] = inputShape;
    const frontEnd = h === 1 ? { kind: 'sequence', window: Math.min(16, w) } : { kind: 'image', patchSize: Math.min(8, h, w), stride: Math.max(1, Math.floor(Math.min(8, h, w) / 2)) };
    const pieceShape = h === 1 ? [1, Math.min(16, w), c] : [frontEnd.patchSize as number, frontEnd.patchSize as number, c];
    return { pieceEncoder: 'convNet', pieceConfig: defaultArchitectureConfig('convNet', pieceShape as [number, number, number], seed), frontEnd, inputShape: [...inputShape] };
  },
  factory: (config) => {
    const inputShape = sampleShape(config['inputShape']);
    const frontEnd = cpcFrontEndFromConfig(config['frontEnd'], 'config.frontEnd');
    const pieceEncoder = innerEncoder(['config.pieceEncoder', 'config.pieceConfig'], config['pieceEncoder'], config['pieceConfig']);
    try {
      return cpcPieceMeanEncoder(pieceEncoder, frontEnd, inputShape);
    } catch (error) {
      pieceEncoder.dispose();
      throw error;
    }
  },
};

/** 'clipImageTower': CLIP's image encoder followed by its projection into the joint space (the `imageTower` of `clip(...)`). */
export const clipImageTowerArchitecture: PresetArchitecture = {
  name: 'clipImageTower',
  description: "CLIP's image tower: the image encoder and its projection into the joint image-text space; not a backbone",
  factory: (config) => {
    const outputDim = config['outputDim'];
    if (typeof outputDim !== 'number' || !Number.isSafeInteger(outputDim) || outputDim < 1) invalidArgument('config.outputDim', 'an integer >= 1', outputDim);
    const recorded = config['projection'] as { architecture?: unknown; config?: unknown } | undefined;
    if (recorded !== undefined && (typeof recorded !== 'object' || recorded === null)) invalidArgument('config.projection', 'the projection { architecture, config }', recorded);
    const imageEncoder = innerEncoder(['config.encoder', 'config.encoderConfig'], config['encoder'], config['encoderConfig']);
    let projection: Head | undefined;
    try {
      // Towers saved without their projection's config had the default one: a linear map.
      projection =
        recorded !== undefined
          ? (innerEncoder(['config.projection.architecture', 'config.projection.config'], recorded.architecture, recorded.config) as unknown as Head)
          : projectionHead([{ inputDim: imageEncoder.outputDim, outputDim }], { preset: 'clipImageProjection' });
      if (projection.outputDim !== outputDim) invalidArgument('config.projection', `a projection to ${outputDim} dimensions (config.outputDim)`, projection.outputDim);
      return clipImageTowerEncoder(imageEncoder, projection);
    } catch (error) {
      disposeAll(imageEncoder, projection);
      throw error;
    }
  },
};

/** Every encoder architecture of this package, as a preset's `architectures` or a plugin's `selfsupArchitectures` list them. */
export const contrastiveArchitectures: readonly PresetArchitecture[] = [cpcPieceMeanArchitecture, clipImageTowerArchitecture];

/**
 * Registers this package's encoder architectures ('cpcPieceMean', 'clipImageTower') with `@selfsup/encoders`, so that
 * `buildEncoder` and `loadEncoder` rebuild them from a saved config. A name already registered is left as it is, so
 * calling this more than once is harmless; nothing is registered on import.
 */
export function registerContrastiveArchitectures(): void {
  for (const a of contrastiveArchitectures) {
    if (!hasArchitecture(a.name)) {
      registerArchitecture(a.name, a.factory, {
        ...(a.description !== undefined ? { description: a.description } : {}),
        ...(a.defaultConfig !== undefined ? { defaultConfig: a.defaultConfig } : {}),
      });
    }
  }
}
