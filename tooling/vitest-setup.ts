// Every test file runs on the default backend (wasm with selfsup's kernels) unless SELFSUP_BACKEND says otherwise.
// A relative import: tooling/ is no package, and this is the file the `@selfsup/source` condition resolves to.
import { initBackend } from '../packages/tensors/src/index.js';

await initBackend();
