import * as tf from '@tensorflow/tfjs-core';
import { type NamedVariable, assertOptions, assertPositive, invalidArgument, namedVariable } from '@selfsup/tensors';

export interface ClipLogitScaleOptions {
  /** Starting scale. Default 1 / 0.07 (CLIP: "initialized to the equivalent of 0.07"). */
  readonly initial?: number;
  /** Upper clamp. Default 100 (CLIP: "clipped to prevent scaling the logits by more than 100"). */
  readonly max?: number;
  /** Local variable name. Default "logitScale". */
  readonly name?: string;
}

/** CLIP's learnable logit scale, stored as its log (as CLIP does) so that it stays positive. */
export interface ClipLogitScale {
  /** The trainable log-scale variable (for an SSLMethod's `variables`). */
  readonly variable: NamedVariable;
  readonly max: number;
  /** exp(log-scale), clamped at `max`: differentiable, for `clipLoss(a, b, { logitScale: scale.value() })`. */
  value(): tf.Scalar;
  /** The current scale as a number. */
  read(): number;
  /** Clamps the stored log-scale into [0, log max] (open_clip does this after each optimizer step). */
  clamp(): void;
  dispose(): void;
}

/** Creates the learnable logit scale of CLIP (Radford et al. 2021, section 2.5). */
export function clipLogitScale(options: ClipLogitScaleOptions = {}): ClipLogitScale {
  assertOptions('options', options);
  const max = options.max ?? 100;
  assertPositive('options.max', max);
  const initial = options.initial ?? 1 / 0.07;
  assertPositive('options.initial', initial);
  if (initial > max) invalidArgument('options.initial', `a number <= options.max (${max})`, initial);
  const name = options.name ?? 'logitScale';
  const variable = namedVariable(name, tf.scalar(Math.log(initial)), true);
  const logMax = Math.log(max);
  return {
    variable,
    max,
    value: () => tf.tidy(() => tf.exp(tf.minimum(variable.variable, logMax)) as tf.Scalar),
    read: () => tf.tidy(() => Math.min(Math.exp(variable.variable.dataSync()[0] ?? 0), max)),
    clamp: () => tf.tidy(() => variable.variable.assign(tf.clipByValue(variable.variable, 0, logMax))),
    dispose: () => variable.variable.dispose(),
  };
}
