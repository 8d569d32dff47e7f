import type * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, Encoder, JsonObject } from '@selfsup/tensors';
import { assertOptions, assertPositiveInteger, invalidArgument } from '@selfsup/tensors';
import { type ActivationName, activate, assertActivation } from '../activation.js';
import { defineEncoder } from '../define-encoder.js';
import { type InitOptions, resolveRng } from '../init.js';
import type { Head } from './head.js';
import { type BatchNorm, batchNorm } from '../layers/batch-norm.js';
import { type Dense, dense } from '../layers/dense.js';
import { collectVariables } from '../layers/layer.js';

/** One block of a head: dense (inputDim -> outputDim) -> optional batch norm -> optional activation. */
export interface HeadBlock {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Batch norm after the dense layer: true, false (default), or 'noAffine' (no learnable scale and shift). */
  readonly batchNorm?: boolean | 'noAffine';
  /** Default `linear` (none). */
  readonly activation?: ActivationName;
  /** Default: true without batch norm, false with it (the norm's shift makes a bias redundant). */
  readonly bias?: boolean;
}

/** A head maps embeddings [N, inputDim] to [N, outputDim]. Heads are encoders of vectors, so they save, load and copy alike. */
/** A head built by `projectionHead` (or a preset): a `Head` that is also an `Encoder` (registered, rebuildable). */
export interface ProjectionHead extends Encoder, Head {
  readonly inputDim: number;
  /** The blocks, with every default filled in. */
  readonly blocks: readonly Required<HeadBlock>[];
  apply(x: tf.Tensor2D, options?: ApplyOptions): tf.Tensor2D;
}

export interface ProjectionHeadOptions extends InitOptions {
  /** Recorded in the config (e.g. "byolProjection"): which preset the blocks came from. */
  readonly preset?: string;
}

function normaliseBlock(block: unknown, i: number, previous: number | undefined): Required<HeadBlock> {
  const name = `blocks[${i}]`;
  if (typeof block !== 'object' || block === null || Array.isArray(block)) invalidArgument(name, 'a block { inputDim, outputDim, batchNorm?, activation?, bias? }', block);
  const b = block as HeadBlock;
  assertPositiveInteger(`${name}.inputDim`, b.inputDim);
  assertPositiveInteger(`${name}.outputDim`, b.outputDim);
  if (previous !== undefined && b.inputDim !== previous) invalidArgument(`${name}.inputDim`, `the previous block's outputDim (${previous})`, b.inputDim);
  const norm = b.batchNorm ?? false;
  if (norm !== true && norm !== false && norm !== 'noAffine') invalidArgument(`${name}.batchNorm`, "true, false or 'noAffine'", norm);
  const activation = b.activation ?? 'linear';
  assertActivation(`${name}.activation`, activation);
  const bias = b.bias ?? norm === false;
  if (typeof bias !== 'boolean') invalidArgument(`${name}.bias`, 'a boolean', bias);
  return { inputDim: b.inputDim, outputDim: b.outputDim, batchNorm: norm, activation, bias };
}

/**
 * A head as a stack of generic blocks. Variables: `block<i>/dense/kernel`, `block<i>/dense/bias`, `block<i>/bn/...`.
 * The presets (simclrProjectionHead, mocoV2ProjectionHead, byol*, simSiam*) are stacks of these blocks.
 */
export function projectionHead(blocks: readonly HeadBlock[], options: ProjectionHeadOptions = {}): ProjectionHead {
  if (!Array.isArray(blocks) || blocks.length === 0) invalidArgument('blocks', 'a non-empty array of head blocks', blocks);
  assertOptions('options', options);
  if (options.preset !== undefined && typeof options.preset !== 'string') invalidArgument('options.preset', 'a string', options.preset);
  const normalised: Required<HeadBlock>[] = [];
  blocks.forEach((b, i) => normalised.push(normaliseBlock(b, i, normalised[i - 1]?.outputDim)));
  const rng = resolveRng(options);
  // A block's batch norm followed by a ReLU applies the ReLU itself (fused into its training-mode kernels).
  const layers: { dense: Dense; bn: BatchNorm | undefined; activation: ActivationName; fusedRelu: boolean }[] = normalised.map((b, i) => {
    const fusedRelu = b.batchNorm !== false && b.activation === 'relu';
    return {
      dense: dense({ inputDim: b.inputDim, outputDim: b.outputDim, bias: b.bias, name: `block${i}/dense`, rng }),
      bn:
        b.batchNorm === false
          ? undefined
          : batchNorm({ channels: b.outputDim, affine: b.batchNorm === true, name: `block${i}/bn`, activation: fusedRelu ? 'relu' : 'linear' }),
      activation: b.activation,
      fusedRelu,
    };
  });
  const inputDim = (normalised[0] as Required<HeadBlock>).inputDim;
  const outputDim = (normalised[normalised.length - 1] as Required<HeadBlock>).outputDim;
  const config: JsonObject = {
    blocks: normalised.map((b) => ({ ...b })),
    ...(options.preset !== undefined ? { preset: options.preset } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  const encoder = defineEncoder({
    architecture: 'projectionHead',
    config,
    inputShape: [inputDim],
    outputDim,
    variables: collectVariables(layers.flatMap((l) => (l.bn ? [l.dense, l.bn] : [l.dense]))),
    forward(x, training) {
      let h = x as tf.Tensor2D;
      for (const layer of layers) {
        h = layer.dense.apply(h);
        if (layer.bn) h = layer.bn.apply(h, { training }) as tf.Tensor2D;
        if (!layer.fusedRelu) h = activate(h, layer.activation);
      }
      return h;
    },
  });
  return { ...encoder, apply: encoder.apply, dispose: encoder.dispose, inputDim, blocks: normalised };
}

/** Rebuilds a head from its config (the registry's factory for "projectionHead"). */
export function projectionHeadFromConfig(config: JsonObject): ProjectionHead {
  if (typeof config !== 'object' || config === null) invalidArgument('config', 'a projectionHead config { blocks, preset?, seed? }', config);
  const { blocks, preset, seed } = config as { blocks?: unknown; preset?: unknown; seed?: unknown };
  if (!Array.isArray(blocks)) invalidArgument('config.blocks', 'an array of head blocks', blocks);
  return projectionHead(blocks as HeadBlock[], {
    ...(preset !== undefined ? { preset: preset as string } : {}),
    ...(seed !== undefined ? { seed: seed as number } : {}),
  });
}
