import * as tf from '@tensorflow/tfjs-core';
import { countParameters } from '@selfsup/tensors';
import { describe, expect, it } from 'vitest';
import { randomTensor } from '../../test/helpers.js';
import { withoutInitialisation } from '../init.js';
import {
  byolPredictionHead,
  byolProjectionHead,
  mocoV2ProjectionHead,
  simclrProjectionHead,
  simSiamPredictionHead,
  simSiamProjectionHead,
} from './presets.js';

const structure = (head: { blocks: readonly { inputDim: number; outputDim: number; batchNorm: unknown; activation: string; bias: boolean }[] }) =>
  head.blocks.map((b) => `${b.inputDim}-${b.outputDim}${b.batchNorm === true ? ' bn' : b.batchNorm === 'noAffine' ? ' bn(no affine)' : ''} ${b.activation}${b.bias ? ' +b' : ''}`);

describe('head presets', () => {
  it('SimCLR: 2 layers (in-in-128, ReLU) or 3 layers with batch norm (v2)', () => {
    const v1 = simclrProjectionHead({ inputDim: 512 });
    expect(structure(v1)).toEqual(['512-512 relu +b', '512-128 linear +b']);
    expect(v1.config['preset']).toBe('simclrProjection');
    const v2 = simclrProjectionHead({ inputDim: 64, hiddenDim: 32, outputDim: 16, layers: 3 });
    expect(structure(v2)).toEqual(['64-32 bn relu', '32-32 bn relu', '32-16 linear +b']);
    expect(() => simclrProjectionHead({ inputDim: 8, layers: 1 })).toThrow(/options.layers must be an integer >= 2/);
    v1.dispose();
    v2.dispose();
  });

  it('MoCo v2: 2048-2048-128 with ReLU and no batch norm (4,458,624 parameters from 2048)', () => {
    const head = withoutInitialisation(() => mocoV2ProjectionHead({ inputDim: 2048 }));
    expect(structure(head)).toEqual(['2048-2048 relu +b', '2048-128 linear +b']);
    expect(countParameters(head)).toBe(2048 * 2048 + 2048 + 2048 * 128 + 128);
    head.dispose();
  });

  it('BYOL: projector in-4096-256 with batch norm; predictor 256-4096-256', () => {
    const projector = withoutInitialisation(() => byolProjectionHead({ inputDim: 512 }));
    expect(structure(projector)).toEqual(['512-4096 bn relu +b', '4096-256 linear +b']);
    const predictor = withoutInitialisation(() => byolPredictionHead());
    expect(structure(predictor)).toEqual(['256-4096 bn relu +b', '4096-256 linear +b']);
    const small = byolPredictionHead({ inputDim: 32, hiddenDim: 64 });
    expect(structure(small)).toEqual(['32-64 bn relu +b', '64-32 linear +b']);
    for (const h of [projector, predictor, small]) h.dispose();
  });

  it('SimSiam: 3-layer projector with batch norm on the output (no affine); 512 bottleneck predictor', () => {
    const projector = withoutInitialisation(() => simSiamProjectionHead({ inputDim: 512 }));
    expect(structure(projector)).toEqual(['512-2048 bn relu', '2048-2048 bn relu', '2048-2048 bn(no affine) linear']);
    const predictor = withoutInitialisation(() => simSiamPredictionHead());
    expect(structure(predictor)).toEqual(['2048-512 bn relu', '512-2048 linear +b']);
    for (const h of [projector, predictor]) h.dispose();
  });

  it("SimSiam's projector output is standardised per feature in training mode", async () => {
    const head = simSiamProjectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 4 });
    const x = randomTensor([32, 8], 1) as tf.Tensor2D;
    const y = head.apply(x, { training: true });
    const { mean, variance } = tf.moments(y, 0);
    for (const m of await mean.data()) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const v of await variance.data()) expect(v).toBeCloseTo(1, 2);
    tf.dispose([x, y, mean, variance]);
    head.dispose();
  });

  it('the same seed gives the same head', async () => {
    const a = byolProjectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 4, seed: 3 });
    const b = byolProjectionHead({ inputDim: 8, hiddenDim: 16, outputDim: 4, seed: 3 });
    expect(Array.from(await a.variables[0]!.variable.data())).toEqual(Array.from(await b.variables[0]!.variable.data()));
    expect(() => byolProjectionHead({ inputDim: 0 })).toThrow(/options.inputDim must be an integer >= 1; got 0/);
    a.dispose();
    b.dispose();
  });
});
