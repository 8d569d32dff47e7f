import { invalidArgument } from '@selfsup/tensors';

/** Checks a list of hidden sizes (a head's). */
export function hiddenSizes(name: string, value: unknown, fallback: readonly number[]): number[] {
  const dims = value ?? fallback;
  if (!Array.isArray(dims) || dims.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    invalidArgument(name, 'an array of positive integers (hidden layer sizes)', value);
  }
  return [...(dims as number[])];
}
