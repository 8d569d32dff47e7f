import { type Head, buildEncoder, defaultArchitectureConfig, hasArchitecture, projectionHead, registerArchitecture } from '@selfsup/encoders';
import { type Encoder, type JsonObject, type PresetArchitecture, disposeAll, invalidArgument } from '@selfsup/tensors';
import { cpcFrontEndFromConfig } from './cpc/front-ends.js';
import { clipImageTowerEncoder } from './methods/clip.js';
import { cpcPieceMeanEncoder } from './methods/cpc.js';
import { bpeTokenizerFromJson } from './text/bpe.js';
import { textEncoder } from './text/text-encoder.js';
import { vocabularyFromTokens } from './text/tokenizer.js';

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

const optionalInteger = (config: JsonObject, key: string): number | undefined => {
  const value = config[key];
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value))) invalidArgument(`config.${key}`, 'an integer', value);
  return value as number | undefined;
};

/**
 * 'textTransformer': CLIP's text tower (`textEncoder`), rebuilt from its config: the tokenizer (or word vocabulary) it
 * was trained with, its sizes, attention and readout. Texts saved with it encode as they did in training.
 */
export const textTransformerArchitecture: PresetArchitecture = {
  name: 'textTransformer',
  description: "CLIP's text tower: a transformer over BPE tokens (or words), read at the end-of-text token (or averaged); not an image backbone",
  factory: (config) => {
    const hasTokenizer = config['tokenizer'] !== undefined;
    if (hasTokenizer === (config['vocabulary'] !== undefined)) invalidArgument('config', 'a text encoder config with either tokenizer or vocabulary', config);
    const attention = config['attention'];
    const readout = config['readout'];
    if (attention !== undefined && attention !== 'causal' && attention !== 'bidirectional') invalidArgument('config.attention', '"causal" or "bidirectional"', attention);
    if (readout !== undefined && readout !== 'endOfText' && readout !== 'mean') invalidArgument('config.readout', '"endOfText" or "mean"', readout);
    const sizes = Object.fromEntries(
      ['maxLength', 'width', 'outputDim', 'layers', 'heads', 'seed'].flatMap((key) => {
        const value = optionalInteger(config, key);
        return value !== undefined ? [[key, value]] : [];
      }),
    );
    return textEncoder({
      ...(hasTokenizer ? { tokenizer: bpeTokenizerFromJson(config['tokenizer']) } : { vocabulary: vocabularyFromTokens(config['vocabulary'] as string[]) }),
      ...sizes,
      // Configs saved before these were recorded: the word vocabulary's defaults.
      ...(attention !== undefined ? { attention } : {}),
      ...(readout !== undefined ? { readout } : {}),
    });
  },
};

/** Every encoder architecture of this package, as a preset's `architectures` or a plugin's `selfsupArchitectures` list them. */
export const contrastiveArchitectures: readonly PresetArchitecture[] = [cpcPieceMeanArchitecture, clipImageTowerArchitecture, textTransformerArchitecture];

/**
 * Registers this package's encoder architectures ('cpcPieceMean', 'clipImageTower', 'textTransformer') with `@selfsup/encoders`, so that
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
