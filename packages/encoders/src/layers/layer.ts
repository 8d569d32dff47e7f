import type * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Module, NamedVariable } from '@selfsup/tensors';
import { assertArray, assertModule, assertTensor, assertUniqueNames, disposeVariables, invalidArgument } from '@selfsup/tensors';

/**
 * A building block: a module (it owns named variables) with a forward pass. Layers put their local name in front of
 * their variables' names ("layer1/0/conv1" + "/kernel"), so an encoder's variables are unique and stable across builds.
 */
export interface Layer<In extends tf.Tensor = tf.Tensor, Out extends tf.Tensor = tf.Tensor> extends Module {
  /** The prefix of this layer's variable names. */
  readonly name: string;
  apply(x: In, options?: ApplyOptions): Out;
}

/** Checks a layer name: non-empty, '/'-separated segments without empty parts. */
export function assertLayerName(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.split('/').some((s) => s.length === 0)) {
    invalidArgument(name, 'a non-empty name of "/"-separated parts (e.g. "layer1/0/conv1")', value);
  }
}

/** The variables of several modules, in order, checked for unique names. */
export function collectVariables(modules: readonly Pick<Module, 'variables'>[]): NamedVariable[] {
  assertArray('modules', modules, 'an array of modules');
  modules.forEach((m, i) => assertModule(`modules[${i}]`, m));
  const all = modules.flatMap((m) => [...m.variables]);
  assertUniqueNames(all);
  return all;
}

/** A dispose() for a list of variables that is safe to call twice. */
export function disposer(variables: readonly NamedVariable[]): () => void {
  return () => disposeVariables(variables);
}

/** True when the options ask for training mode. */
export function isTraining(options: ApplyOptions | undefined): boolean {
  return options?.training === true;
}

/**
 * Checks the input of a per-channel layer (the norms) called `name`: a tensor of one of `ranks` whose last axis holds
 * `channels` entries.
 */
export function assertChannelsLastInput(name: string, x: tf.Tensor, channels: number, ranks: readonly number[]): void {
  assertTensor(`${name} input`, x);
  if (!ranks.includes(x.rank) || x.shape[x.rank - 1] !== channels) {
    invalidArgument(`${name} input`, `a tensor of shape [N, ${channels}] or [N, H, W, ${channels}]`, x);
  }
}
