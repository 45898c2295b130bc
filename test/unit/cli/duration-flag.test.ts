import { describe, expect, it } from 'vitest';
import { duration, retentionFlag } from '../../../src/cli/duration-flag.js';

describe('duration flags', () => {
  it('reads milliseconds, or a number with a unit', () => {
    const parse = duration('--older-than');
    expect(parse('0')).toBe(0);
    expect(parse('2500')).toBe(2_500);
    expect(parse('250ms')).toBe(250);
    expect(parse('1.5s')).toBe(1_500);
    expect(parse('30m')).toBe(1_800_000);
    expect(parse('12h')).toBe(43_200_000);
    expect(parse('7d')).toBe(604_800_000);
  });

  it('refuses anything else with USAGE naming the flag', () => {
    const parse = duration('--older-than');
    for (const bad of ['', '-1', '7w', 'soon', '1e3', '7 d d', '99999999999999999d']) {
      expect(() => parse(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('--older-than') }));
    }
  });

  it('takes never for a retention that keeps every journal', () => {
    expect(retentionFlag('--retention')('never')).toBe(false);
    expect(retentionFlag('--retention')('7d')).toBe(604_800_000);
  });
});
