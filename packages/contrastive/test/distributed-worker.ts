// One rank of the data-parallel tests (src/distributed.test.ts), as its own process:
//   node --import tsx test/distributed-worker.ts <scenario> <rank> <worldSize> <dir>
// Scenarios: nt-xent, multi-view-nt-xent and clip-loss (the loss and its gradient at this rank's rows), simclr, moco-v2, clip (a few fit steps). Writes
// <dir>/<scenario>-<rank>.json.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { registerTfjsEsmResolver } from '@selfsup/tensors/node';

await registerTfjsEsmResolver();
const tf = await import('@tensorflow/tfjs-core');
const { fit, initBackend, tensorDataset } = await import('@selfsup/tensors');
const { initProcessGroup } = await import('@selfsup/tensors/node');
const { clipLoss, infoNCE, infoNCEOverTargets, multiViewNtXent, ntXent } = await import('../src/index.js');
const { buildScenario, scenarioEmbeddings, SCENARIO_FIT, SYNC_BATCH_NORM_SCENARIOS } = await import('./distributed-scenarios.js');

const [scenario, rankText, worldText, dir] = process.argv.slice(2) as [string, string, string, string];
const rank = Number(rankText);
const worldSize = Number(worldText);
await initBackend({ backend: 'cpu' });
const group = await initProcessGroup({ rank, worldSize, rendezvous: path.join(dir, 'rendezvous'), prefix: scenario, timeoutMs: 90_000 });
const out: Record<string, unknown> = { rank };

if (scenario === 'nt-xent') {
  const [z1, z2] = scenarioEmbeddings(rank);
  const grads = tf.grads((a: import('@tensorflow/tfjs-core').Tensor, b: import('@tensorflow/tfjs-core').Tensor) =>
    ntXent(a as import('@tensorflow/tfjs-core').Tensor2D, b as import('@tensorflow/tfjs-core').Tensor2D, { temperature: 0.5, processGroup: group }),
  )([z1, z2]);
  const loss = ntXent(z1, z2, { temperature: 0.5, processGroup: group });
  out['loss'] = loss.dataSync()[0];
  out['grads'] = grads.map((g) => Array.from(g.dataSync()));
  tf.dispose([z1, z2, loss, ...grads]);
} else if (scenario === 'multi-view-nt-xent') {
  const [third, unused] = scenarioEmbeddings(20 + rank);
  unused.dispose();
  const views = [...scenarioEmbeddings(rank), third];
  type T2 = import('@tensorflow/tfjs-core').Tensor2D;
  const f = (...zs: import('@tensorflow/tfjs-core').Tensor[]) => multiViewNtXent(zs as T2[], { temperature: 0.5, processGroup: group });
  const grads = tf.grads(f)(views);
  const loss = f(...views);
  out['loss'] = loss.dataSync()[0];
  out['grads'] = grads.map((g) => Array.from(g.dataSync()));
  tf.dispose([...views, loss, ...grads]);
} else if (scenario === 'info-nce') {
  // Queries, positives and shared negatives of this rank: infoNCE gathers the negatives, infoNCEOverTargets the targets.
  const [q, k] = scenarioEmbeddings(rank);
  const negatives = scenarioEmbeddings(10 + rank)[0];
  type T2 = import('@tensorflow/tfjs-core').Tensor2D;
  const f = (a: import('@tensorflow/tfjs-core').Tensor, b: import('@tensorflow/tfjs-core').Tensor, c: import('@tensorflow/tfjs-core').Tensor) =>
    tf.add(infoNCE(a as T2, b as T2, c as T2, { temperature: 0.3, processGroup: group }), infoNCEOverTargets(a as T2, b as T2, { temperature: 0.7, processGroup: group }));
  const grads = tf.grads(f)([q, k, negatives]);
  const loss = f(q, k, negatives);
  out['loss'] = loss.dataSync()[0];
  out['grads'] = grads.map((g) => Array.from(g.dataSync()));
  tf.dispose([q, k, negatives, loss, ...grads]);
} else if (scenario === 'clip-loss') {
  const [a, b] = scenarioEmbeddings(rank);
  type T2 = import('@tensorflow/tfjs-core').Tensor2D;
  const f = (x: import('@tensorflow/tfjs-core').Tensor, y: import('@tensorflow/tfjs-core').Tensor) => clipLoss(x as T2, y as T2, { logitScale: 3, processGroup: group });
  const grads = tf.grads(f)([a, b]);
  const loss = f(a, b);
  out['loss'] = loss.dataSync()[0];
  out['grads'] = grads.map((g) => Array.from(g.dataSync()));
  tf.dispose([a, b, loss, ...grads]);
} else {
  // Each rank builds the method from another seed: fit broadcasts rank 0's weights.
  const { method, images } = buildScenario(scenario, 1 + rank);
  const data = tensorDataset(images);
  const result = await fit(method, data, { ...SCENARIO_FIT, processGroup: group, syncBatchNorm: SYNC_BATCH_NORM_SCENARIOS.includes(scenario) });
  out['losses'] = result.losses;
  out['weights'] = method.variables.filter((v) => v.variable.dtype === 'float32').map((v) => Array.from(v.variable.dataSync()));
  method.dispose();
  data.dispose?.();
}
out['tensors'] = tf.memory().numTensors;
writeFileSync(path.join(dir, `${scenario}-${rank}.json`), JSON.stringify(out));
group.destroy();
