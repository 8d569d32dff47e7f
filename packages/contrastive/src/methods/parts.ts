import { type ImageTransform, multiView } from '@selfsup/augment';
import { projectionHead } from '@selfsup/encoders';
import * as tf from '@tensorflow/tfjs-core';
import {
  type ApplyOptions,
  type Encoder,
  type Module,
  type NamedVariable,
  type Rng,
  assertEncoder,
  assertRank,
  assertUniqueNames,
  invalidArgument,
  scopeVariables,
} from '@selfsup/tensors';

export { assertEncoder };

/** A head (projector, predictor, expander): maps [N, inputDim] to [N, outputDim]. The encoders package's heads fit. */
export interface Head extends Module {
  readonly outputDim: number;
  apply(x: tf.Tensor2D, options?: ApplyOptions): tf.Tensor2D;
}

/**
 * Makes one augmented view of a batch of images [N, H, W, C] in [0, 1], drawing every random choice from `rng`:
 * an `ImageTransform` of @selfsup/augment (its presets, or your own `compose([...])`).
 */
export type ViewFn = ImageTransform;

/** One view function for both views, or one per view (BYOL's and MoCo v2's asymmetric pipelines). */
export type Views = ViewFn | readonly [ViewFn, ViewFn];

export function assertHead(name: string, value: unknown, inputDim?: number): asserts value is Head {
  const h = value as Head | undefined;
  if (typeof h !== 'object' || h === null || typeof h.apply !== 'function' || !Array.isArray(h.variables) || !Number.isInteger(h.outputDim)) {
    invalidArgument(name, 'a head (apply, variables, outputDim)', value);
  }
  const declared = (h as { inputDim?: unknown }).inputDim;
  if (inputDim !== undefined && typeof declared === 'number' && declared !== inputDim) {
    invalidArgument(name, `a head taking ${inputDim} inputs`, `a head taking ${declared}`);
  }
}

export function assertViews(name: string, value: unknown): asserts value is Views {
  const ok = typeof value === 'function' || (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'function'));
  if (!ok) invalidArgument(name, 'a view function (images, rng) => images, or a pair of them', value);
}

/** Draws both views of a batch with @selfsup/augment's `multiView` (each view from its own fork of `rng`). */
export function drawViews(views: Views, images: tf.Tensor4D, rng: Rng): [tf.Tensor4D, tf.Tensor4D] {
  assertRank('batch.images', images, 4);
  const [first, second] = typeof views === 'function' ? [views, views] : views;
  const [v1, v2] = multiView([first, second])(images, rng) as [tf.Tensor4D, tf.Tensor4D];
  return [v1, v2];
}

/** [H, W] of an encoder's images, to size a default augmentation; fails when the encoder accepts any size. */
export function imageSize(encoder: Encoder, viewsName: string): [number, number] {
  const [h, w] = encoder.inputShape;
  if (encoder.inputShape.length !== 3 || h === undefined || w === undefined || h < 1 || w < 1) {
    invalidArgument(viewsName, `given explicitly (the encoder's inputShape [${encoder.inputShape.join(', ')}] fixes no image size)`, undefined);
  }
  return [h, w];
}

/** Applies encoder then heads, in training mode, to both views in one pass (so batch norm sees all 2N samples). */
export function embedBoth(v1: tf.Tensor4D, v2: tf.Tensor4D, encoder: Encoder, heads: readonly Head[]): [tf.Tensor2D, tf.Tensor2D] {
  const n = v1.shape[0];
  let x: tf.Tensor2D = encoder.apply(tf.concat([v1, v2], 0), { training: true });
  for (const head of heads) x = head.apply(x, { training: true });
  const [a, b] = tf.split(x, [n, n], 0) as [tf.Tensor2D, tf.Tensor2D];
  return [a, b];
}

/** The method's variable list: each part's variables under its prefix, names checked unique. */
export function methodVariables(parts: readonly (readonly [string, Pick<Module, 'variables'>])[]): NamedVariable[] {
  const all = parts.flatMap(([prefix, m]) => scopeVariables(prefix, m.variables));
  assertUniqueNames(all);
  return all;
}

/** Same variables with trainable forced to false (momentum copies, whose optimiser is the EMA). */
export function frozen(vars: readonly NamedVariable[]): NamedVariable[] {
  return vars.map((v) => ({ ...v, trainable: false }));
}

/** Disposes several modules once each, whatever order they are listed in. */
export function disposeAll(modules: readonly (Module | undefined)[]): void {
  const seen = new Set<Module>();
  for (const m of modules) {
    if (m === undefined || seen.has(m)) continue;
    seen.add(m);
    m.dispose();
  }
}

/**
 * Scalars a method computes inside `loss` and reports from `metrics()`. Values are kept (tf.keep) until read, so that
 * reading waits until after the step, and the previous step's are released when a new loss is computed.
 */
export class PendingMetrics {
  private pending: [string, tf.Scalar][] = [];
  private last: Record<string, number> = {};

  /** Call inside the loss's tidy: keeps copies of the scalars. */
  record(values: Readonly<Record<string, tf.Scalar | number>>): void {
    this.clear();
    for (const [key, v] of Object.entries(values)) {
      if (typeof v === 'number') this.last[key] = v;
      else this.pending.push([key, tf.keep(tf.clone(v))]);
    }
  }

  read(): Readonly<Record<string, number>> {
    for (const [key, t] of this.pending) this.last[key] = t.dataSync()[0] ?? Number.NaN;
    this.clear();
    return { ...this.last };
  }

  clear(): void {
    tf.dispose(this.pending.map(([, t]) => t));
    this.pending = [];
  }
}

/** Overwrites every variable of `target` with its same-named twin in `online` (a momentum copy starts equal). */
export function copyWeights(target: { variables: readonly { name: string; variable: tf.Variable }[] }, online: { variables: readonly { name: string; variable: tf.Variable }[] }) {
  const sources = new Map(online.variables.map((v) => [v.name, v.variable]));
  for (const t of target.variables) {
    const s = sources.get(t.name);
    if (s === undefined || s.shape.join() !== t.variable.shape.join()) {
      invalidArgument('momentum copy', `a module of the same architecture (a variable "${t.name}" of shape [${t.variable.shape.join(', ')}])`, s === undefined ? 'none' : s);
    }
    t.variable.assign(s);
  }
}

/** Barlow Twins' projector and VICReg's expander: dense-BN-ReLU, dense-BN-ReLU, dense, all `width` wide. */
export function threeLayerHead(inputDim: number, width: number, rng: Rng, preset: string): Head {
  return projectionHead(
    [
      { inputDim, outputDim: width, batchNorm: true, activation: 'relu' },
      { inputDim: width, outputDim: width, batchNorm: true, activation: 'relu' },
      { inputDim: width, outputDim: width },
    ],
    { preset, rng },
  );
}
