import { type Head, type InitOptions, projectionHead } from '@selfsup/encoders';
import { assertInteger, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';

/**
 * The small head a pretext task classifies (or regresses) through: `hiddenDims` blocks of dense -> batch norm -> ReLU,
 * then a linear layer to `outputDim`. Built from `projectionHead` blocks; `hiddenDims: []` is a linear head.
 */
export function pretextHead(inputDim: number, outputDim: number, hiddenDims: readonly number[], init: InitOptions & { readonly preset: string }): Head {
  assertPositiveInteger('inputDim', inputDim);
  assertPositiveInteger('outputDim', outputDim);
  if (!Array.isArray(hiddenDims)) invalidArgument('hiddenDims', 'an array of positive integers (hidden layer sizes)', hiddenDims);
  hiddenDims.forEach((d, i) => assertInteger(`hiddenDims[${i}]`, d, 1));
  const sizes = [inputDim, ...hiddenDims, outputDim];
  const blocks = sizes.slice(1).map((out, i) => {
    const hidden = i < hiddenDims.length;
    return { inputDim: sizes[i]!, outputDim: out, batchNorm: hidden, activation: hidden ? ('relu' as const) : ('linear' as const) };
  });
  return projectionHead(blocks, init);
}
