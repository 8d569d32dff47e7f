import { type JsonObject, assertInteger, assertOptions, assertPositive, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';
import { stratifiedSplit } from './linear-probe.js';

/**
 * How the k-NN probe chooses its k and temperature on the bank alone: each of (up to `queries`) bank rows is classified
 * by the other bank rows (leave-one-out), for every k and T of the grid, and the pair with the most rows right wins.
 * The test queries play no part, as the linear probe's sweep sees only the training features.
 */
export interface KnnSelectOptions {
  /** Candidate k. Default {@link KNN_SELECT_GRID}.ks; clamped to the bank size less one. */
  readonly ks?: readonly number[];
  /** Candidate temperatures. Default {@link KNN_SELECT_GRID}.temperatures. */
  readonly temperatures?: readonly number[];
  /**
   * Bank rows classified leave-one-out. Default all of them up to 10 000; a larger bank is sampled (class-stratified,
   * seeded), which bounds the cost on ImageNet-sized banks.
   */
  readonly queries?: number;
  /** Seed of that sample. Default 0. */
  readonly seed?: number;
}

/**
 * The default grid: k from 1 to 200 (Wu et al. 2018 use k = 200, solo-learn 20; a small bank wants fewer) and
 * temperatures from 0.01 to 0.2 around their 0.1 and 0.07. Features whose cosine similarities crowd near 1 (raw pixels,
 * which are all non-negative) need a small T before distant neighbours stop outvoting near ones.
 */
export const KNN_SELECT_GRID = Object.freeze({
  ks: Object.freeze([1, 3, 5, 10, 20, 50, 100, 200]),
  temperatures: Object.freeze([0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.2]),
  queries: 10_000,
});

export interface KnnSelectionTrial {
  readonly k: number;
  readonly temperature: number;
  /** Leave-one-out top-1 on the bank. */
  readonly top1: number;
}

/** The k and temperature chosen, and what every candidate scored. */
export interface KnnSelection {
  readonly k: number;
  readonly temperature: number;
  /** The winner's leave-one-out top-1. */
  readonly top1: number;
  readonly trials: readonly KnnSelectionTrial[];
  /** Bank rows classified. */
  readonly queries: number;
  readonly method: 'leave-one-out';
}

const SELECT_KEYS: readonly string[] = ['ks', 'temperatures', 'queries', 'seed'];

/** The checked grid of a selection and the bank rows it classifies. */
export interface SelectPlan {
  readonly ks: readonly number[];
  readonly temperatures: readonly number[];
  /** The bank rows used as queries, ascending. */
  readonly rows: Int32Array;
  /** Neighbours to find per query: the largest k plus the query itself. */
  readonly width: number;
}

function checkList(name: string, list: unknown, check: (name: string, value: number) => void): readonly number[] {
  if (!Array.isArray(list) || list.length === 0) invalidArgument(name, 'a non-empty array of numbers', list);
  list.forEach((v, i) => {
    check(`${name}[${i}]`, v as number);
  });
  return list as number[];
}

/**
 * Checks `select` (the `select` option of the k-NN probe: `true` for the defaults) and picks the bank rows to classify.
 * Not exported from the package.
 */
export function planSelection(select: KnnSelectOptions | true, bankLabels: Int32Array): SelectPlan {
  const options: KnnSelectOptions = select === true ? {} : select;
  assertOptions('options.select', options);
  // A misspelt key would silently leave the default grid in place.
  for (const key of Object.keys(options)) {
    if (!SELECT_KEYS.includes(key)) invalidArgument(`options.select.${key}`, `absent (the keys are ${SELECT_KEYS.join(', ')})`, options[key as keyof KnnSelectOptions]);
  }
  const bankSize = bankLabels.length;
  if (bankSize < 2) invalidArgument('bank', 'at least 2 rows (to choose k by leave-one-out)', `${bankSize} row`);
  const requested = checkList('options.select.ks', options.ks ?? KNN_SELECT_GRID.ks, assertPositiveInteger);
  const ks = [...new Set(requested.map((k) => Math.min(k, bankSize - 1)))].sort((a, b) => a - b);
  const temperatures = [...new Set(checkList('options.select.temperatures', options.temperatures ?? KNN_SELECT_GRID.temperatures, assertPositive))].sort(
    (a, b) => a - b,
  );
  const queries = options.queries ?? Math.min(bankSize, KNN_SELECT_GRID.queries);
  assertPositiveInteger('options.select.queries', queries);
  const seed = options.seed ?? 0;
  assertInteger('options.select.seed', seed, 0);
  return { ks, temperatures, rows: sampleRows(bankLabels, Math.min(queries, bankSize), seed), width: (ks[ks.length - 1] as number) + 1 };
}

/** `count` bank rows, every class in proportion (seeded): the validation part of the linear probe's split. */
function sampleRows(labels: Int32Array, count: number, seed: number): Int32Array {
  if (count >= labels.length) return Int32Array.from(labels, (_, i) => i);
  return Int32Array.from(stratifiedSplit(labels, count / labels.length, seed).validation);
}

/**
 * The leave-one-out choice from each query row's `plan.width` nearest bank rows (best first; the row itself among
 * them): the row itself is dropped (the last neighbour where ties kept it out), the others vote with weight
 * exp(sim / T) as in `knnClassify`, ties to the lower class. The best pair has the most rows right; ties go to the
 * smaller k, then the smaller T. Not exported from the package.
 */
export function chooseFromNeighbours(
  plan: SelectPlan,
  neighbours: { readonly sims: Float32Array; readonly indices: Int32Array },
  bankLabels: Int32Array,
  numClasses: number,
): KnnSelection {
  const { ks, temperatures, rows, width } = plan;
  const right = new Float64Array(ks.length * temperatures.length);
  const votes = new Float64Array(numClasses * temperatures.length);
  for (let q = 0; q < rows.length; q++) {
    const self = rows[q] as number;
    const base = q * width;
    let skip = width - 1;
    for (let j = 0; j < width; j++) {
      if (neighbours.indices[base + j] === self) {
        skip = j;
        break;
      }
    }
    const top = neighbours.sims[base + (skip === 0 ? 1 : 0)] as number;
    votes.fill(0);
    let used = 0;
    let next = 0;
    for (let j = 0; j < width && next < ks.length; j++) {
      if (j === skip) continue;
      const sim = neighbours.sims[base + j] as number;
      const label = bankLabels[neighbours.indices[base + j] as number] as number;
      // A neighbour an approximate search did not return (-Infinity) weighs 0, as in knnClassify's vote.
      if (sim !== Number.NEGATIVE_INFINITY) {
        for (let ti = 0; ti < temperatures.length; ti++) {
          const at = ti * numClasses + label;
          votes[at] = (votes[at] as number) + Math.exp((sim - top) / (temperatures[ti] as number));
        }
      }
      used += 1;
      while (next < ks.length && ks[next] === used) {
        for (let ti = 0; ti < temperatures.length; ti++) {
          const row = ti * numClasses;
          let best = 0;
          for (let c = 1; c < numClasses; c++) if ((votes[row + c] as number) > (votes[row + best] as number)) best = c;
          const at = next * temperatures.length + ti;
          if (best === bankLabels[self]) right[at] = (right[at] as number) + 1;
        }
        next += 1;
      }
    }
  }
  const trials: KnnSelectionTrial[] = ks.flatMap((k, ki) => temperatures.map((temperature, ti) => ({ k, temperature, top1: (right[ki * temperatures.length + ti] as number) / rows.length })));
  let winner = trials[0] as KnnSelectionTrial;
  for (const trial of trials) if (trial.top1 > winner.top1) winner = trial;
  return { k: winner.k, temperature: winner.temperature, top1: winner.top1, trials, queries: rows.length, method: 'leave-one-out' };
}

/** A selection as a `config` entry of a probe result. */
export function selectionJson(selection: KnnSelection): JsonObject {
  return {
    method: selection.method,
    queries: selection.queries,
    top1: selection.top1,
    trials: selection.trials.map((t) => ({ k: t.k, temperature: t.temperature, top1: t.top1 })),
  };
}
