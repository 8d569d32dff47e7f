import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Encoder, JsonObject, NamedVariable } from '@selfsup/tensors';
import { EMBEDDING_LAYER, assertInteger, assertObject, assertUniqueNames, disposeVariables, invalidArgument } from '@selfsup/tensors';
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
  /**
   * The forward pass; runs inside tf.tidy after the input check. With `layers`, it hands each named intermediate
   * output to `tap` (when given) as it computes it.
   */
  readonly forward: (x: tf.Tensor, training: boolean, tap?: LayerTap) => tf.Tensor2D;
  /**
   * Names of the intermediate outputs `forward` taps, input to output (not `"embedding"`, which is the output and
   * always last). Given, the encoder has {@link Encoder.layers} and {@link Encoder.applyLayers}.
   */
  readonly layers?: readonly string[];
  /** Extra check of an input that passed the shape check (throw a SelfsupError). */
  readonly checkInput?: (x: tf.Tensor) => void;
}

/** Receives an intermediate output of a forward pass (see {@link EncoderSpec.layers}). */
export type LayerTap = (name: string, value: tf.Tensor) => void;

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
  let layers: readonly string[] | undefined;
  if (spec.layers !== undefined) {
    const names = spec.layers as unknown;
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n.length === 0 || n === EMBEDDING_LAYER || n === 'all') || new Set(names).size !== names.length) {
      invalidArgument('spec.layers', `an array of unique layer names (not "${EMBEDDING_LAYER}" or "all")`, names);
    }
    layers = Object.freeze([...(names as string[]), EMBEDDING_LAYER]);
  }
  const checkInputs = (inputs: tf.Tensor) => {
    assertInputShape('inputs', inputs, inputShape, { minSize, what: `a float32 batch for ${architecture}` });
    checkInput?.(inputs);
  };
  const layerMembers =
    layers === undefined
      ? {}
      : {
          layers,
          applyLayers(inputs: tf.Tensor, names: readonly string[], options?: ApplyOptions): Record<string, tf.Tensor> {
            checkInputs(inputs);
            if (!Array.isArray(names) || names.length === 0) invalidArgument('names', `a non-empty array of layer names (${layers.join(', ')})`, names);
            names.forEach((n, i) => {
              if (!layers.includes(n)) invalidArgument(`names[${i}]`, `a layer of ${architecture}: ${layers.join(', ')}`, n);
            });
            const wanted = new Set(names);
            const taps = tf.tidy(() => {
              const found: Record<string, tf.Tensor> = {};
              const out = forward(inputs, options?.training === true, (name, value) => {
                if (wanted.has(name)) found[name] = value;
              });
              if (wanted.has(EMBEDDING_LAYER)) found[EMBEDDING_LAYER] = out;
              return found;
            });
            const missing = [...wanted].filter((n) => taps[n] === undefined);
            if (missing.length > 0) {
              for (const t of Object.values(taps)) t.dispose();
              throw new Error(`${architecture}: forward did not tap layer(s) ${missing.join(', ')}`);
            }
            return taps;
          },
        };
  return {
    architecture,
    config,
    inputShape,
    outputDim,
    variables,
    ...layerMembers,
    apply(inputs: tf.Tensor, options?: ApplyOptions): tf.Tensor2D {
      checkInputs(inputs);
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
