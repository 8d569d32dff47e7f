// Method
export { FEATURE_MAP_LAYER, embeddingFeatureExtractor, lightness, videoColorization } from './video-colorization.js';
export type { VideoColorization, VideoColorizationConfig, VideoColorizationOptions } from './video-colorization.js';
export { embeddingNet } from './embedding-net.js';
export { registerVideoColorizeArchitectures, videoColorizationEmbeddingArchitecture, videoColorizeArchitectures } from './architectures.js';
export type { EmbeddingNet, EmbeddingNetConfig } from './embedding-net.js';

// Colors
export { fitColorClusters, fitColourClusters, quantizeColors, quantizeColours } from './color-clusters.js';
export type { ColorClusterOptions, ColourClusterOptions } from './color-clusters.js';
export { kMeans, nearestCentroid } from './kmeans.js';
export type { KMeansOptions, KMeansResult } from './kmeans.js';

// Attention, colorization, label propagation
export { attend, attentionWeights, neighbourhoodBias, topKAttention } from './attention.js';
export type { ContextBlock, TopKAttentionOptions } from './attention.js';
export { colorError, colorize, colourError } from './colorize.js';
export type { ColorizeOptions } from './colorize.js';
export { embedFrames, propagateLabels } from './propagate.js';
export type { PropagationOptions, PropagationResult } from './propagate.js';
export { depthToSpace, labPixelFeatures, scaledLab, spaceToDepth } from './features.js';
export type { FeatureExtractor, LabPixelFeatureOptions } from './features.js';

// Metrics
export { boundaryF, boundaryMap, boundaryScore, boundaryTolerance, evaluateSegmentation, regionSimilarity } from './metrics.js';
export type { BinaryMask, BoundaryOptions, BoundaryScore, SegmentationEvaluation, SegmentationEvaluationOptions } from './metrics.js';

// Data
export { unstackClips, videoClipDataset } from './clip-dataset.js';
export type { ClipDataset, ClipDatasetOptions, ClipSource } from './clip-dataset.js';
export { syntheticVideo, syntheticVideos } from './synthetic.js';
export type { SyntheticVideo, SyntheticVideoOptions } from './synthetic.js';

// Pictures
export { OBJECT_COLORS, OBJECT_COLOURS, overlayMasks, videoStrip } from './overlay.js';
export type { OverlayOptions } from './overlay.js';
