import type * as tf from '@tensorflow/tfjs-core';
import { assertTensor, invalidArgument } from '@selfsup/tensors';

function pattern(sampleShape: readonly number[]): string {
  return `[N, ${sampleShape.map((d) => (d === -1 ? '*' : String(d))).join(', ')}]`;
}

/**
 * Checks a batch against an encoder's `inputShape` (-1 accepts any size >= `minSize`): rank, every fixed size,
 * float32, and a non-empty batch. Throws a SelfsupError naming the expected pattern and the shape that came.
 */
export function assertInputShape(
  name: string,
  x: unknown,
  sampleShape: readonly number[],
  options: { readonly minSize?: number; readonly what?: string } = {},
): asserts x is tf.Tensor {
  assertTensor(name, x);
  if (!Array.isArray(sampleShape) || sampleShape.some((d) => typeof d !== 'number')) invalidArgument('sampleShape', 'an array of sizes (-1: any)', sampleShape);
  if (typeof options !== 'object' || options === null) invalidArgument('options', 'an options object', options);
  const what = options.what ?? 'a float32 batch';
  const expected = pattern(sampleShape);
  if (x.rank !== sampleShape.length + 1) invalidArgument(name, `${what} of shape ${expected} (rank ${sampleShape.length + 1})`, x);
  if (x.dtype !== 'float32') invalidArgument(name, `${what} of shape ${expected} (dtype float32)`, x);
  if ((x.shape[0] ?? 0) < 1) invalidArgument(name, `${what} of shape ${expected} with N >= 1`, x);
  sampleShape.forEach((d, i) => {
    const got = x.shape[i + 1] ?? 0;
    if (d !== -1 && got !== d) invalidArgument(name, `${what} of shape ${expected}`, x);
    if (d === -1 && got < (options.minSize ?? 1)) {
      invalidArgument(name, `${what} of shape ${expected} with every * >= ${options.minSize ?? 1}`, x);
    }
  });
}
