// Features
export { assertDataset, assertEncoder, extractFeatures, inputAdapter } from './features.js';
export type { ExtractFeaturesOptions, FeatureSet } from './features.js';
export { rawPixelEncoder } from './raw-pixel-encoder.js';
export { DEFAULT_LAYER_DIM, adaptiveAvgPool2d, poolLayerFeatures, poolingGrid } from './layer-features.js';

// k-NN probe
export { KNN_AUTO, KNN_DEFAULT, KNN_HNSW_DEFAULT, KNN_INSTDISC, knnClassify, knnEvaluate, knnProbe, knnRecall } from './probes/knn.js';
export type { KnnIndex, KnnOptions, KnnPredictions, KnnProbeOptions, KnnRecall, KnnRecallOptions } from './probes/knn.js';
export { KNN_SELECT_GRID } from './probes/knn-select.js';
export type { KnnSelectOptions, KnnSelection, KnnSelectionTrial } from './probes/knn-select.js';
export { loadUsearch } from './probes/knn-index.js';
export type { HnswSettings } from './probes/knn-index.js';
export { rankScores, topKAccuracy } from './probes/top-k.js';
export type { ClassRanking } from './probes/top-k.js';

// Linear probe
export { trainLinearClassifier } from './probes/linear-classifier.js';
export type { LinearClassifier, LinearClassifierOptions, LinearEvaluation } from './probes/linear-classifier.js';
export {
  DEFAULT_LBFGS_WEIGHT_DECAYS,
  DEFAULT_SGD_LEARNING_RATES,
  linearEvaluate,
  linearProbe,
  stratifiedSplit,
  sweepLinearClassifier,
} from './probes/linear-probe.js';
export type { LinearProbeOptions, LinearSweepOptions, SweepResult, SweepTrial } from './probes/linear-probe.js';
export { minimizeLbfgs } from './probes/lbfgs.js';
export type { LbfgsOptions, LbfgsResult, Objective } from './probes/lbfgs.js';

// Representation metrics
export { alignment } from './metrics/alignment.js';
export type { AlignmentOptions } from './metrics/alignment.js';
export { uniformity } from './metrics/uniformity.js';
export type { UniformityOptions } from './metrics/uniformity.js';
export { effectiveRank, effectiveRankOfSingularValues, singularValues } from './metrics/effective-rank.js';
export type { EffectiveRankOptions } from './metrics/effective-rank.js';
export { embeddingStd, embeddingStdReference } from './metrics/embedding-std.js';
export { embeddingMetrics, representationMetrics } from './metrics/representation.js';
export type { EmbeddingMetricsOptions, RepresentationMetricsOptions, ViewFunction } from './metrics/representation.js';

// Online monitor (during pretraining)
export { monitorEncoder, monitorSubsets } from './monitor/online-monitor.js';
export type { MonitorReading, MonitorSubsets, MonitorSubsetsOptions, OnlineMonitorOptions } from './monitor/online-monitor.js';

// All probes at once
export { evaluateEncoder, probeFeatures } from './evaluate.js';
export type { EvaluateOptions, EvaluateProgress, EvaluationReport, ProbeFeaturesOptions, ProbeName } from './evaluate.js';

// Projections and linear algebra
export { pca, pca2d } from './embedding/pca.js';
export type { Projection } from './embedding/pca.js';
export { umap2d } from './embedding/umap.js';
export type { UmapOptions } from './embedding/umap.js';
export { symmetricEigen } from './linalg/symmetric-eigen.js';
export type { SymmetricEigen } from './linalg/symmetric-eigen.js';

// Pictures (SVG strings)
export { renderSvg } from './plots/render.js';
export type { VegaLiteSpec } from './plots/render.js';
export { embeddingPlotSpec, embeddingPlotSvg } from './plots/embedding-plot.js';
export type { EmbeddingPlotOptions, EmbeddingSvgOptions } from './plots/embedding-plot.js';
export { barChartSpec, barChartSvg } from './plots/bar-chart.js';
export type { BarChartOptions, BarEntry } from './plots/bar-chart.js';
export { lossCurveSpec, lossCurveSvg, smooth } from './plots/loss-curve.js';
export type { LossCurveOptions, LossCurvePanel, LossSeries, MetricSeries } from './plots/loss-curve.js';
