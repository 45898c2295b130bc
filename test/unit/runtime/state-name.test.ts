import { describe, expect, it } from 'vitest';
import { stateName } from '../../../src/runtime/snapshot-codec.js';

describe('stateName', () => {
  it('keeps a flat state as it is', () => {
    expect(stateName('copying')).toBe('copying');
  });

  it('joins a nested state into one dotted path', () => {
    expect(stateName({ running: { uploading: 'waiting' } })).toBe('running.uploading.waiting');
  });

  it('lists each region of a parallel state, joined with |', () => {
    expect(stateName({ active: { upload: 'sending', hash: 'idle' } })).toBe('active.upload.sending|active.hash.idle');
  });

  it('names a compound state with no active child by its own path', () => {
    expect(stateName({ running: {} })).toBe('running');
  });

  it('stringifies values that are not state values', () => {
    expect(stateName(undefined)).toBe('undefined');
    expect(stateName(42)).toBe('42');
  });
});
