import { packageBuild } from '../../tooling/tsup.js';

export default packageBuild({ index: 'src/index.ts', cli: 'src/main.ts' });
