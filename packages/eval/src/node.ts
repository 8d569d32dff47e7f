// Node-only parts: files (reports, pictures) and the `selfsup` command line. Kept out of the main entry so that
// browsers can import it.
export { reportJson, writeJson, writeSvg } from './report.js';
export { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, runCli } from './cli/program.js';
export type { CliIo } from './cli/program.js';
export type { EncoderFactory } from './cli/encoder.js';
export { loadEvalData } from './cli/data.js';
export type { DataOptions, EvalData } from './cli/data.js';
