import { buildEncoder, hasArchitecture, registerArchitecture } from '@selfsup/encoders';
import type { JsonObject, PresetArchitecture } from '@selfsup/tensors';
import { invalidArgument } from '@selfsup/tensors';
import { type LabConvNetOptions, labConvNet } from './lab-conv-net.js';
import { wholeImageEncoder } from './whole-image-encoder.js';

/**
 * 'wholeImage': a patch encoder applied to whole images ({@link wholeImageEncoder}), what jigsaw and relative location
 * save. The patch encoder's architecture must be registered too (the command line's backbones are built in).
 */
export const wholeImageArchitecture: PresetArchitecture = {
  name: 'wholeImage',
  description: 'a patch encoder applied to whole images (what jigsaw and relative location train); not a backbone',
  factory: (config) => {
    const inner = config['encoder'] as { architecture?: unknown; config?: unknown } | undefined;
    if (typeof inner !== 'object' || inner === null || typeof inner.architecture !== 'string' || typeof inner.config !== 'object' || inner.config === null) {
      invalidArgument('config.encoder', 'the patch encoder { architecture, config }', inner);
    }
    const resizeTo = config['resizeTo'];
    const patchEncoder = buildEncoder(inner.architecture, inner.config as JsonObject);
    try {
      return wholeImageEncoder(patchEncoder, {
        ...(Array.isArray(resizeTo) ? { resizeTo: resizeTo as unknown as [number, number] } : {}),
        standardize: config['standardize'] === true,
      });
    } catch (error) {
      patchEncoder.dispose();
      throw error;
    }
  },
};

/** The trunk of a `labConvNet` the command line builds: three blocks down to 1/4 of the side, where colorization predicts. */
export const LAB_CONV_NET_DEFAULT: { readonly channels: readonly number[]; readonly strides: readonly number[] } = { channels: [32, 64, 128], strides: [1, 2, 2] };

/**
 * 'labConvNet': the Lab-space encoder of colorization and split-brain ({@link labConvNet}). Its default config (what
 * `selfsup pretrain --arch labConvNet` and the random baseline of a saved one start from) reads the lightness through
 * {@link LAB_CONV_NET_DEFAULT}'s blocks; `input: 'split'` (split-brain) gives each half those blocks.
 */
export const labConvNetArchitecture: PresetArchitecture = {
  name: 'labConvNet',
  description: "conv net on CIE Lab channels, global average pooling (default: input 'lightness', channels 32, 64, 128, strides 1, 2, 2: 1/4 of the side); colorization's and split-brain's encoder",
  factory: (config) => labConvNet(config as unknown as LabConvNetOptions),
  defaultConfig: (_inputShape, seed) => ({ input: 'lightness', channels: [...LAB_CONV_NET_DEFAULT.channels], strides: [...LAB_CONV_NET_DEFAULT.strides], seed }),
};

/** Every encoder architecture of this package, as a preset's `architectures` or a plugin's `selfsupArchitectures` list them. */
export const pretextArchitectures: readonly PresetArchitecture[] = [wholeImageArchitecture, labConvNetArchitecture];

/**
 * Registers this package's encoder architectures ('wholeImage', 'labConvNet') with `@selfsup/encoders`, so that
 * `buildEncoder`, `momentumCopy` and `loadEncoder` can rebuild them from a saved config. A name already registered is
 * left as it is, so calling this more than once is harmless; nothing is registered on import.
 */
export function registerPretextArchitectures(): void {
  for (const a of pretextArchitectures) {
    if (!hasArchitecture(a.name)) {
      registerArchitecture(a.name, a.factory, {
        ...(a.description !== undefined ? { description: a.description } : {}),
        ...(a.defaultConfig !== undefined ? { defaultConfig: a.defaultConfig } : {}),
      });
    }
  }
}
