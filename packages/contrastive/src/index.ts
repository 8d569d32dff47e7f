// Losses: plain functions over embeddings
export { infoNCE } from './losses/info-nce.js';
export type { InfoNCEOptions } from './losses/info-nce.js';
export { infoNCEOverTargets } from './losses/info-nce-over-targets.js';
export { ntXent } from './losses/nt-xent.js';
export type { NtXentOptions } from './losses/nt-xent.js';
export { clipLoss } from './losses/clip-loss.js';
export type { ClipLossOptions } from './losses/clip-loss.js';
export { clipLogitScale } from './losses/clip-logit-scale.js';
export type { ClipLogitScale, ClipLogitScaleOptions } from './losses/clip-logit-scale.js';
export { byolLoss } from './losses/byol-loss.js';
export { simSiamLoss } from './losses/simsiam-loss.js';
export { barlowTwinsLoss } from './losses/barlow-twins-loss.js';
export type { BarlowTwinsOptions } from './losses/barlow-twins-loss.js';
export { vicregLoss, vicregTerms } from './losses/vicreg-loss.js';
export type { VicregOptions, VicregTerms } from './losses/vicreg-loss.js';

// Building blocks
export { MoCoQueue } from './queue/moco-queue.js';
export type { MoCoQueueOptions } from './queue/moco-queue.js';
export { stopGradient } from './ops/stop-gradient.js';
