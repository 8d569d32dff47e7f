import * as tf from '@tensorflow/tfjs-core';
import { SelfsupError, describeValue, l2Normalize } from '@selfsup/tensors';

/*
 * The approximate neighbour search of the k-NN probe: an HNSW graph (Malkov & Yashunin 2018) from the optional npm
 * package `usearch`, whose prebuilt N-API binaries ship inside the package. It is imported only when asked for, so
 * that browsers and installs without it still run the exact search.
 */

/** The part of usearch's `Index` the probe uses (typed here: usearch is optional, its types may be absent). */
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads: number): void;
  search(vectors: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
}

interface UsearchModule {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
  }) => UsearchIndex;
}

// A computed specifier: bundlers (esbuild, vite) leave it alone instead of trying to pack a native addon for a page.
const USEARCH = 'usearch';
const importModule = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

let loaded: UsearchModule | undefined;
let loadFailure: string | undefined;

/** Whether usearch has been loaded in this process (by {@link loadUsearch} or a probe that needed it). */
export function usearchLoaded(): boolean {
  return loaded !== undefined;
}

/**
 * Loads the optional package `usearch` (once), which `index: 'approximate'` of the k-NN probe needs. `knnProbe`,
 * `evaluateEncoder`, `monitorEncoder` and `knnRecall` call it themselves; call it before the synchronous
 * `knnClassify`, `knnEvaluate` or `probeFeatures` with an approximate index. Throws a `SelfsupError`
 * (`BACKEND_UNAVAILABLE`) naming `options.index` when the package is missing or its binary does not load here.
 */
export async function loadUsearch(): Promise<void> {
  if (loaded !== undefined) return;
  let module: unknown;
  try {
    module = await importModule(USEARCH);
  } catch (error) {
    loadFailure = error instanceof Error ? error.message.split('\n')[0] : describeValue(error);
    throw missingUsearch(loadFailure);
  }
  const index = (module as { Index?: unknown } | undefined)?.Index ?? (module as { default?: { Index?: unknown } } | undefined)?.default?.Index;
  if (typeof index !== 'function') {
    loadFailure = 'the module has no Index class';
    throw missingUsearch(loadFailure);
  }
  loaded = { Index: index as UsearchModule['Index'] };
  loadFailure = undefined;
}

function missingUsearch(reason: string | undefined): SelfsupError {
  const why = reason === undefined ? 'it is not loaded yet: await loadUsearch() first (knnProbe and knnRecall load it themselves)' : `it could not be loaded (${reason}); install it with \`npm install usearch\` (Node, linux/macOS/windows x64 or arm64)`;
  return new SelfsupError('BACKEND_UNAVAILABLE', `options.index "approximate" needs the optional package usearch, but ${why}`, {
    argument: 'options.index',
    ...(reason !== undefined ? { reason } : {}),
  });
}

/** The loaded module, or the error that says why there is none. */
function usearch(): UsearchModule {
  if (loaded === undefined) throw missingUsearch(loadFailure);
  return loaded;
}

/** Settings of the HNSW graph. */
export interface HnswSettings {
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
}

/** The nearest bank rows of a chunk of queries, as the exact search gives them: similarities and bank indices. */
export interface NeighbourArrays {
  /** [qn, k] cosine similarities, row-major; -Infinity where the graph returned fewer than k rows. */
  readonly sims: Float32Array;
  /** [qn, k] bank indices, row-major; 0 where the graph returned fewer than k rows (their weight is 0). */
  readonly indices: Int32Array;
}

/** An HNSW index over the l2-normalised rows of a bank. */
export interface HnswIndex {
  readonly settings: HnswSettings;
  /** The k nearest bank rows (approximately) of each row of `normalisedQueries` ([qn, D], unit rows). */
  search(normalisedQueries: Float32Array, qn: number, k: number): NeighbourArrays;
}

/** Rows normalised and added per call: fixed, because usearch's level draws restart when it grows its capacity. */
const ADD_ROWS = 4096;

/**
 * Builds the index: rows are l2-normalised like the exact path's, then added in bank order, 4096 at a time, with one
 * thread, so the graph depends on the bank alone. (usearch draws each node's level from its own default-seeded
 * generator, one per thread, restarted when its capacity grows; in order, single-threaded and in fixed blocks the draws
 * and the insertions repeat exactly. That generator is not selfsup's seeded one: there is no seed to give it.)
 */
export function buildHnswIndex(bank: tf.Tensor2D, settings: HnswSettings): HnswIndex {
  const { Index } = usearch();
  const [n, d] = bank.shape;
  const index = new Index({
    dimensions: d,
    metric: 'cos',
    quantization: 'f32',
    connectivity: settings.connectivity,
    expansion_add: settings.expansionAdd,
    expansion_search: settings.expansionSearch,
    multi: false,
  });
  // In blocks: only one normalised block is copied out of tfjs at a time (usearch keeps its own copy of the rows).
  for (let r0 = 0; r0 < n; r0 += ADD_ROWS) {
    const rn = Math.min(ADD_ROWS, n - r0);
    const block = tf.tidy(() => l2Normalize(tf.slice(bank, [r0, 0], [rn, -1])));
    const rows = block.dataSync() as Float32Array;
    block.dispose();
    const keys = new BigUint64Array(rn);
    for (let i = 0; i < rn; i++) keys[i] = BigInt(r0 + i);
    index.add(keys, rows, 1);
  }
  return {
    settings,
    search(normalisedQueries, qn, k) {
      const result = index.search(normalisedQueries, k, 1);
      const sims = new Float32Array(qn * k).fill(Number.NEGATIVE_INFINITY);
      const indices = new Int32Array(qn * k);
      // One query comes back as a single match list (keys and distances of length count), several as a batch.
      for (let i = 0; i < qn; i++) {
        const count = result.counts !== undefined ? Number(result.counts[i]) : result.keys.length;
        const base = result.counts !== undefined ? i * k : 0;
        for (let j = 0; j < Math.min(count, k); j++) {
          indices[i * k + j] = Number(result.keys[base + j]);
          // usearch's cosine distance is 1 - cos: back to the similarity the exact path votes with.
          sims[i * k + j] = 1 - (result.distances[base + j] as number);
        }
      }
      return { sims, indices };
    },
  };
}
