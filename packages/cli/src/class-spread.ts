/**
 * The indices of `limit` samples that take the classes in turn (each class's first sample, then each class's second,
 * ...), returned in dataset order. A folder data set lists its samples class by class, so its first n samples would
 * hold only the first classes; this subset keeps every class, as even as the classes' sizes allow, without a random
 * choice. Unlabelled samples (label -1) count as one class of their own.
 */
export function classSpreadIndices(labels: ArrayLike<number>, limit: number): number[] {
  if (limit >= labels.length) return Array.from({ length: labels.length }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [i]);
    else members.push(i);
  }
  const classes = [...byClass.values()];
  const kept: number[] = [];
  for (let round = 0; kept.length < limit; round++) {
    for (const members of classes) {
      const index = members[round];
      if (index !== undefined && kept.length < limit) kept.push(index);
    }
  }
  return kept.sort((a, b) => a - b);
}
