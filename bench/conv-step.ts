/**
 * One SGD step of a small conv net on the default backend (wasm + selfsup's kernels) and on the stock cpu backend,
 * plus per-kernel timings of one 3x3 conv layer. Run from the repo root:
 *
 *   npx tsx bench/conv-step.ts            # cpu: one full batch-64 step (~90 s)
 *   npx tsx bench/conv-step.ts --quick    # cpu: a batch of 8, scaled per image
 *
 * Options: --steps N (timed wasm steps, default 5), --threads N (wasm threads, see packages/tensors/README.md),
 * --skip-cpu (no cpu step; the JSON then has cpu: null).
 * Writes bench/results/conv-step.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend, withBackend } from '../packages/tensors/src/index.js';
import { stockKernel } from '../packages/tensors/src/kernels/wasm-ops.js';

// initBackend loads tfjs-core's gradients from its ESM files, which plain Node cannot resolve (see the hook).
register('./tfjs-esm-hook.mjs', import.meta.url);

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer; got ${args[i + 1]}`);
  return value;
};
const quick = flag('quick');
const skipCpu = flag('skip-cpu');
const timedSteps = option('steps', 5);
const threads = option('threads', 1);
const BATCH = 64;
const CPU_BATCH = quick ? 8 : BATCH;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** The reference net: four 3x3 'same' convs (32-64-128-128 channels, strides 1-2-2-2) + relu, global average pool, dense 128. */
function makeNet(seed: number) {
  const rng = createRng(seed);
  const he = (shape: number[], fanIn: number) =>
    tf.variable(tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), 0, Math.sqrt(2 / fanIn)), shape));
  const channels = [3, 32, 64, 128, 128];
  const strides = [1, 2, 2, 2];
  const convs = strides.map((stride, i) => ({
    w: he([3, 3, channels[i]!, channels[i + 1]!], 9 * channels[i]!),
    b: tf.variable(tf.zeros([channels[i + 1]!])),
    stride,
  }));
  const dense = { w: he([128, 128], 128), b: tf.variable(tf.zeros([128])) };
  const variables = [...convs.flatMap((c) => [c.w, c.b]), dense.w, dense.b];
  const loss = (images: tf.Tensor4D, labels: tf.Tensor2D) => {
    let h: tf.Tensor4D = images;
    for (const c of convs) h = tf.relu(tf.add(tf.conv2d(h, c.w as tf.Tensor4D, c.stride, 'same'), c.b)) as tf.Tensor4D;
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(pooled, dense.w as tf.Tensor2D), dense.b) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  return { variables, loss };
}

/** CPU seconds this process used since `since` (user + system): on a busy shared machine, closer to idle wall time. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** Seconds per SGD step (wall and process CPU): `warmup` untimed steps, then the median of `steps` timed ones. */
async function timeSteps(
  batch: number,
  warmup: number,
  steps: number,
): Promise<{ median: number; cpuMedian: number; all: number[]; loss: number }> {
  const rng = createRng(7);
  const net = makeNet(1);
  const images = tf.tensor4d(rng.normalArray(batch * 32 * 32 * 3), [batch, 32, 32, 3]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, () => rng.int(0, 128)), 'int32'), 128) as tf.Tensor2D;
  const learningRate = 0.01;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let loss = Number.NaN;
  for (let i = 0; i < warmup + steps; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const value = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => net.loss(images, labels), net.variables);
      for (const v of net.variables) v.assign(tf.sub(v, tf.mul(learningRate, grads[v.name]!)));
      return value;
    });
    loss = (await value.data())[0] as number;
    value.dispose();
    if (i >= warmup) {
      times.push((performance.now() - start) / 1000);
      cpuTimes.push(cpuSeconds(cpuStart));
    }
  }
  tf.dispose([images, labels, ...net.variables]);
  return { median: median(times), cpuMedian: median(cpuTimes), all: times, loss };
}

/** Milliseconds per call of one kernel, wall and process CPU (medians of `reps`, after one warm-up call). */
async function timeKernel(run: () => tf.Tensor, reps = 7): Promise<{ ms: number; cpuMs: number }> {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const y = run();
    await y.data();
    y.dispose();
    if (i > 0) {
      times.push(performance.now() - start);
      cpuTimes.push(cpuSeconds(cpuStart) * 1000);
    }
  }
  return { ms: median(times), cpuMs: median(cpuTimes) };
}

