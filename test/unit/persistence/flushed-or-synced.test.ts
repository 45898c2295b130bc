/**
 * A landed commit's flush: lmdb-js's `flushed` when it settles, else, after the
 * wait, an environment sync of our own (lmdb-store.ts, flushedOrSynced).
 */
import { describe, expect, it } from 'vitest';
import { flushedOrSynced } from '../../../src/persistence/lmdb-store.js';

/** An environment whose sync answers `error` (none: success), counting the calls. */
function env(error?: Error) {
  const calls: number[] = [];
  return { calls, sync: (callback: (error?: unknown) => void) => (calls.push(Date.now()), setTimeout(() => callback(error), 1)) };
}
const never = new Promise<void>(() => {});

describe('flushedOrSynced', () => {
  it("resolves with lmdb-js's flushed when it settles, syncing nothing", async () => {
    const root = env();
    expect(await flushedOrSynced(Promise.resolve(), root, 50)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(root.calls).toHaveLength(0);
  });

  it('syncs the environment itself when flushed has not settled after the wait', async () => {
    const root = env();
    const started = Date.now();
    expect(await flushedOrSynced(never, root, 50)).toBe(true); // the store warns that the guard synced
    expect(root.calls).toHaveLength(1);
    expect(root.calls[0]! - started).toBeGreaterThanOrEqual(45);
  });

  it('fails with the sync when the sync fails', async () => {
    await expect(flushedOrSynced(never, env(new Error('EIO: i/o error')), 10)).rejects.toThrow('EIO');
  });

  it("fails with flushed's own failure", async () => {
    await expect(flushedOrSynced(Promise.reject(new Error('write failed')), env(), 50)).rejects.toThrow('write failed');
  });
});
