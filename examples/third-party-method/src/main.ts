// Pretrains the spectral contrastive method on MNIST within a time budget, then probes the encoder next to the same
// network at random initialisation: `pnpm --filter @selfsup-examples/third-party-method build && node dist/main.js [seconds]`.
import { convNet } from '@selfsup/encoders';
import { knnProbe, linearProbe } from '@selfsup/eval';
import { fit, initBackend } from '@selfsup/tensors';
import { loadMnist } from '@selfsup/tensors/node';
import { spectralContrastive } from './index.js';

const seconds = Number(process.argv[2] ?? 60);
console.log((await initBackend()).reason);
const train = loadMnist('train'); // the 7 996 training digits of the mnist package
const test = loadMnist('test', { limit: 2_000 });
const makeEncoder = () => convNet({ inputShape: [28, 28, 1], channels: [32, 64, 128], strides: [2, 2, 2], seed: 0 });

const method = spectralContrastive({ encoder: makeEncoder() });
const result = await fit(method, train, { batchSize: 128, epochs: 100, timeBudgetSeconds: seconds, learningRate: 1e-3, seed: 0 });
console.log(`${result.steps} steps in ${result.seconds.toFixed(0)} s, loss ${result.losses[0]?.toFixed(3)} -> ${result.losses.at(-1)?.toFixed(3)}`);

const random = makeEncoder();
for (const [name, encoder] of [['spectral contrastive', method.encoder], ['random init', random]] as const) {
  const knn = await knnProbe(encoder, train, test, { k: 20 });
  const linear = await linearProbe(encoder, train, test);
  console.log(`${name.padEnd(22)} k-NN ${(100 * knn.top1).toFixed(1)} %   linear ${(100 * linear.top1).toFixed(1)} %`);
}
method.dispose();
random.dispose();
