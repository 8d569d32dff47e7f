// Node-only parts: files (data sets, checkpoints). Kept out of the main entry so that browsers can import it.
export { loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.js';
export type { LoadedCheckpoint } from './checkpoint.js';
