import type { CheckpointStore } from './fit.js';
import { SelfsupError } from './errors.js';
import { restoreVariables, saveCheckpoint } from './checkpoint.js';

/**
 * A {@link CheckpointStore} in one directory: each save replaces it atomically, so a crash (even SIGKILL during the
 * write) leaves the previous complete checkpoint.
 */
export function checkpointDirectory(dir: string): CheckpointStore {
  return {
    async save(variables, state) {
      await saveCheckpoint(dir, variables, state);
    },
    async load(variables) {
      try {
        return await restoreVariables(dir, variables);
      } catch (error) {
        if (error instanceof SelfsupError && error.code === 'CHECKPOINT_MISSING') return undefined;
        throw error;
      }
    },
  };
}
