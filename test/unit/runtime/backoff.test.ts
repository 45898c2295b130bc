import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/runtime/effect-runner.js';

describe('backoffDelay', () => {
  it('stays between half and all of base * 2^(attempt-1), capped at the maximum (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, maxMs, roll) => {
          const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, baseMs, maxMs, () => roll);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
          expect(delay).toBeLessThanOrEqual(maxMs);
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it('doubles its ceiling with each attempt until the cap', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, 100, 1_000, top))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('spreads delays with jitter rather than retrying in lockstep', () => {
    const low = backoffDelay(3, 100, 30_000, () => 0);
    const high = backoffDelay(3, 100, 30_000, () => 0.999);
    expect(low).toBe(200);
    expect(high).toBe(400);
  });

  it('treats attempt 0 or below like the first attempt', () => {
    expect(backoffDelay(0, 100, 1_000, () => 0.5)).toBe(backoffDelay(1, 100, 1_000, () => 0.5));
  });
});
