import { buildEncoder, hasArchitecture, registerArchitecture } from '@selfsup/encoders';
import type { JsonObject } from '@selfsup/tensors';
import { invalidArgument } from '@selfsup/tensors';
import { type LabConvNetOptions, labConvNet } from './lab-conv-net.js';
import { wholeImageEncoder } from './whole-image-encoder.js';

/**
 * Registers this package's encoder architectures ('labConvNet', 'wholeImage') with `@selfsup/encoders`, so that
 * `buildEncoder`, `momentumCopy` and `loadEncoder` can rebuild them from a saved config. Safe to call more than once;
 * nothing is registered on import.
 */
export function registerPretextArchitectures(): void {
  if (!hasArchitecture('labConvNet')) registerArchitecture('labConvNet', (config) => labConvNet(config as unknown as LabConvNetOptions));
  if (!hasArchitecture('wholeImage')) {
    registerArchitecture('wholeImage', (config) => {
      const inner = config['encoder'] as { architecture?: unknown; config?: unknown } | undefined;
      if (typeof inner !== 'object' || inner === null || typeof inner.architecture !== 'string' || typeof inner.config !== 'object') {
        invalidArgument('config.encoder', 'the patch encoder { architecture, config }', inner);
      }
      const resizeTo = config['resizeTo'];
      const patchEncoder = buildEncoder(inner.architecture, inner.config as JsonObject);
      return wholeImageEncoder(patchEncoder, {
        ...(Array.isArray(resizeTo) ? { resizeTo: resizeTo as unknown as [number, number] } : {}),
        standardize: config['standardize'] === true,
      });
    });
  }
}
