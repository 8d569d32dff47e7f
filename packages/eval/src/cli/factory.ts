import { listArchitectures } from '@selfsup/encoders';
import { loadEncoder } from '@selfsup/encoders/node';
import type { EncoderFactory } from './encoder.js';
import { buildBackbone } from './methods.js';

/** The command line's encoders: the backbones of @selfsup/encoders, fresh (`random:<arch>`) or from a checkpoint. */
export const defaultEncoderFactory: EncoderFactory = {
  architectures: listArchitectures().filter((a) => a === 'convNet' || a === 'resnet' || a === 'mlp'),
  random: (architecture, { inputShape, seed }) => buildBackbone(architecture, inputShape, seed),
  load: (dir) => loadEncoder(dir),
};
