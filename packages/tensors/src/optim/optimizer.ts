import type * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from '../contracts.js';

/**
 * An optimizer whose state lives in named, non-trainable variables, so checkpoints can hold it and a resumed run
 * continues bit for bit.
 */
export interface Optimizer {
  readonly name: string;
  /** Slot variables (momenta, moments, step count), named "optimizer/<param>/<slot>". */
  readonly variables: readonly NamedVariable[];
  /** Applies one update with learning rate `lr`. `grads[i]` is the gradient of `params[i]` (as built). */
  applyGradients(grads: readonly tf.Tensor[], lr: number): void;
  dispose(): void;
}

export interface SgdConfig {
  readonly type: 'sgd';
  /** Momentum (PyTorch convention: v = mu v + g; p -= lr v). Default 0.9. */
  readonly momentum?: number;
  readonly nesterov?: boolean;
  /** L2 weight decay added to the gradient. Default 0. */
  readonly weightDecay?: number;
}

export interface AdamConfig {
  readonly type: 'adam';
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Weight decay; decoupled (AdamW, Loshchilov & Hutter 2019) when `decoupled` is true, else L2. Default 0. */
  readonly weightDecay?: number;
  readonly decoupled?: boolean;
}

export interface LarsConfig {
  readonly type: 'lars';
  readonly momentum?: number;
  readonly weightDecay?: number;
  /** Trust coefficient eta (You et al. 2017). Default 0.001. */
  readonly eta?: number;
  /** Exclude rank-1 parameters (biases, batch-norm) from weight decay and adaptation, as SimCLR and BYOL do. Default true. */
  readonly excludeBiasAndNorm?: boolean;
}

export type OptimizerConfig = SgdConfig | AdamConfig | LarsConfig;
