import { describe, expect, it } from 'vitest';

import {
  isStorageIdentifier,
  newStorageIdentifier,
  randomStorageIdentifier,
} from '../../../src/adapters/files/storage-identifier.js';

describe('newStorageIdentifier', () => {
  it('writes the time as lower-case hex milliseconds, a dash and the 12 random hex digits', () => {
    expect(newStorageIdentifier(0x18f3a5c2b11, '1a2b3c4d5e6f')).toBe('18f3a5c2b11-1a2b3c4d5e6f');
  });

  it('lowers an upper-case random part, as Dataverse only writes lower case', () => {
    expect(newStorageIdentifier(1_700_000_000_000, 'ABCDEF012345')).toBe('18bcfe56800-abcdef012345');
  });

  it.each([['1a2b3c4d5e6'], ['1a2b3c4d5e6f0'], ['1a2b3c4d5e6g'], ['']])(
    'refuses the random part %j with INVALID_INPUT',
    (random) => {
      expect(() => newStorageIdentifier(1, random)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    },
  );

  it.each([[-1], [1.5], [Number.NaN], [Number.MAX_SAFE_INTEGER + 2]])('refuses the time %d with INVALID_INPUT', (now) => {
    expect(() => newStorageIdentifier(now, '1a2b3c4d5e6f')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('randomStorageIdentifier', () => {
  it('uses the given time and a fresh random part each call', () => {
    const first = randomStorageIdentifier(0x18f3a5c2b11);
    const second = randomStorageIdentifier(0x18f3a5c2b11);
    expect(first.startsWith('18f3a5c2b11-')).toBe(true);
    expect(isStorageIdentifier(first)).toBe(true);
    expect(second).not.toBe(first);
  });

  it('defaults to the current time', () => {
    const before = Date.now();
    const id = randomStorageIdentifier();
    const ms = Number.parseInt(id.split('-')[0] ?? '', 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });
});

describe('isStorageIdentifier', () => {
  it('accepts Dataverse identifiers and refuses look-alikes', () => {
    expect(isStorageIdentifier('18f3a5c2b11-1a2b3c4d5e6f')).toBe(true);
    expect(isStorageIdentifier('18F3A5C2B11-1A2B3C4D5E6F')).toBe(false);
    expect(isStorageIdentifier('file://18f3a5c2b11-1a2b3c4d5e6f')).toBe(false);
    expect(isStorageIdentifier('18f3a5c2b11-1a2b3c4d5e6')).toBe(false);
    expect(isStorageIdentifier('-1a2b3c4d5e6f')).toBe(false);
    expect(isStorageIdentifier('../1a2b3c4d5e6f')).toBe(false);
    expect(isStorageIdentifier('18f3a5c2b11-1a2b3c4d5e6f\n')).toBe(false);
  });
});
