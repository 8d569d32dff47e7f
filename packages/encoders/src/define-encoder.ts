import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Encoder, JsonObject, NamedVariable } from '@selfsup/tensors';
import { assertInteger, assertObject, assertUniqueNames, disposeVariables, invalidArgument } from '@selfsup/tensors';
import { assertInputShape } from './input.js';

export interface EncoderSpec {
  readonly architecture: string;
  readonly config: JsonObject;
  /** [H, W, C] or [D]; -1 accepts any size >= `minInputSize`. */
  readonly inputShape: readonly number[];
  readonly outputDim: number;
  readonly variables: readonly NamedVariable[];
  /** Smallest size a -1 dimension accepts (default 1). */
  readonly minInputSize?: number;
  /** The forward pass; runs inside tf.tidy after the input check. */
  readonly forward: (x: tf.Tensor, training: boolean) => tf.Tensor2D;
  /** Extra check of an input that passed the shape check (throw a SelfsupError). */
  readonly checkInput?: (x: tf.Tensor) => void;
}

/**
 * Wraps a forward pass and its variables as an {@link Encoder}: checks every input batch against `inputShape`
 * (rank, sizes, float32, N >= 1) with a clear error, runs the pass in `tf.tidy`, checks the output is [N, outputDim].
 * The layers of this package and `defineEncoder` are enough to write a third-party architecture.
 */
export function defineEncoder(spec: EncoderSpec): Encoder {
  assertObject('spec', spec, 'an encoder spec ({ architecture, config, inputShape, outputDim, variables, apply })');
  if (typeof spec.architecture !== 'string' || spec.architecture.length === 0) {
    invalidArgument('spec.architecture', 'a non-empty string', spec.architecture);
  }
  assertInteger('spec.outputDim', spec.outputDim, 1);
  if (!Array.isArray(spec.inputShape) || spec.inputShape.length === 0) {
    invalidArgument('spec.inputShape', 'a non-empty array of sizes (-1: any)', spec.inputShape);
  }
  spec.inputShape.forEach((d, i) => {
    if (d !== -1) assertInteger(`spec.inputShape[${i}]`, d, 1);
  });
  assertUniqueNames(spec.variables);
  const inputShape = Object.freeze([...spec.inputShape]);
  const variables = Object.freeze([...spec.variables]);
  const { forward, checkInput, outputDim, architecture } = spec;
  const minSize = spec.minInputSize ?? 1;
  const config = JSON.parse(JSON.stringify(spec.config)) as JsonObject;
  return {
    architecture,
    config,
    inputShape,
    outputDim,
    variables,
    apply(inputs: tf.Tensor, options?: ApplyOptions): tf.Tensor2D {
      assertInputShape('inputs', inputs, inputShape, { minSize, what: `a float32 batch for ${architecture}` });
      checkInput?.(inputs);
      const out = tf.tidy(() => forward(inputs, options?.training === true));
      if (out.rank !== 2 || out.shape[0] !== inputs.shape[0] || out.shape[1] !== outputDim) {
        const shape = out.shape;
        out.dispose();
        throw new Error(`${architecture}: forward returned shape [${shape.join(', ')}], expected [${inputs.shape[0]}, ${outputDim}]`);
      }
      return out;
    },
    dispose() {
      disposeVariables(variables);
    },
  };
}
