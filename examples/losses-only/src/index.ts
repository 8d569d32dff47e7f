export { gaussianClusters, jitter, ownMlp } from './own-model.js';
export type { OwnModel } from './own-model.js';
export { LOSSES, nearestNeighbourAccuracy, trainWithLoss } from './train.js';
export type { LossName } from './train.js';