async function kernelTimings() {
  const rng = createRng(3);
  const x = tf.tensor4d(rng.normalArray(64 * 32 * 32 * 32), [64, 32, 32, 32]);
  const filter = tf.tensor4d(rng.normalArray(3 * 3 * 32 * 64), [3, 3, 32, 64]);
  const dy = tf.tensor4d(rng.normalArray(64 * 16 * 16 * 64), [64, 16, 16, 64]);
  const convAttrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined } as const;
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () =>
    tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const stock = stockKernel('Conv2DBackpropInput');
  const result = {
    layer: 'conv 3x3, batch 64, 32x32x32 -> 16x16x64 (stride 2, same)',
    forward: await timeKernel(() => tf.conv2d(x, filter, 2, 'same')),
    filterGrad: await timeKernel(run('Conv2DBackpropFilter', { x, dy }, { ...convAttrs, filterShape: filter.shape })),
    inputGrad: await timeKernel(run('Conv2DBackpropInput', { dy, filter }, { ...convAttrs, inputShape: x.shape })),
    stockInputGrad:
      stock === undefined
        ? null
        : await timeKernel(() => {
            const out = stock.kernelFunc({
              inputs: { dy, filter },
              backend: tf.backend(),
              attrs: { ...convAttrs, inputShape: x.shape } as unknown as tf.NamedAttrMap,
            }) as tf.TensorInfo;
            return tf.engine().makeTensorFromTensorInfo(out);
          }, 3),
  };
  tf.dispose([x, filter, dy]);
  return result;
}

const report = await initBackend({ threads });
const model = cpus()[0]?.model ?? 'unknown';
const [load1] = loadavg();
console.log(`machine: ${cpus().length} cores, ${model}, node ${process.version}, load average ${load1?.toFixed(2)}`);
console.log(`default backend: ${report.reason}; threads: ${report.threads}`);

const kernels = await kernelTimings();
const show = (label: string, t: { ms: number; cpuMs: number } | null) => {
  if (t !== null) console.log(`  ${label.padEnd(36)} ${t.ms.toFixed(1).padStart(6)} ms  (process CPU ${t.cpuMs.toFixed(1)} ms)`);
};
console.log(`\nper kernel, ${kernels.layer}:`);
show('forward (Conv2D)', kernels.forward);
show('filter grad (Conv2DBackpropFilter)', kernels.filterGrad);
show('input grad (Conv2DBackpropInput)', kernels.inputGrad);
show('stock input grad (stock wasm kernel)', kernels.stockInputGrad);

const wasm = await timeSteps(BATCH, 2, timedSteps);
console.log(
  `\n${report.backend}: ${wasm.median.toFixed(3)} s/step, ${(BATCH / wasm.median).toFixed(0)} images/s (median of ${timedSteps}, batch ${BATCH}; process CPU ${wasm.cpuMedian.toFixed(3)} s/step)`,
);

let cpuResult: {
  batch: number;
  measuredSecondsPerStep: number;
  cpuSecondsPerStep: number;
  secondsPerStep: number;
  imagesPerSecond: number;
  scaledPerImage: boolean;
} | null = null;
let speedup: number | null = null;
if (!skipCpu) {
  console.log(`cpu: timing one step at batch ${CPU_BATCH}${quick ? ' (--quick; scaled per image to 64)' : ''} ...`);
  const cpu = await withBackend('cpu', () => timeSteps(CPU_BATCH, 0, 1));
  const cpuPerImage = cpu.median / CPU_BATCH;
  const cpuStep = cpuPerImage * BATCH;
  console.log(`cpu: ${cpuStep.toFixed(2)} s/step${quick ? ' (scaled)' : ''}, ${(1 / cpuPerImage).toFixed(1)} images/s (process CPU ${cpu.cpuMedian.toFixed(2)} s at batch ${CPU_BATCH})`);
  speedup = cpuStep / wasm.median;
  console.log(`speed-up ${report.backend} vs cpu: ${speedup.toFixed(0)}x`);
  cpuResult = {
    batch: CPU_BATCH,
    measuredSecondsPerStep: cpu.median,
    cpuSecondsPerStep: cpu.cpuMedian,
    secondsPerStep: cpuStep,
    imagesPerSecond: 1 / cpuPerImage,
    scaledPerImage: quick,
  };
}

const results = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, model, node: process.version, loadAverageAtStart: load1 },
  net: 'batch 64 of 32x32x3; conv3x3 32/64/128/128, strides 1/2/2/2, same, relu; global average pool; dense 128; softmax CE',
  quick,
  wasm: {
    backend: report.backend,
    threads: report.threads,
    batch: BATCH,
    secondsPerStep: wasm.median,
    cpuSecondsPerStep: wasm.cpuMedian,
    imagesPerSecond: BATCH / wasm.median,
    stepSeconds: wasm.all,
    loss: wasm.loss,
  },
  cpu: cpuResult,
  speedup,
  kernels,
};
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('conv-step.json', dir), `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results/conv-step.json');
