import { hasArchitecture, registerArchitecture } from '@selfsup/encoders';
import type { PresetArchitecture } from '@selfsup/tensors';
import { type EmbeddingNetConfig, embeddingNet } from './embedding-net.js';
import { videoColorizationEncoder } from './video-colorization.js';

/**
 * 'video-colorization-embedding': the `encoder` of `videoColorization(...)`, its embedding net on the frames' lightness
 * averaged over positions. With it registered, `loadEncoder` rebuilds a saved one (the net's config is checked field by
 * field: a config read from disk is untrusted).
 */
export const videoColorizationEmbeddingArchitecture: PresetArchitecture = {
  name: 'video-colorization-embedding',
  description: "video colorization's embedding net on the frames' lightness, averaged over positions; not a backbone",
  factory: (config) => videoColorizationEncoder(embeddingNet(config as unknown as EmbeddingNetConfig)),
};

/** Every encoder architecture of this package, as a preset's `architectures` or a plugin's `selfsupArchitectures` list them. */
export const videoColorizeArchitectures: readonly PresetArchitecture[] = [videoColorizationEmbeddingArchitecture];

/**
 * Registers this package's encoder architecture ('video-colorization-embedding') with `@selfsup/encoders`, so that
 * `buildEncoder` and `loadEncoder` rebuild it from a saved config. A name already registered is left as it is, so
 * calling this more than once is harmless; nothing is registered on import.
 */
export function registerVideoColorizeArchitectures(): void {
  for (const a of videoColorizeArchitectures) {
    if (!hasArchitecture(a.name)) registerArchitecture(a.name, a.factory, { ...(a.description !== undefined ? { description: a.description } : {}) });
  }
}
