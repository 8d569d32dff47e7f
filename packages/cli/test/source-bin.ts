// The `selfsup` bin run from the sources (tests that spawn the CLI without a build): Node needs the tfjs ESM resolve
// hook before anything imports tfjs-core's ESM files, which the built bin bundles instead.
import { registerTfjsEsmResolver } from '@selfsup/tensors/node';

await registerTfjsEsmResolver();
await import('../src/main.js');
