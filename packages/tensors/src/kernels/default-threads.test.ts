import { describe, expect, it } from 'vitest';
import { OPENMP_SPIN_COUNT, preferPassiveOpenMP } from './default-threads.js';

describe('preferPassiveOpenMP', () => {
  it('sets a passive policy with a short spin where the environment chose neither', () => {
    const env: Record<string, string | undefined> = { OMP_WAIT_POLICY: '' };
    preferPassiveOpenMP(env);
    expect(env).toEqual({ OMP_WAIT_POLICY: 'passive', GOMP_SPINCOUNT: OPENMP_SPIN_COUNT });
  });

  it("keeps the user's policy, and the spin count that goes with it", () => {
    const active: Record<string, string | undefined> = { OMP_WAIT_POLICY: 'active' };
    preferPassiveOpenMP(active);
    expect(active).toEqual({ OMP_WAIT_POLICY: 'active' });
    const spin: Record<string, string | undefined> = { GOMP_SPINCOUNT: '0' };
    preferPassiveOpenMP(spin);
    expect(spin).toEqual({ GOMP_SPINCOUNT: '0', OMP_WAIT_POLICY: 'passive' });
  });
});
