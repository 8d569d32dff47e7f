import { assertInteger, invalidArgument } from '@selfsup/tensors';

/** Class rankings of N samples: `classes` holds, row by row, the `width` best classes of each (best first). */
export interface ClassRanking {
  readonly classes: Int32Array;
  readonly width: number;
}

/** Fraction of samples whose label is among the first `k` ranked classes (k <= ranking width). */
export function topKAccuracy(ranking: ClassRanking, labels: Int32Array, k: number): number {
  assertInteger('k', k, 1, ranking.width);
  const n = labels.length;
  if (ranking.classes.length !== n * ranking.width) {
    invalidArgument('labels', `${ranking.classes.length / ranking.width} labels (one per ranked sample)`, `${n} labels`);
  }
  if (n === 0) return 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    for (let j = 0; j < k; j++) {
      if (ranking.classes[i * ranking.width + j] === label) {
        hits += 1;
        break;
      }
    }
  }
  return hits / n;
}

/** Ranks the classes of each row of an [N, C] score matrix (host arrays), best first, keeping `width` of them. */
export function rankScores(scores: Float32Array, numClasses: number, width: number): ClassRanking {
  const n = scores.length / numClasses;
  const classes = new Int32Array(n * width);
  const order = Array.from({ length: numClasses }, (_, c) => c);
  for (let i = 0; i < n; i++) {
    const row = scores.subarray(i * numClasses, (i + 1) * numClasses);
    // Ties go to the lower class id, so results do not depend on the sort implementation.
    order.sort((a, b) => (row[b] as number) - (row[a] as number) || a - b);
    for (let j = 0; j < width; j++) classes[i * width + j] = order[j] as number;
    order.sort((a, b) => a - b);
  }
  return { classes, width };
}
