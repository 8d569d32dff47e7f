// The `selfsup` command line as functions: `runCli(argv, io)` is what the `selfsup` bin calls; the commands are also
// callable one by one (`runPretrain`, `runEval`, `runBench`, `runVideoTrain`, `runVideoColorize`, `runVideoPropagate`), and each returns what it did.

// The program
export { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, runCli } from './program.js';
export type { CliIo, CliResult, ProgramContext } from './program.js';

// Commands
export { PRETRAIN_FILES, runPretrain } from './pretrain-command.js';
export type { PretrainCommandOptions, PretrainIo, PretrainResult, PretrainStep } from './pretrain-command.js';
export { evalProbeOptions, runEval } from './eval-command.js';
export type { EvalCommandOptions, EvalIo, EvalProbeFlags, EvalResult } from './eval-command.js';
export { benchMarkdown, runBench, seedStatistics, summarizeBench } from './bench-command.js';
export type { BenchCommandOptions, BenchIo, BenchResult, BenchRow, BenchSummaryRow, SeedStatistics } from './bench-command.js';
export { VIDEO_TRAIN_DEFAULTS, VIDEO_TRAIN_FILES, runVideoColorize, runVideoPropagate, runVideoTrain } from './video-command.js';
export type {
  JandF,
  PropagationBaseline,
  VideoColorizeOptions,
  VideoColorizeResult,
  VideoIo,
  VideoPropagateOptions,
  VideoPropagateResult,
  VideoPropagationScore,
  VideoTrainOptions,
  VideoTrainResult,
  VideoTrainSettings,
} from './video-command.js';

// Methods, architectures, plugins
export { BUILT_IN_PRESETS, methodTable, registerPresetArchitectures } from './methods.js';
export type { MethodTable } from './methods.js';
export { resolveMethodOptions } from './method-options.js';
export { RUN_CONFIG_KEYS, TRAINING_FLAGS, checkRunConfig, readRunConfig, resolveRunConfig } from './run-config.js';
export type { ResolvedRunConfig, RunConfigFile, RunConfigSources } from './run-config.js';
export { listBackbones } from './architectures.js';
export { PLUGIN_ARCHITECTURES_EXPORT, loadPlugins } from './plugins.js';
export type { LoadedPlugin } from './plugins.js';

// Encoders and data
export { ENCODER_FORMS, defaultEncoderSource } from './encoder.js';
export type { EncoderSource } from './encoder.js';
export { DATA_FORMS, PRETRAIN_DATA_FORMS, VALIDATION_SEED, dataKindOf, loadEvalData, loadPretrainData } from './data.js';
export type { DataOptions, EvalData, PretrainData } from './data.js';
export { CAPTION_FILES, loadCaptionFolder, parseCaptionFile, readCaptionFolder } from './caption-data.js';
export type { CaptionEntry, CaptionFolder } from './caption-data.js';
export { COLOR_SHAPES_CLASSES, COLOR_SHAPES_SIZES, colorShapes } from './color-shapes.js';
export { SEQUENCE_EXTENSIONS, loadSequenceFolder, parseNpy, parseSequenceJson } from './sequences.js';
export type { SequenceArray, SequenceDataset, SequenceFolderOptions } from './sequences.js';
