// Helpers shared by the selfsup packages' tests. Private (never published); a package's test-only helpers that no
// other package needs stay in its own test/ folder.
export { onBackends, presentBackends } from './backends.js';
export type { PresentBackend } from './backends.js';
export { randomProjectionEncoder } from './encoders.js';
export { expectInvalid, expectRelClose, maxAbsDiff } from './checks.js';
export { randomImages, seededImages } from './images.js';
export { expectNoLeak } from './leaks.js';
export { type Matrix, evaluate, expectGradientsMatchFiniteDifferences, permuteRows, randomMatrix, seeds } from './property.js';
