export { spectralContrastiveLoss } from './spectral-contrastive-loss.js';
export type { SpectralContrastiveLossOptions } from './spectral-contrastive-loss.js';
export { spectralContrastive } from './spectral-method.js';
export type { SpectralContrastiveMethod, SpectralContrastiveOptions } from './spectral-method.js';
export { cropFlipNoise } from './views.js';
export type { CropFlipNoiseOptions, ViewPair } from './views.js';
export { spectralPreset } from './preset.js';
