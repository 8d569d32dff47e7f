#!/usr/bin/env node
// Exact against approximate (usearch HNSW) k-NN on *learned* Fashion-MNIST embeddings: a saved encoder (e.g. the
// SimCLR run of `selfsup bench`) embeds the 60 000 training images (the bank) and the 10 000 test images (the queries);
// then top-1 of both searches (k = 200, T = 0.1), how often their predictions agree, and recall@200 of the approximate
// search. packages/eval/scripts/knn-approximate.ts does the same on raw pixels.
//   node bench/knn-approximate.mjs --encoder <run>/encoder [--name knn-approximate-simclr]
// Needs the packages built. Writes bench/results/<name>.json and .md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_IN_PRESETS, registerPresetArchitectures } from '@selfsup/cli';
import { loadEncoder } from '@selfsup/encoders/node';
import { extractFeatures, knnClassify, knnRecall, loadUsearch, topKAccuracy } from '@selfsup/eval';
import { initBackend } from '@selfsup/tensors';
import { loadFashionMnist } from '@selfsup/tensors/node';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const encoderDir = option('encoder');
const name = option('name', 'knn-approximate-learned');
if (encoderDir === undefined) throw new Error('--encoder <dir> is required (a saved encoder, e.g. runs/simclr/encoder)');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const backend = await initBackend();
await loadUsearch();
registerPresetArchitectures(BUILT_IN_PRESETS);
const encoder = await loadEncoder(encoderDir);
const train = await loadFashionMnist('train');
const test = await loadFashionMnist('test');
const bank = await extractFeatures(encoder, train);
const queries = await extractFeatures(encoder, test);
const timed = async (fn) => {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
};
const knn = { k: 200, temperature: 0.1, numClasses: 10 };
const [exact, exactSeconds] = await timed(() => knnClassify(bank.features, bank.labels, queries.features, { ...knn, index: 'exact' }));
const [approximate, approximateSeconds] = await timed(() => knnClassify(bank.features, bank.labels, queries.features, { ...knn, index: 'approximate' }));
const recall = await knnRecall(bank.features, queries.features, { k: 200 });
let agree = 0;
for (let i = 0; i < exact.predictions.length; i++) if (exact.predictions[i] === approximate.predictions[i]) agree += 1;
const top1 = (r) => topKAccuracy(r.ranking, queries.labels, 1);
const result = {
  command: `node bench/knn-approximate.mjs --encoder ${encoderDir}`,
  encoder: { dir: encoderDir, architecture: encoder.architecture, outputDim: bank.features.shape[1] },
  bank: bank.labels.length,
  queries: queries.labels.length,
  exact: { top1: top1(exact), seconds: exactSeconds },
  approximate: { top1: top1(approximate), seconds: approximateSeconds, hnsw: approximate.hnsw },
  top1DifferencePoints: 100 * (top1(approximate) - top1(exact)),
  predictionAgreement: agree / exact.predictions.length,
  recall: { k: recall.k, mean: recall.recall, lowest: recall.minRecall },
  machine: { cpu: cpus()[0]?.model, backend: backend.description, node: process.version },
};
const pct = (x) => `${(100 * x).toFixed(2)} %`;
const md = [
  `### Exact and approximate k-NN on ${result.encoder.architecture} embeddings (${result.encoder.outputDim}-d) of Fashion-MNIST`,
  '',
  '| search | top-1 | seconds |',
  '| --- | ---: | ---: |',
  `| exact | ${pct(result.exact.top1)} | ${exactSeconds.toFixed(1)} |`,
  `| approximate (HNSW) | ${pct(result.approximate.top1)} | ${approximateSeconds.toFixed(1)} |`,
  '',
  `Difference ${result.top1DifferencePoints.toFixed(2)} points; predictions agree on ${pct(result.predictionAgreement)}; recall@200 ${recall.recall.toFixed(4)} (lowest query ${recall.minRecall.toFixed(3)}). ${backend.description}.`,
  '',
].join('\n');
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(root, 'bench', 'results', `${name}.md`), md);
console.log(md);
bank.features.dispose();
queries.features.dispose();
encoder.dispose();
