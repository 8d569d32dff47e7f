import { packageTests } from '../../tooling/vitest.js';

export default packageTests({ testTimeout: 120_000 });
