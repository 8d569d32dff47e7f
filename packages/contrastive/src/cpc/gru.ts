import { type InitOptions, resolveRng } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import {
  type Module,
  type NamedVariable,
  assertOptions,
  assertPositiveInteger,
  assertShape,
  disposeVariables,
  invalidArgument,
  namedVariable,
} from '@selfsup/tensors';

/** Initial weights from `seed` (default 0) or an `rng` shared with other parts. */
export interface GruOptions extends InitOptions {
  readonly inputDim: number;
  readonly hiddenDim: number;
  /** Prefix of the variable names. Default "gru". */
  readonly name?: string;
}

/** A single-layer gated recurrent unit (Cho et al. 2014), CPC's autoregressive context network g_ar. */
export interface Gru extends Module {
  readonly inputDim: number;
  readonly hiddenDim: number;
  /** Runs over a batch of sequences [B, T, inputDim] from a zero state; returns every hidden state [B, T, hiddenDim]. */
  run(sequence: tf.Tensor3D): tf.Tensor3D;
}

/**
 * Creates a GRU with PyTorch's gate equations:
 *   r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h.
 * Gates are fused: kernels [inputDim, 3H] and [H, 3H] in (r, z, n) order.
 */
export function gru(options: GruOptions): Gru {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with inputDim and hiddenDim', options);
  const { inputDim, hiddenDim } = options;
  assertPositiveInteger('options.inputDim', inputDim);
  assertPositiveInteger('options.hiddenDim', hiddenDim);
  const rng = resolveRng(options);
  const name = options.name ?? 'gru';
  const bound = 1 / Math.sqrt(hiddenDim);
  const uniform = (shape: number[]) => tf.tensor(rng.uniformArray(shape.reduce((a, b) => a * b, 1), -bound, bound), shape);
  const inputKernel = namedVariable(`${name}/inputKernel`, uniform([inputDim, 3 * hiddenDim]));
  const recurrentKernel = namedVariable(`${name}/recurrentKernel`, uniform([hiddenDim, 3 * hiddenDim]));
  const inputBias = namedVariable(`${name}/inputBias`, uniform([3 * hiddenDim]));
  const recurrentBias = namedVariable(`${name}/recurrentBias`, uniform([3 * hiddenDim]));
  const variables: NamedVariable[] = [inputKernel, recurrentKernel, inputBias, recurrentBias];
  const h = hiddenDim;
  return {
    inputDim,
    hiddenDim,
    variables,
    run(sequence: tf.Tensor3D): tf.Tensor3D {
      assertShape('sequence', sequence, [null, null, inputDim], { dtype: 'float32' });
      const [b, t] = sequence.shape;
      if (t === 0) invalidArgument('sequence', 'a [B, T, D] tensor with T >= 1', sequence);
      return tf.tidy(() => {
        // Input projections of every step at once: [B, T, 3H].
        const projected = tf.reshape(
          tf.add(tf.matMul(tf.reshape(sequence, [b * t, inputDim]), inputKernel.variable), inputBias.variable),
          [b, t, 3 * h],
        );
        let state: tf.Tensor2D = tf.zeros([b, h]);
        const states: tf.Tensor2D[] = [];
        for (let step = 0; step < t; step++) {
          const x = tf.reshape(tf.slice(projected, [0, step, 0], [b, 1, 3 * h]), [b, 3 * h]);
          const r = tf.add(tf.matMul(state, recurrentKernel.variable), recurrentBias.variable);
          const [xr, xz, xn] = tf.split(x, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const [hr, hz, hn] = tf.split(r, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const reset = tf.sigmoid(tf.add(xr, hr));
          const update = tf.sigmoid(tf.add(xz, hz));
          const candidate = tf.tanh(tf.add(xn, tf.mul(reset, hn)));
          state = tf.add(tf.mul(tf.sub(1, update), candidate), tf.mul(update, state)) as tf.Tensor2D;
          states.push(state);
        }
        return tf.stack(states, 1) as tf.Tensor3D;
      });
    },
    dispose() {
      disposeVariables(variables);
    },
  };
}
