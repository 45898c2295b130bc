/** Telling a full disk from a failing one (disk-space.ts), EIO included. */
import { describe, expect, it, vi } from 'vitest';
import { isStorageFull, trackWritableStore } from '../../../src/persistence/disk-space.js';

const eio = Object.assign(new Error('Input/output error'), { code: 5 });

describe('isStorageFull', () => {
  it('takes ENOSPC and MDB_MAP_FULL for a full disk, never another error', () => {
    expect(isStorageFull(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))).toBe(true);
    expect(isStorageFull(new Error('MDB_MAP_FULL: Environment mapsize limit reached'))).toBe(true);
    expect(isStorageFull(new Error('EACCES: permission denied'))).toBe(false);
  });

  it('puts an EIO down to a full disk only while, or just after, a store had no room (lmdb-js can hand it over late)', () => {
    vi.useFakeTimers({ now: Date.now() + 86_400_000 }); // a day past any full disk the other tests saw
    try {
      const untrack = trackWritableStore('/'); // the root file system has room here
      expect(isStorageFull(eio, '/')).toBe(false);
      expect(isStorageFull(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }))).toBe(true); // a full disk seen now
      vi.advanceTimersByTime(5_000);
      expect(isStorageFull(eio, '/'), '5 s after the disk was full').toBe(true);
      vi.advanceTimersByTime(60_000);
      expect(isStorageFull(eio, '/'), 'a minute later, with room: a failing disk').toBe(false);
      untrack();
    } finally {
      vi.useRealTimers();
    }
  });
});
