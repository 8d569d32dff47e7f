import * as tf from '@tensorflow/tfjs-core';
import { defineEncoder, globalAvgPool, resolveRng } from '@selfsup/encoders';
import type { ApplyOptions, Encoder } from '@selfsup/tensors';
import { assertOneOf, assertOptions, invalidArgument } from '@selfsup/tensors';
import { normalizeAb, normalizeLightness, splitLab } from '../color/lab-channels.js';
import { type ConvTrunk, type ConvTrunkOptions, convTrunk } from './conv-trunk.js';

/** What a Lab network reads: the lightness (colorization), the chroma, or both through two halves (split-brain). */
export const LAB_INPUTS = ['lightness', 'ab', 'split'] as const;
export type LabInput = (typeof LAB_INPUTS)[number];

/** A trunk's options (`channels`: of each half for 'split'), without `inChannels`, which `input` sets. */
export interface LabConvNetOptions extends Omit<ConvTrunkOptions, 'inChannels'> {
  readonly input: LabInput;
}

/**
 * An encoder of sRGB images (or grey ones, read as R = G = B) that works in CIE Lab: it converts its input, feeds
 * L* / 50 - 1 and/or a*b* / 110 to fully convolutional trunks, and embeds an image as the global average of the last
 * feature map ('split': the two halves' averages concatenated, Zhang et al. 2017). The trunks are exposed for the
 * dense prediction heads of colorization and split-brain training.
 */
export interface LabConvNet extends Encoder {
  readonly input: LabInput;
  /** The trunk over L* ('lightness' and 'split'). */
  readonly lightnessTrunk: ConvTrunk | undefined;
  /** The trunk over a*b* ('ab' and 'split'). */
  readonly abTrunk: ConvTrunk | undefined;
}

export function labConvNet(options: LabConvNetOptions): LabConvNet {
  assertOptions('options', options);
  if (options === undefined) invalidArgument('options', 'an options object with input', options);
  assertOneOf('options.input', options.input, LAB_INPUTS);
  const input = options.input;
  const rng = resolveRng(options);
  const shared = {
    rng,
    ...(options.channels !== undefined ? { channels: options.channels } : {}),
    ...(options.strides !== undefined ? { strides: options.strides } : {}),
    ...(options.kernelSize !== undefined ? { kernelSize: options.kernelSize } : {}),
    ...(options.norm !== undefined ? { norm: options.norm } : {}),
    ...(options.activation !== undefined ? { activation: options.activation } : {}),
  };
  const lightnessTrunk = input !== 'ab' ? convTrunk({ ...shared, inChannels: 1 }, 'lightness') : undefined;
  const abTrunk = input !== 'lightness' ? convTrunk({ ...shared, inChannels: 2 }, 'ab') : undefined;
  const trunks = [lightnessTrunk, abTrunk].filter((t): t is ConvTrunk => t !== undefined);
  const config = trunks[0]!.config;
  const encoder = defineEncoder({
    architecture: 'labConvNet',
    config: { input, ...config, ...(options.seed !== undefined ? { seed: options.seed } : {}) },
    inputShape: [-1, -1, -1],
    outputDim: trunks.reduce((sum, t) => sum + t.outChannels, 0),
    variables: trunks.flatMap((t) => [...t.variables]),
    checkInput(x) {
      const c = x.shape[3];
      if (c !== 1 && c !== 3) invalidArgument('inputs', 'images [N, H, W, C] in [0, 1] with C = 3 (RGB) or 1 (grey)', x);
    },
    forward(x, training) {
      const { lightness, ab } = splitLab(x as tf.Tensor4D);
      const options: ApplyOptions = { training };
      const parts: tf.Tensor2D[] = [];
      if (lightnessTrunk) parts.push(globalAvgPool(lightnessTrunk.apply(normalizeLightness(lightness) as tf.Tensor4D, options)));
      if (abTrunk) parts.push(globalAvgPool(abTrunk.apply(normalizeAb(ab) as tf.Tensor4D, options)));
      return parts.length === 1 ? parts[0]! : (tf.concat(parts, 1) as tf.Tensor2D);
    },
  });
  return { ...encoder, apply: encoder.apply, dispose: encoder.dispose, input, lightnessTrunk, abTrunk };
}
