import { packageBuild } from '../../tooling/tsup.js';

// tfjs-core registers gradients only through an ES module with extensionless imports, which plain Node cannot load:
// bundle that one module (and the tfjs-core internals it reaches) into our dist. It shares the engine and registries
// with the real tfjs-core through tfjs's global namespace, and tfjs's Tensor/Variable `Symbol.hasInstance` makes tensors
// cross the copy boundary safely.
export default packageBuild({ index: 'src/index.ts', node: 'src/node.ts' }, { noExternal: [/register_all_gradients/] });
