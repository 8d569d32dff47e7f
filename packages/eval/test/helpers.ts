import * as tf from '@tensorflow/tfjs-core';
import { type Batch, type Encoder, type ImageDataset, createRng, namedVariable, tensorDataset } from '@selfsup/tensors';

/** A labelled dataset whose "images" are [1, 1, D] vectors: lets tests hand-make features through the real path. */
export function vectorDataset(rows: readonly (readonly number[])[], labels: readonly number[], numClasses?: number): ImageDataset {
  const d = rows[0]?.length ?? 1;
  return tensorDataset(tf.tensor4d(rows.flat(), [rows.length, 1, 1, d]), labels, {
    name: 'vectors',
    ...(numClasses !== undefined ? { numClasses } : {}),
  });
}

/** Loop-based reference: cosine similarities, k largest (ties to the lower index), votes exp(sim / T), argmax. */
export function referenceKnn(bank: number[][], labels: number[], queries: number[][], k: number, t: number, c: number): number[] {
  const norm = (v: number[]) => {
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return v.map((x) => x / Math.max(n, 1e-12));
  };
  const nb = bank.map(norm);
  return queries.map((q0) => {
    const q = norm(q0);
    const sims = nb.map((b, i) => ({ i, s: b.reduce((s, x, j) => s + x * (q[j] as number), 0) }));
    sims.sort((a, b) => b.s - a.s || a.i - b.i);
    const votes = new Array<number>(c).fill(0);
    for (const { i, s } of sims.slice(0, k)) votes[labels[i]!]! += Math.exp(s / t);
    let best = 0;
    for (let j = 1; j < c; j++) if ((votes[j] as number) > (votes[best] as number)) best = j;
    return best;
  });
}

/**
 * Bank and queries drawn from the same Gaussian classes (labels uniform), unlike two `blobs` calls whose rows repeat
 * for equal seeds: with `spread` near 2 in 32 dimensions a k-NN is wrong on about a quarter of the queries.
 */
export function mixture(options: { bankSize: number; queries: number; dim: number; numClasses: number; spread: number; seed: number }) {
  const rng = createRng(options.seed);
  const centres = Array.from({ length: options.numClasses }, () => Array.from({ length: options.dim }, () => rng.normal()));
  const draw = (n: number) => {
    const labels = Array.from({ length: n }, () => rng.int(0, options.numClasses));
    return { rows: labels.map((c) => (centres[c] as number[]).map((m) => m + rng.normal(0, options.spread))), labels };
  };
  return { bank: draw(options.bankSize), queries: draw(options.queries) };
}

/** Gaussian blobs in `dim` dimensions, one per class, centred at well separated random means. */
export function blobs(options: { perClass: number; numClasses: number; dim: number; spread: number; seed: number }): {
  rows: number[][];
  labels: number[];
} {
  const rng = createRng(options.seed);
  const centres = Array.from({ length: options.numClasses }, () => Array.from({ length: options.dim }, () => rng.normal(0, 1)));
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < options.perClass; i++) {
    for (let c = 0; c < options.numClasses; c++) {
      rows.push((centres[c] as number[]).map((m) => m + rng.normal(0, options.spread)));
      labels.push(c);
    }
  }
  return { rows, labels };
}

export { randomProjectionEncoder } from '@selfsup/test-utils';

/** Wraps a dataset and records every getBatch call (indices, and a caller-supplied phase tag at that moment). */
export function recordingDataset(inner: ImageDataset, phase: () => string): ImageDataset & { reads: { phase: string; indices: number[] }[] } {
  const reads: { phase: string; indices: number[] }[] = [];
  return {
    name: inner.name,
    size: inner.size,
    imageShape: inner.imageShape,
    ...(inner.numClasses !== undefined ? { numClasses: inner.numClasses } : {}),
    reads,
    getBatch(indices: readonly number[]): Promise<Batch> {
      reads.push({ phase: phase(), indices: [...indices] });
      return inner.getBatch(indices);
    },
    dispose() {
      inner.dispose?.();
    },
  };
}

/** Linearly separable data: labels = argmax(x W*), keeping only points with a margin, so a linear model is exact. */
export function separable(n: number, d: number, classes: number, seed: number): { rows: number[][]; labels: Int32Array } {
  const rng = createRng(seed);
  const truth = Array.from({ length: d }, () => Array.from({ length: classes }, () => rng.normal()));
  const rows: number[][] = [];
  const labels: number[] = [];
  while (rows.length < n) {
    const x = Array.from({ length: d }, () => rng.normal(0, 2));
    const scores = Array.from({ length: classes }, (_, c) => x.reduce((s, xi, i) => s + xi * truth[i]![c]!, 0));
    const sorted = [...scores].sort((a, b) => b - a);
    if (sorted[0]! - sorted[1]! < 2) continue;
    rows.push(x.map((v) => v + 3)); // offset: standardisation must handle non-centred features
    labels.push(scores.indexOf(sorted[0]!));
  }
  return { rows, labels: Int32Array.from(labels) };
}

/**
 * A third-party-style encoder with layers: `map` (the input times 2, a [N, H, W, C] map), `sum` ([N, 1]: the sum of
 * the map) and `embedding` (the mean over space, [N, C]).
 */
export function layeredEncoder(imageShape: readonly [number, number, number]): Encoder {
  const forward = (inputs: tf.Tensor) => {
    const map = tf.mul(inputs, 2);
    return { map, sum: tf.reshape(tf.sum(map, [1, 2, 3]), [-1, 1]), embedding: tf.mean(map, [1, 2]) as tf.Tensor2D };
  };
  return {
    architecture: 'layered',
    config: {},
    inputShape: [...imageShape],
    outputDim: imageShape[2],
    variables: [],
    layers: ['map', 'sum', 'embedding'],
    apply(inputs) {
      return tf.tidy(() => forward(inputs).embedding);
    },
    applyLayers(inputs, names) {
      return tf.tidy(() => {
        const all: Record<string, tf.Tensor> = forward(inputs);
        return Object.fromEntries(names.map((n) => [n, all[n] as tf.Tensor]));
      });
    },
    dispose() {},
  };
}
