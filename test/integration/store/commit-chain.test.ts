/**
 * The LMDB store's commit chain (lmdb-store.ts): commits handed to lmdb-js one
 * after another without waiting (the committer's pipeline) land in order, and
 * one queued behind a commit that fails is never applied on its own. The full
 * disk case mounts a small tmpfs, as test/crash/disk-full.test.ts does (root).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldfastError } from '../../../src/errors.js';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import { containStorageFullRejections } from '../../../src/persistence/storage-full-guard.js';
import type { ActorId, Mutation, Store } from '../../../src/persistence/store.js';
import { tempFolder } from '../../helpers/temp-store.js';

const put = (key: string, value: unknown = key): Mutation => ({ op: 'putRecord', collection: 'c', key, value });
const journal = (actor: string, seq: number): Mutation => ({
  op: 'putJournal',
  actor: actor as ActorId,
  entry: { seq, event: 'e', from: 'a', to: 'b', at: 0, durationMs: 0 },
});

describe('LMDB store: pipelined commits', () => {
  it('lands commits handed over back to back in order, each resolving once durable', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      const written: number[] = [];
      const commits = [0, 1, 2, 3].map((n) => store.commit([put('k', n), put(`only${n}`)], 'flush', () => written.push(n)));
      expect(written).toEqual([0, 1, 2, 3]); // each handed to lmdb-js before commit() returned
      await Promise.all(commits);
      expect(store.getRecord('c', 'k')).toBe(3);
      for (const n of [0, 1, 2, 3]) expect(store.getRecord('c', `only${n}`)).toBe(`only${n}`);
    } finally {
      await store.close();
    }
  });

  it('deletes every journal entry of an actor, even one whose commit was still in flight', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    try {
      await store.commit([journal('a1', 1)], 'flush');
      const inFlight = store.commit([journal('a1', 2)], 'flush');
      await store.commit([{ op: 'deleteJournal', actor: 'a1' as ActorId }], 'flush');
      await inFlight;
      expect([...store.journal('a1' as ActorId)]).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('starts a fresh chain when a store is opened again', async () => {
    const path = join(tempFolder(), 'store');
    for (const n of [1, 2]) {
      const store = openLmdbStore(path);
      try {
        await store.commit([put('k', n)], 'flush');
        expect(store.getRecord('c', 'k')).toBe(n);
      } finally {
        await store.close();
      }
    }
  });
});

let mountPoint = '';
afterEach(() => {
  if (!mountPoint) return;
  try {
    execFileSync('umount', [mountPoint], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
  }
  rmSync(mountPoint, { recursive: true, force: true });
  mountPoint = '';
});

/** A store on a 2 MB tmpfs, or undefined (with the reason) when this process may not mount. */
function storeOnSmallDisk(): { store: Store; remount: (size: string) => void } | string {
  const folder = mkdtempSync(join(tmpdir(), 'holdfast-chain-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', folder], { stdio: 'pipe' });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    const text = `${String((error as { stderr?: Buffer }).stderr ?? '')} ${(error as Error).message}`;
    if (/EPERM|permission denied|Operation not permitted|must be superuser/i.test(text)) return `cannot mount a tmpfs here: ${text.trim()}`;
    throw error;
  }
  mountPoint = folder;
  mkdirSync(join(folder, 'store'));
  return {
    store: openLmdbStore(join(folder, 'store')),
    remount: (size) => execFileSync('mount', ['-o', `remount,size=${size}`, folder], { stdio: 'pipe' }),
  };
}

describe('LMDB store: a full disk in the middle of a pipeline', () => {
  it('never applies a commit queued behind one that failed; the chain resumes from the last applied', async (context) => {
    const setup = storeOnSmallDisk();
    if (typeof setup === 'string') return context.skip(setup);
    const { store, remount } = setup;
    const release = containStorageFullRejections(() => {});
    try {
      await store.commit([put('before')], 'flush');
      const big = Array.from({ length: 200 }, (_, i) => put(`big${i}`, 'x'.repeat(16_000))); // ~3 MB: cannot fit
      const outcomes: string[] = [];
      const failing = store.commit(big, 'flush').then(
        () => outcomes.push('big applied'),
        (error: HoldfastError) => outcomes.push(`big ${error.code}`),
      );
      // Queued behind the big one once lmdb-js has begun its transaction (so not merged into it), small enough to fit.
      await new Promise((resolve) => setImmediate(resolve));
      expect(outcomes).toEqual([]);
      const behind = store.commit([put('behind')], 'flush').then(
        () => outcomes.push('behind applied'),
        (error: HoldfastError) => outcomes.push(`behind ${error.code}`),
      );
      await Promise.all([failing, behind]);
      // In either order: the big one's reason may come after the one behind it is refused.
      expect(outcomes).toHaveLength(2);
      expect(outcomes).toContain('big STORAGE_FULL');
      // Its own transaction fails too on this still-full disk, or is skipped by the chain: never applied either way.
      expect(outcomes.find((outcome) => outcome.startsWith('behind'))).toMatch(/^behind (STORAGE_FULL|STORE_CORRUPT)$/);
      expect(store.getRecord('c', 'behind')).toBeUndefined();
      expect(store.getRecord('c', 'big0')).toBeUndefined();

      await store.commit([put('after')], 'flush'); // small: fits, from the last applied marker
      expect(store.getRecord('c', 'after')).toBe('after');
      remount('64m');
      await store.commit([...big, put('behind')], 'flush'); // the caller's retry, in order
      expect(store.getRecord('c', 'big199')).toBe('x'.repeat(16_000));
      expect(store.getRecord('c', 'behind')).toBe('behind');
      expect(store.getRecord('c', 'before')).toBe('before');
    } finally {
      release();
      await store.close();
    }
  });
});
