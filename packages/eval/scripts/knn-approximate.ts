/**
 * Exact against approximate (usearch HNSW) weighted k-NN on Fashion-MNIST, raw pixels as the embedding: top-1 of
 * both (k = 200, T = 0.1, the MoCo/SimSiam monitor's setting), how often their predictions agree, recall@k of the
 * approximate search against the exact one, and the seconds each took (one thread each: run it pinned to one core).
 *
 *   cd packages/eval && taskset -c 1 npx tsx --conditions=@selfsup/source scripts/knn-approximate.ts
 *
 * Options: --bank 60000 (training images in the bank), --queries 10000 (test images), --k 200, --temperature 0.1,
 * --connectivity / --expansion-add / --expansion-search (HNSW; defaults those of knnProbe), --data <fashion-mnist dir>.
 * Writes scripts/results/knn-approximate.json.
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '@selfsup/tensors';
import { FASHION_MNIST_DEFAULT_DIR, loadFashionMnist } from '@selfsup/tensors/node';
import { type KnnOptions, extractFeatures, knnClassify, knnRecall, loadUsearch, rawPixelEncoder, topKAccuracy } from '../src/index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const optionalNumber = (name: string): number | undefined => (args.includes(`--${name}`) ? Number(arg(name, '')) : undefined);
const bankSize = Number(arg('bank', '60000'));
const queryCount = Number(arg('queries', '10000'));
const k = Number(arg('k', '200'));
const temperature = Number(arg('temperature', '0.1'));
const dir = arg('data', FASHION_MNIST_DEFAULT_DIR);
const hnsw = {
  ...(optionalNumber('connectivity') !== undefined ? { connectivity: optionalNumber('connectivity') } : {}),
  ...(optionalNumber('expansion-add') !== undefined ? { expansionAdd: optionalNumber('expansion-add') } : {}),
  ...(optionalNumber('expansion-search') !== undefined ? { expansionSearch: optionalNumber('expansion-search') } : {}),
} as Pick<KnnOptions, 'connectivity' | 'expansionAdd' | 'expansionSearch'>;

const backend = await initBackend();
await loadUsearch();
const usearchVersion = (() => {
  // The package's main file is <root>/javascript/dist/cjs/usearch.js; its version is in <root>/package.json.
  const main = createRequire(import.meta.url).resolve('usearch');
  return createRequire(main)('../../../package.json').version as string;
})();

const seconds = async <T>(fn: () => T | Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const value = await fn();
  return [value, (performance.now() - started) / 1000];
};

const train = await loadFashionMnist('train', { limit: bankSize, dir });
const test = await loadFashionMnist('test', { limit: queryCount, dir });
const encoder = rawPixelEncoder([28, 28, 1]);
const bank = await extractFeatures(encoder, train);
const queries = await extractFeatures(encoder, test);
console.log(`Fashion-MNIST raw pixels: bank ${bank.labels.length} x ${bank.features.shape[1]}, ${queries.labels.length} queries, k = ${k}, T = ${temperature}; ${backend.description}`);

const knn = { k, temperature, numClasses: 10 };
const [exact, exactSeconds] = await seconds(() => knnClassify(bank.features, bank.labels, queries.features, { ...knn, index: 'exact' }));
const [approximate, approximateSeconds] = await seconds(() =>
  knnClassify(bank.features, bank.labels, queries.features, { ...knn, ...hnsw, index: 'approximate' }),
);
const [recall, recallSeconds] = await seconds(() => knnRecall(bank.features, queries.features, { k, ...hnsw }));

const top1 = (ranking: typeof exact.ranking) => topKAccuracy(ranking, queries.labels, 1);
let agree = 0;
for (let i = 0; i < exact.predictions.length; i++) if (exact.predictions[i] === approximate.predictions[i]) agree += 1;
const result = {
  command: 'cd packages/eval && taskset -c 1 npx tsx --conditions=@selfsup/source scripts/knn-approximate.ts' + (args.length > 0 ? ` ${args.join(' ')}` : ''),
  data: { name: 'fashion-mnist', embedding: 'raw pixels (784)', bank: bank.labels.length, queries: queries.labels.length },
  k: exact.k,
  temperature,
  hnsw: approximate.hnsw,
  exact: { top1: top1(exact.ranking), seconds: exactSeconds },
  approximate: { top1: top1(approximate.ranking), seconds: approximateSeconds },
  top1DifferencePoints: 100 * (top1(approximate.ranking) - top1(exact.ranking)),
  predictionAgreement: agree / exact.predictions.length,
  recall: {
    k: recall.k,
    recall: recall.recall,
    minRecall: recall.minRecall,
    exactSearchSeconds: recall.exactSeconds,
    buildSeconds: recall.buildSeconds,
    searchSeconds: recall.searchSeconds,
    seconds: recallSeconds,
  },
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', backend: backend.description, node: process.version, usearch: usearchVersion },
};

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
console.log('');
console.log('| search | top-1 | seconds |');
console.log('| --- | ---: | ---: |');
console.log(`| exact | ${pct(result.exact.top1)} | ${exactSeconds.toFixed(1)} |`);
console.log(
  `| approximate (HNSW, M = ${approximate.hnsw?.connectivity}, ef = ${approximate.hnsw?.expansionSearch}) | ${pct(result.approximate.top1)} | ${approximateSeconds.toFixed(1)} (build ${recall.buildSeconds.toFixed(1)} + search) |`,
);
console.log('');
console.log(
  `top-1 difference ${result.top1DifferencePoints.toFixed(2)} points; predictions agree on ${pct(result.predictionAgreement)}; recall@${recall.k} ${recall.recall.toFixed(4)} (lowest query ${recall.minRecall.toFixed(3)})`,
);
const out = path.join(import.meta.dirname, 'results', 'knn-approximate.json');
await fs.mkdir(path.dirname(out), { recursive: true });
await fs.writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
bank.features.dispose();
queries.features.dispose();
train.dispose?.();
test.dispose?.();
