import { assertMethodPreset, resolveOptions } from '@selfsup/tensors';
import { convNet } from '@selfsup/encoders';
import { describe, expect, it } from 'vitest';
import { contrastivePresets, mocoQueueSizeFor, mocoV2Preset, simclrPreset } from './presets.js';

describe('contrastive presets', () => {
  it('lists every image method once, each a valid preset', () => {
    expect(contrastivePresets.map((p) => p.name)).toEqual(['simclr', 'moco-v1', 'moco-v2', 'byol', 'simsiam', 'barlow-twins', 'vicreg']);
    for (const preset of contrastivePresets) {
      assertMethodPreset(preset.name, preset);
      expect(preset.defaults.learningRate).toBe(1e-3);
      expect(preset.defaults.optimizer).toEqual({ type: 'adam' });
    }
  });

  it("keeps the command line's defaults", () => {
    const defaults = Object.fromEntries(contrastivePresets.map((p) => [p.name, p.defaults.options]));
    expect(defaults['simclr']).toMatchObject({ temperature: 0.5, cropScale: [0.3, 1], flipProbability: 0.5, colorJitter: [0.8, 0.8, 0.8, 0.2] });
    expect(defaults['moco-v2']).toMatchObject({ momentum: 0.99, temperature: 0.2 });
    expect(defaults['moco-v1']).toMatchObject({ momentum: 0.999, temperature: 0.07 });
    expect(defaults['byol']).toMatchObject({ baseMomentum: 0.99, blurProbability: [1, 0.1], solarizeProbability: [0, 0.2] });
    expect(defaults['barlow-twins']).toMatchObject({ projectorDim: 512 });
    expect(defaults['vicreg']).toMatchObject({ expanderDim: 512 });
    expect(mocoQueueSizeFor(128)).toBe(4096);
    expect(mocoQueueSizeFor(100)).toBe(4000);
    expect(mocoQueueSizeFor(5000)).toBe(5000);
  });

  it('builds with option values from the schema', () => {
    const encoder = convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 });
    const method = simclrPreset.build({ encoder, inputShape: [8, 8, 1], seed: 0, batchSize: 4, options: resolveOptions(simclrPreset.options, { temperature: 0.2 }) });
    expect(method.config['temperature']).toBe(0.2);
    method.dispose();
    const moco = mocoV2Preset.build({
      encoder: convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 }),
      inputShape: [8, 8, 1],
      seed: 0,
      batchSize: 16,
      options: resolveOptions(mocoV2Preset.options, {}),
    });
    expect(moco.config['queueSize']).toBe(4096);
    expect(moco.config['momentum']).toBe(0.99);
    moco.dispose();
  });

  it('builds the views from the view options: a bad range names its key', () => {
    const encoder = convNet({ inputShape: [8, 8, 1], channels: [4], seed: 0 });
    expect(() =>
      simclrPreset.build({ encoder, inputShape: [8, 8, 1], seed: 0, batchSize: 4, options: resolveOptions(simclrPreset.options, { cropScale: [0.9, 0.2] }) }),
    ).toThrow(/options\.cropScale/);
    encoder.dispose();
  });

  it('builds, for every preset, a method whose name is the preset name (the CLI name)', () => {
    for (const preset of contrastivePresets) {
      const encoder = convNet({ inputShape: [16, 16, 1], channels: [4], seed: 0 });
      const method = preset.build({ encoder, inputShape: [16, 16, 1], seed: 0, batchSize: 8, options: resolveOptions(preset.options, {}) });
      expect(method.name).toBe(preset.name);
      method.dispose();
    }
  });
});
