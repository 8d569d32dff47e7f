import { assertInteger, invalidArgument } from '@selfsup/tensors';

/** Class rankings of N samples: `classes` holds, row by row, the `width` best classes of each (best first). */
export interface ClassRanking {
  readonly classes: Int32Array;
  readonly width: number;
}

/** Fraction of samples whose label is among the first `k` ranked classes (k <= ranking width). */
export function topKAccuracy(ranking: ClassRanking, labels: Int32Array, k: number): number {
  if (typeof ranking !== 'object' || ranking === null || !(ranking.classes instanceof Int32Array) || !Number.isInteger(ranking.width)) {
    invalidArgument('ranking', 'a class ranking from rankScores()', ranking);
  }
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) invalidArgument('labels', 'an Int32Array of class ids', labels);
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
  if (!(scores instanceof Float32Array)) invalidArgument('scores', 'a Float32Array of N x numClasses scores', scores);
  assertInteger('numClasses', numClasses, 1);
  if (scores.length % numClasses !== 0) invalidArgument('scores', `N x ${numClasses} scores (a multiple of numClasses)`, `${scores.length} scores`);
  assertInteger('width', width, 1, numClasses);
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
