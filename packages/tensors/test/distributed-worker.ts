// One rank of the data-parallel tests (src/distributed/distributed.test.ts), run as its own process:
//   node --import tsx test/distributed-worker.ts <scenario> <rank> <worldSize> <dir> [options as JSON]
// It joins the group in <dir>/rendezvous, runs the scenario and writes <dir>/<scenario>-<rank>.json.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { registerTfjsEsmResolver } from '../src/backend/tfjs-esm-resolver.js';

await registerTfjsEsmResolver();
const tf = await import('@tensorflow/tfjs-core');
const { allGatherWithGradient, createRng, fit, initBackend, tensorDataset } = await import('../src/index.js');
const { checkpointDirectory, initProcessGroup } = await import('../src/node.js');
const { randomImages, toyMethod } = await import('./toy-method.js');

const [scenario, rankText, worldText, dir, extraText] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const rank = Number(rankText);
const worldSize = Number(worldText);
const extra = (extraText !== undefined ? JSON.parse(extraText) : {}) as {
  /** Rank 1 kills itself (SIGKILL) at the end of this step. */
  killAtStep?: number;
  resume?: boolean;
  steps?: number;
  batchSize?: number;
  prefix?: string;
  store?: string;
  /** Meet through MASTER_ADDR / MASTER_PORT (set in the environment by the test) instead of a directory. */
  tcp?: boolean;
};
await initBackend({ backend: 'cpu' });
const group = await initProcessGroup({
  rank,
  worldSize,
  ...(extra.tcp === true ? {} : { rendezvous: path.join(dir, 'rendezvous') }),
  prefix: extra.prefix ?? scenario,
  timeoutMs: 90_000,
});
const out: Record<string, unknown> = { rank };

if (scenario === 'collectives') {
  const mine = tf.tensor2d([rank + 1, 2 * (rank + 1), -rank, 0.5], [2, 2]);
  const read = (t: import('@tensorflow/tfjs-core').Tensor) => {
    const values = Array.from(t.dataSync());
    t.dispose();
    return values;
  };
  out['sum'] = read(group.allReduce(mine));
  out['mean'] = read(group.allReduce(mine, { op: 'mean' }));
  out['max'] = read(group.allReduce(mine, { op: 'max' }));
  out['min'] = read(group.allReduce(mine, { op: 'min' }));
  const gathered = group.allGather(mine);
  out['gatherShape'] = gathered.shape;
  out['gather'] = read(gathered);
  const filled = tf.fill([3], rank + 10);
  out['broadcast'] = read(group.broadcast(filled, 1));
  filled.dispose();
  // Buckets of at most 3 values: [1], [2, 2] share one, [5 values] is its own, [1] ends.
  const arrays = [Float32Array.of(rank), Float32Array.of(rank, 1), Float32Array.from([1, 2, 3, 4, 5], (v) => v * (rank + 1)), Float32Array.of(7)];
  group.allReduceArrays(arrays, { op: 'sum', bucketElements: 3 });
  out['arrays'] = arrays.map((a) => Array.from(a));
  group.barrier();
  mine.dispose();
  out['tensors'] = tf.memory().numTensors;
} else if (scenario === 'gather-gradient') {
  // Each rank owns 3 rows of 4; its loss reads its own rows against every rank's (global negatives, in miniature).
  const x = tf.tensor2d(createRng(100 + rank).normalArray(12), [3, 4]);
  const grad = tf.grad((local: import('@tensorflow/tfjs-core').Tensor) => {
    const all = allGatherWithGradient(group, local);
    const scores = tf.matMul(local, all, false, true);
    return tf.sum(tf.log(tf.sum(tf.exp(tf.tanh(scores)), 1)));
  });
  const g = grad(x);
  out['x'] = Array.from(x.dataSync());
  out['grad'] = Array.from(g.dataSync());
  tf.dispose([x, g]);
  out['tensors'] = tf.memory().numTensors;
} else if (scenario === 'fit') {
  // The toy autoencoder (a mean over samples) on 2 ranks of batchSize, or on one process of worldSize x batchSize.
  const images = randomImages(48, [4, 4, 1]);
  const data = tensorDataset(images);
  const method = toyMethod([4, 4, 1], 4, 1 + rank);
  const store = extra.store !== undefined ? checkpointDirectory(extra.store) : undefined;
  let failure: unknown;
  try {
    const result = await fit(method, data, {
      batchSize: extra.batchSize ?? 6,
      epochs: 3,
      ...(extra.steps !== undefined ? { maxSteps: extra.steps } : {}),
      learningRate: 1e-2,
      seed: 5,
      progress: false,
      processGroup: group,
      ...(store !== undefined ? { checkpoint: { store, everySteps: 1 }, resume: extra.resume === true } : {}),
      callbacks: {
        onStepEnd: (info) => {
          // Killed outright mid-run, as the OOM killer or a lost machine would: no exit handlers, sockets dropped by the OS.
          if (extra.killAtStep !== undefined && rank === 1 && info.step === extra.killAtStep) process.kill(process.pid, 'SIGKILL');
        },
      },
    });
    out['steps'] = result.steps;
    out['losses'] = result.losses;
    out['resumedFromStep'] = result.resumedFromStep;
  } catch (error) {
    failure = error;
    out['error'] = error instanceof Error ? { message: error.message, code: (error as { code?: string }).code } : String(error);
  }
  out['weights'] = Array.from(method.variables[0]?.variable.dataSync() ?? []);
  method.dispose();
  data.dispose?.();
  if (failure !== undefined) {
    writeFileSync(path.join(dir, `${scenario}-${rank}.json`), JSON.stringify(out));
    process.exit(3);
  }
}
writeFileSync(path.join(dir, `${scenario}-${rank}.json`), JSON.stringify(out));
group.destroy();
