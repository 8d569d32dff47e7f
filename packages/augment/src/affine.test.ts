import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/tensors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectNoLeak, maxAbsDiff, seededImages } from '@selfsup/test-utils';
import { randomAffine } from './affine.js';
import { rotateImages } from './rotation.js';

/**
 * Plain reference: output (x, y) of sample i samples the source bilinearly at c + A (p - c), with
 * A = R(theta) [[1, tan(phi)], [0, 1]], each of the four neighbours outside the image reading the fill.
 */
function reference(images: tf.Tensor4D, angles: readonly (readonly [number, number])[], fill: number): Float32Array {
  const [n, h, w, c] = images.shape;
  const src = images.dataSync();
  const out = new Float32Array(n * h * w * c);
  const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
  for (let i = 0; i < n; i++) {
    const [theta, phi] = angles[i] as [number, number];
    const [a, b, cc, d] = [Math.cos(theta), Math.cos(theta) * Math.tan(phi) - Math.sin(theta), Math.sin(theta), Math.sin(theta) * Math.tan(phi) + Math.cos(theta)];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = cx + a * (x - cx) + b * (y - cy);
        const sy = cy + cc * (x - cx) + d * (y - cy);
        const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
        for (let k = 0; k < c; k++) {
          const at = (yy: number, xx: number) => (yy >= 0 && yy < h && xx >= 0 && xx < w ? (src[((i * h + yy) * w + xx) * c + k] as number) : fill);
          const [fx, fy] = [sx - x0, sy - y0];
          out[((i * h + y) * w + x) * c + k] =
            (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        }
      }
    }
  }
  return out;
}

/** The angles (radians) randomAffine draws from a generator of this seed: rotation then shear, per sample. */
function drawnAngles(seed: number, n: number, degrees: number, shear: number): [number, number][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => [(rng.uniform(-degrees, degrees) * Math.PI) / 180, (rng.uniform(-shear, shear) * Math.PI) / 180]);
}

describe('randomAffine', () => {
  it('equals the plain bilinear reference, fill included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 7 }),
        fc.constantFrom(1, 3),
        fc.double({ min: 0, max: 60, noNaN: true }),
        fc.double({ min: 0, max: 40, noNaN: true }),
        fc.constantFrom(0, 0.5),
        (seed, n, side, c, degrees, shear, fill) => {
          const x = seededImages(seed, n, side, side + 1, c);
          const y = randomAffine({ degrees, shear, fill })(x, createRng(seed + 1));
          const want = reference(x, drawnAngles(seed + 1, n, degrees, shear), fill);
          const got = y.dataSync();
          expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - (want[i] as number))))).toBeLessThan(1e-4);
          tf.dispose([x, y]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('without shear is rotateImages at the drawn angles; with no angle at all, the identity', () => {
    const x = seededImages(3, 4, 9, 9, 1);
    const rotated = randomAffine({ degrees: 30 })(x, createRng(8));
    const expected = rotateImages(x, drawnAngles(8, 4, 30, 0).map(([theta]) => theta));
    expect(maxAbsDiff(rotated, expected)).toBeLessThan(1e-5);
    const same = randomAffine()(x, createRng(8));
    expect(maxAbsDiff(same, x)).toBeLessThan(1e-6);
    tf.dispose([x, rotated, expected, same]);
  });

  it('draws from the rng: the same seed gives the same images, another seed others', () => {
    const x = seededImages(1, 3, 8, 8, 1);
    const t = randomAffine({ degrees: 15, shear: 15 });
    const [a, b, c] = [t(x, createRng(4)), t(x, createRng(4)), t(x, createRng(5))];
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    tf.dispose([x, a, b, c]);
  });

  it('leaks no tensor and rejects bad arguments by name', () => {
    const x = seededImages(1, 2, 6, 6, 1);
    expectNoLeak(() => randomAffine({ degrees: 10, shear: 5 })(x, createRng(0)).dispose());
    expectInvalid(() => randomAffine({ degrees: -1 }), 'options.degrees');
    expectInvalid(() => randomAffine({ shear: 90 }), 'options.shear');
    expectInvalid(() => randomAffine({ fill: Number.NaN }), 'options.fill');
    expectInvalid(() => randomAffine({ degrees: 5 })(tf.zeros([6, 6]) as never, createRng(0)), 'images');
    x.dispose();
  });
});
