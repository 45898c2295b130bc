/**
 * One owner per store (RELIABILITY.md, I3). The owner holds `owner.lock`, a file
 * naming its pid. A lock whose pid is dead was left by a killed owner and is
 * taken over; the takeover renames the stale file away first so two racing
 * takers cannot both win.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoldfastError, StoreLockedError } from '../errors.js';

export const LOCK_FILE = 'owner.lock';

export interface LockOwner {
  pid: number;
  startedAt: number;
}

/** Reads `owner.lock`; undefined when nobody holds it or its owner is dead. */
export function readLiveOwner(folder: string): LockOwner | undefined {
  const owner = readOwner(join(folder, LOCK_FILE));
  return owner && isAlive(owner.pid) ? owner : undefined;
}

/** Takes the store's lock for this process; throws STORE_LOCKED naming a live owner. Returns the release function. */
export function acquireStoreLock(folder: string, now: number): () => void {
  const lockPath = join(folder, LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, startedAt: now };
  const draft = join(folder, `${LOCK_FILE}.${process.pid}.${now}`);
  writeFileSync(draft, JSON.stringify(mine), { mode: 0o600 });
  try {
    for (let tries = 0; tries < 5; tries++) {
      try {
        linkSync(draft, lockPath); // atomic: fails if a lock exists
        return () => releaseLock(lockPath, mine);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(lockPath);
      if (owner && isAlive(owner.pid)) throw new StoreLockedError(folder, owner.pid);
      try {
        renameSync(lockPath, `${lockPath}.stale.${owner?.pid ?? 'unknown'}.${now}`);
        unlinkSync(`${lockPath}.stale.${owner?.pid ?? 'unknown'}.${now}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new HoldfastError('STORE_LOCKED', `store ${folder}: could not take over its stale lock`);
  } finally {
    unlinkSync(draft);
  }
}

function releaseLock(lockPath: string, mine: LockOwner): void {
  const owner = readOwner(lockPath);
  if (owner?.pid === mine.pid && owner.startedAt === mine.startedAt) unlinkSync(lockPath);
}

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startedAt: parsed.startedAt ?? 0 } : { pid: -1, startedAt: 0 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, startedAt: 0 }; // unreadable lock: treat as stale
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A killed owner whose parent has not reaped it yet still answers kill(0); Linux shows it as state Z. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
