// Every test file runs on the default backend (wasm with selfsup's kernels) unless SELFSUP_BACKEND says otherwise.
import { initBackend } from '@selfsup/tensors';

await initBackend();
