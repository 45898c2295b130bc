import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../src/testing/index.js';

describe('SimulatedClock', () => {
  it('stands still until advanced, then fires due timeouts in due order', () => {
    const clock = new SimulatedClock(1_000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['late', clock.now()]), 300);
    clock.setTimeout(() => fired.push(['early', clock.now()]), 100);
    clock.setTimeout(() => fired.push(['tie-a', clock.now()]), 200);
    clock.setTimeout(() => fired.push(['tie-b', clock.now()]), 200);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(fired).toEqual([['early', 1_100], ['tie-a', 1_200], ['tie-b', 1_200]]);
    expect(clock.now()).toBe(1_250);
    expect(clock.pending).toBe(1);
    clock.advance(50);
    expect(fired.at(-1)).toEqual(['late', 1_300]);
    expect(clock.pending).toBe(0);
  });

  it('does not fire a cleared timeout', () => {
    const clock = new SimulatedClock();
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    clock.advance(100);
    expect(fired).toBe(false);
  });

  it('fires within the same advance a timeout set by a firing callback', () => {
    const clock = new SimulatedClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
      clock.setTimeout(() => fired.push(clock.now()), 0);
    }, 10);
    clock.advance(25);
    expect(fired).toEqual([10, 10, 20]);
  });

  it('fires a zero-delay timeout on advance(0), not before', () => {
    const clock = new SimulatedClock(5);
    let fired = 0;
    clock.setTimeout(() => fired++, 0);
    expect(fired).toBe(0);
    clock.advance(0);
    expect(fired).toBe(1);
    expect(clock.nextDue).toBeUndefined();
  });

  it('refuses to go backwards', () => {
    const clock = new SimulatedClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
  });
});
