import { assertMethodPreset, resolveOptions } from '@selfsup/tensors';
import { convNet } from '@selfsup/encoders';
import { describe, expect, it } from 'vitest';
import { inpaintingPreset, jigsawPreset, pretextPresets } from './presets.js';

describe('pretext presets', () => {
  it('lists every task that trains any image encoder once, each a valid preset', () => {
    expect(pretextPresets.map((p) => p.name)).toEqual(['rotnet', 'rotation-regression', 'relative-location', 'jigsaw', 'inpainting']);
    for (const preset of pretextPresets) assertMethodPreset(preset.name, preset);
  });

  it("keeps the command line's defaults", () => {
    expect(inpaintingPreset.defaults).toMatchObject({ learningRate: 2e-4, optimizer: { type: 'adam', beta1: 0.5 } });
    expect(jigsawPreset.defaults.options['permutations']).toBe(100);
    for (const preset of pretextPresets.filter((p) => p !== inpaintingPreset)) {
      expect(preset.defaults).toMatchObject({ learningRate: 1e-3, optimizer: { type: 'adam' } });
    }
  });

  it('builds with option values from the schema', () => {
    const encoder = convNet({ inputShape: [12, 12, 1], channels: [4], seed: 0 });
    const method = jigsawPreset.build({ encoder, inputShape: [12, 12, 1], seed: 0, batchSize: 4, options: resolveOptions(jigsawPreset.options, { permutations: 10, tiles: 4 }) });
    expect(method.config['permutations']).toBe(10);
    method.dispose();
  });

  it('builds, for every preset, a method whose name is the preset name (the CLI name)', () => {
    for (const preset of pretextPresets) {
      const encoder = convNet({ inputShape: [24, 24, 1], channels: [4], seed: 0 });
      const method = preset.build({ encoder, inputShape: [24, 24, 1], seed: 0, batchSize: 8, options: resolveOptions(preset.options, {}) });
      expect(method.name).toBe(preset.name);
      method.dispose();
    }
  });
});
