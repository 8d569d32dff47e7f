import type { Batch, ImageDataset } from '../contracts.js';
import { invalidArgument } from '../errors.js';
import { createRng } from '../rng.js';
import { assertDataset, assertInRange, assertInteger, assertObject } from '../validate.js';
import { assertIndices } from './tensor-dataset.js';

/** A view of `dataset` restricted to `indices` (in that order). Shares the parent's storage. */
export function subsetDataset(dataset: ImageDataset, indices: readonly number[], name?: string): ImageDataset {
  assertDataset('dataset', dataset);
  if (name !== undefined && typeof name !== 'string') invalidArgument('name', 'a string', name);
  assertIndices(indices, dataset.size);
  const map = [...indices];
  const labelsOf = dataset.labels;
  const captionsOf = dataset.captions;
  return {
    name: name ?? `${dataset.name}[subset ${map.length}]`,
    size: map.length,
    imageShape: dataset.imageShape,
    ...(dataset.numClasses !== undefined ? { numClasses: dataset.numClasses } : {}),
    ...(dataset.classNames !== undefined ? { classNames: dataset.classNames } : {}),
    async getBatch(batchIndices: readonly number[]): Promise<Batch> {
      assertIndices(batchIndices, map.length);
      const batch = await dataset.getBatch(batchIndices.map((i) => map[i] as number));
      return { ...batch, indices: [...batchIndices] };
    },
    ...(labelsOf !== undefined
      ? {
          labels: async () => {
            const all = await labelsOf.call(dataset);
            return Int32Array.from(map, (i) => all[i] ?? 0);
          },
        }
      : {}),
    ...(captionsOf !== undefined
      ? {
          captions: async () => {
            const all = await captionsOf.call(dataset);
            return map.map((i) => all[i] ?? '');
          },
        }
      : {}),
  };
}

export interface SplitOptions {
  /** Fraction of samples in the second part. */
  readonly testFraction: number;
  readonly seed?: number;
  /** Keep class proportions in both parts (needs labels). Default true when the dataset has labels. */
  readonly stratify?: boolean;
}

/** Splits a dataset into two disjoint parts, seeded (and stratified by class when labelled). */
export async function trainTestSplit(
  dataset: ImageDataset,
  options: SplitOptions,
): Promise<{ readonly train: ImageDataset; readonly test: ImageDataset }> {
  assertDataset('dataset', dataset);
  assertObject('options', options, 'an options object ({ testFraction, seed?, stratify? })');
  assertInRange('options.testFraction', options.testFraction, 0, 1);
  const seed = options.seed ?? 0;
  assertInteger('options.seed', seed);
  const rng = createRng(seed);
  const stratify = options.stratify ?? dataset.labels !== undefined;
  if (stratify && dataset.labels === undefined) invalidArgument('options.stratify', 'false for an unlabelled dataset', true);
  const train: number[] = [];
  const test: number[] = [];
  if (stratify && dataset.labels !== undefined) {
    const labels = await dataset.labels();
    const byClass = new Map<number, number[]>();
    labels.forEach((l, i) => {
      const list = byClass.get(l) ?? [];
      list.push(i);
      byClass.set(l, list);
    });
    for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
      const members = rng.shuffle(byClass.get(key) ?? []);
      const k = Math.round(members.length * options.testFraction);
      test.push(...members.slice(0, k));
      train.push(...members.slice(k));
    }
  } else {
    const order = rng.permutation(dataset.size);
    const k = Math.round(dataset.size * options.testFraction);
    test.push(...order.slice(0, k));
    train.push(...order.slice(k));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train: subsetDataset(dataset, train, `${dataset.name}/train`), test: subsetDataset(dataset, test, `${dataset.name}/test`) };
}
