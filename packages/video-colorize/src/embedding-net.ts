import * as tf from '@tensorflow/tfjs-core';
import {
  type ApplyOptions,
  type NamedVariable,
  type Rng,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertShape,
  disposeVariables,
  invalidArgument,
  scopeVariables,
} from '@selfsup/tensors';
import { type BatchNorm, type Conv2d, batchNorm, collectVariables, conv2d, resolveRng } from '@selfsup/encoders';

export interface EmbeddingNetConfig {
  /** Channels of the first stage; doubled at each stride-2 stage. Default 32. */
  readonly width?: number;
  /** Embedding size D. Default 64. */
  readonly outputDim?: number;
  /** Output stride: 4 or 8. Default 4. */
  readonly stride?: 4 | 8;
  /** Residual blocks after the last downsampling. Default 2. */
  readonly blocks?: number;
  /** Seeds the initial weights (recorded in `config`). Default 0. */
  readonly seed?: number;
}

/** A fully convolutional embedding of grey frames: [N, H, W, 1] -> [N, H / stride, W / stride, D]. */
export interface EmbeddingNet {
  readonly stride: 4 | 8;
  readonly outputDim: number;
  /** The config with every default filled in (`seed` absent when the deprecated `rng` argument was given). */
  readonly config: Required<Omit<EmbeddingNetConfig, 'seed'>> & { readonly seed?: number };
  readonly variables: readonly NamedVariable[];
  apply(grey: tf.Tensor4D, options?: ApplyOptions): tf.Tensor4D;
  dispose(): void;
}

interface Unit {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;
}

/** A bias-free convolution (He-normal, padding kernel / 2) followed by batch norm. */
function unit(name: string, kernel: number, cin: number, cout: number, stride: number, rng: Rng): Unit {
  return {
    conv: conv2d({ name: `${name}/conv`, kernelSize: kernel, inChannels: cin, outChannels: cout, strides: stride, bias: false, rng }),
    bn: batchNorm({ name: `${name}/bn`, channels: cout }),
  };
}

const runUnit = (u: Unit, x: tf.Tensor4D, training: boolean) => u.bn.apply(u.conv.apply(x), { training }) as tf.Tensor4D;

/**
 * A small ResNet-style fully convolutional net: a stem at full resolution, stride-2 stages (each a strided conv and a
 * residual block) down to the output stride, `blocks` residual blocks there, and a linear 1x1 projection to D.
 * Receptive field about 50 pixels at stride 4. The second argument `rng` is deprecated: give `config.seed`.
 */
export function embeddingNet(config: EmbeddingNetConfig = {}, rng?: Rng): EmbeddingNet {
  assertOptions('config', config);
  if (rng !== undefined && config.seed !== undefined) invalidArgument('config.seed', 'absent when rng is given (pass one of rng, seed)', config.seed);
  const init = resolveRng(rng !== undefined ? { rng } : config.seed !== undefined ? { seed: config.seed } : {}, 'config');
  const width = config.width ?? 32;
  assertInteger('config.width', width, 1, 1024);
  const outputDim = config.outputDim ?? 64;
  assertInteger('config.outputDim', outputDim, 1, 4096);
  const stride = config.stride ?? 4;
  assertOneOf('config.stride', String(stride), ['4', '8']);
  const blocks = config.blocks ?? 2;
  assertInteger('config.blocks', blocks, 0, 64);
  const stages = stride === 4 ? 2 : 3;
  const stem = unit('stem', 3, 1, width, 1, init);
  const down: { reduce: Unit; block: [Unit, Unit] }[] = [];
  let channels = width;
  for (let s = 0; s < stages; s++) {
    const next = s === 0 ? width : channels * 2;
    down.push({
      reduce: unit(`stage${s + 1}/reduce`, 3, channels, next, 2, init),
      block: [unit(`stage${s + 1}/block/a`, 3, next, next, 1, init), unit(`stage${s + 1}/block/b`, 3, next, next, 1, init)],
    });
    channels = next;
  }
  const tail: [Unit, Unit][] = Array.from({ length: blocks }, (_, b) => [
    unit(`tail${b + 1}/a`, 3, channels, channels, 1, init),
    unit(`tail${b + 1}/b`, 3, channels, channels, 1, init),
  ]);
  const head = conv2d({ name: 'head', kernelSize: 1, inChannels: channels, outChannels: outputDim, init: 'glorotUniform', rng: init });
  const units: Unit[] = [stem, ...down.flatMap((d) => [d.reduce, ...d.block]), ...tail.flat()];
  const variables = scopeVariables('embedding', collectVariables([...units.flatMap((u) => [u.conv, u.bn]), head]));
  const residual = (pair: [Unit, Unit], x: tf.Tensor4D, training: boolean) =>
    tf.relu(tf.add(x, runUnit(pair[1], tf.relu(runUnit(pair[0], x, training)), training))) as tf.Tensor4D;

  return {
    stride: stride as 4 | 8,
    outputDim,
    config: { width, outputDim, stride: stride as 4 | 8, blocks, ...(rng === undefined ? { seed: config.seed ?? 0 } : {}) },
    variables,
    apply(grey: tf.Tensor4D, options: ApplyOptions = {}): tf.Tensor4D {
      assertShape('grey', grey, [null, null, null, 1], { nonEmpty: true });
      if (grey.shape[1] % stride !== 0 || grey.shape[2] % stride !== 0) {
        invalidArgument('grey', `frames whose height and width are multiples of ${stride}`, grey);
      }
      const training = options.training ?? false;
      return tf.tidy(() => {
        // Centre the input: lightness / 100 in [0, 1] -> [-1, 1].
        let x = tf.relu(runUnit(stem, tf.sub(tf.mul(grey, 2), 1), training)) as tf.Tensor4D;
        for (const d of down) x = residual(d.block, tf.relu(runUnit(d.reduce, x, training)) as tf.Tensor4D, training);
        for (const pair of tail) x = residual(pair, x, training);
        return head.apply(x);
      });
    },
    dispose: () => disposeVariables(variables),
  };
}
