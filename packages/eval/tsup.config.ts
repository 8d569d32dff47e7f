import { packageBuild } from '../../tooling/tsup.js';

export default packageBuild({ index: 'src/index.ts', node: 'src/node.ts' });
