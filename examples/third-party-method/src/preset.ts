import { type MethodPreset, type OptionSchema, optionDefaults } from '@selfsup/tensors';
import { spectralContrastive } from './spectral-method.js';

const options: OptionSchema = {
  hiddenDim: { type: 'integer', description: "width of the projection head's hidden layer", default: 128, min: 1 },
  projectionDim: { type: 'integer', description: 'size of the projection the loss sees', default: 64, min: 1 },
};

/**
 * The method as a preset, for `selfsup pretrain --plugin <this package> --method spectral`: the command line finds
 * every `MethodPreset` export of a plugin, turns its option schema into flags (`--hidden-dim`, `--projection-dim`) and
 * calls `build` around the `--arch` backbone.
 */
export const spectralPreset: MethodPreset = {
  name: 'spectral',
  description: 'spectral contrastive loss (HaoChen et al. 2021), a third-party method (examples/third-party-method)',
  paper: {
    authors: 'HaoChen, Wei, Gaidon & Ma',
    title: 'Provable Guarantees for Self-Supervised Deep Learning with Spectral Contrastive Loss',
    year: 2021,
    url: 'https://arxiv.org/abs/2106.04156',
  },
  defaults: { optimizer: { type: 'adam' }, learningRate: 1e-3, options: optionDefaults(options) },
  options,
  build: ({ encoder, seed, options: values }) =>
    spectralContrastive({ encoder, hiddenDim: values['hiddenDim'] as number, projectionDim: values['projectionDim'] as number, seed: seed + 1 }),
};
