// Run by wasm-threads.test.ts in a fresh Node process (the test process already has a single-threaded wasm backend):
// a conv on threaded wasm against the cpu backend. Prints one JSON line; must exit on its own.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { useThreadedWasm, wasmThreadCount } from './wasm-threads.js';

const threads = Number(process.argv[2] ?? 2);
await useThreadedWasm(threads);
if (!(await tf.setBackend('wasm'))) throw new Error('threaded wasm did not initialise');
const x = tf.randomNormal([4, 16, 16, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
const f = tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
const onWasm = await tf.conv2d(x, f, 2, 'same').data();
const count = wasmThreadCount();
const xValues = await x.data();
const fValues = await f.data();
await tf.setBackend('cpu');
const onCpu = await tf.conv2d(tf.tensor4d(xValues, x.shape), tf.tensor4d(fValues, f.shape), 2, 'same').data();
let maxError = 0;
for (let i = 0; i < onCpu.length; i++) maxError = Math.max(maxError, Math.abs((onWasm[i] as number) - (onCpu[i] as number)));
process.stdout.write(`${JSON.stringify({ threads: count, maxError, size: onWasm.length })}\n`);
