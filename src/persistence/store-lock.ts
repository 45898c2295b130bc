/**
 * One owner per store (RELIABILITY.md, I3), held by the kernel.
 *
 * The owner binds a Unix socket in Linux's abstract namespace whose name is
 * the store folder's device and inode. The kernel owns that name: no file in
 * the folder holds the lock, so deleting or replacing any of them (owner.lock,
 * owner.sock, even data.mdb) under a live owner never lets a second process
 * in, and the name is freed the instant the owner dies, however it dies
 * (SIGKILL included). Measured here: taking the lock about 0.2 ms, a
 * successor's takeover right after a SIGKILL needs no wait and no stale-lock
 * cleanup. The owner's socket is opened close-on-exec (libuv), so a child it
 * spawns never inherits the lock.
 *
 * `owner.lock` (the owner's pid) is information only, for messages; it is
 * trusted only when that pid holds the socket, else the holder is found in /proc.
 */
import { readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { HoldfastError, StoreLockedError } from '../errors.js';

export const LOCK_FILE = 'owner.lock';
/** A bound socket's name fills sun_path (108 bytes), so Node versions that pad a short name with NULs and those that pass its length bind one address. */
const SUN_PATH_BYTES = 108;
/** /proc/net/unix: the socket is listening (__SO_ACCEPTCON). */
const SO_ACCEPTCON = 0x10000;

export interface LockOwner {
  pid: number;
  startedAt: number;
}

/** The store's lock, held by this process until `release`. */
export interface StoreLock {
  /** Writes owner.lock naming this process (information for messages; the lock is the socket). */
  publish(now: number): void;
  /** Frees the lock and removes owner.lock if it is still ours. Idempotent. */
  release(): void;
}

/** The abstract socket name of the store in `folder` (which must exist). */
export function lockName(folder: string): string {
  const { dev, ino } = statSync(folder, { bigint: true });
  return `\0holdfast-owner-${dev}-${ino}`.padEnd(SUN_PATH_BYTES, '.');
}

/** The live process holding the store's lock, or undefined when nobody does. */
export function readLiveOwner(folder: string): LockOwner | undefined {
  let name: string;
  try {
    name = lockName(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const inode = listeningInode(name);
  if (inode === undefined) return undefined;
  if (inode === 'unknown') return probe(name) ? undefined : (readOwnerFile(folder) ?? { pid: -1, startedAt: 0 });
  const recorded = readOwnerFile(folder);
  if (recorded && holdsSocket(recorded.pid, inode)) return recorded;
  return { pid: findHolder(inode) ?? -1, startedAt: 0 };
}

/**
 * Takes the store's lock for this process.
 * @throws STORE_LOCKED naming the live owner's pid (-1 when it is another user's process, hidden from /proc)
 */
export function acquireStoreLock(folder: string): StoreLock {
  if (process.platform !== 'linux') {
    throw new HoldfastError('STORE_LOCKED', `store ${folder}: owning a store needs Linux (its lock is an abstract Unix socket); read-only commands work here`, { details: { path: folder } });
  }
  const name = lockName(folder);
  freeIfFolderGone(name);
  const server = bindName(name);
  if (!server) {
    const owner = readLiveOwner(folder);
    throw new StoreLockedError(folder, owner?.pid ?? -1);
  }
  let mine: LockOwner | undefined;
  heldHere.set(name, { folder, server });
  return {
    publish(now) {
      mine = { pid: process.pid, startedAt: now };
      const draft = join(folder, `${LOCK_FILE}.${process.pid}.${now}`);
      try {
        writeFileSync(draft, JSON.stringify(mine), { mode: 0o600 });
        renameSync(draft, join(folder, LOCK_FILE)); // replaces one a killed owner left
      } catch (error) {
        // Information only (the kernel holds the lock): a full disk must not stop the owner opening.
        // Messages then find the owner's pid through /proc instead.
        rmSync(draft, { force: true });
        if (!['ENOSPC', 'EDQUOT', 'EIO', 'EROFS'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
        mine = undefined;
      }
    },
    release() {
      if (!server.listening) return;
      server.close(); // the fd closes now: the kernel frees the name
      if (heldHere.get(name)?.server === server) heldHere.delete(name);
      const recorded = readOwnerFile(folder);
      if (mine && recorded?.pid === mine.pid && recorded.startedAt === mine.startedAt) unlinkSync(join(folder, LOCK_FILE));
    },
  };
}

/** Locks this process holds, by name: a folder deleted under its store frees its inode for reuse. */
const heldHere = new Map<string, { folder: string; server: Server }>();

/**
 * A new folder can get the inode of one deleted while this process still held
 * its store open (a host that removes a store folder without closing it):
 * that lock guards nothing any more, so it gives way instead of refusing.
 */
function freeIfFolderGone(name: string): void {
  const held = heldHere.get(name);
  if (!held) return;
  let current: string | undefined;
  try {
    current = lockName(held.folder);
  } catch {
    current = undefined;
  }
  if (current === name) return;
  held.server.close();
  heldHere.delete(name);
}

/**
 * Binds the name, or returns undefined when another socket holds it. Node binds
 * inside `listen()` and reports a failure on the next tick, so `listening` is
 * already true or false when it returns.
 */
function bindName(name: string): Server | undefined {
  const server = createServer((socket) => socket.end(`${JSON.stringify({ pid: process.pid })}\n`));
  server.on('error', () => {}); // EADDRINUSE, reported a tick later: already handled below
  server.listen(name);
  if (!server.listening) {
    server.close();
    return undefined;
  }
  server.unref(); // holding the lock never keeps a process alive
  return server;
}

/** Where /proc/net/unix cannot be read: bind the name for an instant to see whether it is free. */
function probe(name: string): boolean {
  const server = bindName(name);
  server?.close();
  return server !== undefined;
}

/** The inode of the listening socket bound to `name`; undefined when none; 'unknown' without /proc/net/unix. */
function listeningInode(name: string): number | undefined | 'unknown' {
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return 'unknown';
  }
  const shown = `@${name.slice(1)}`;
  for (const line of table.split('\n')) {
    if (!line.endsWith(shown)) continue;
    const fields = line.trim().split(/\s+/);
    if ((Number.parseInt(fields[3] ?? '0', 16) & SO_ACCEPTCON) !== 0) return Number(fields[6]);
  }
  return undefined;
}

function holdsSocket(pid: number, inode: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkOrEmpty(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`);
  } catch {
    return false;
  }
}

/** Scans /proc for the process holding the socket; undefined when it is hidden (another user's). */
function findHolder(inode: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && holdsSocket(pid, inode)) return pid;
  }
  return undefined;
}

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** owner.lock's content; undefined when it is missing or unreadable (it is information only). */
function readOwnerFile(folder: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(folder, LOCK_FILE), 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startedAt: parsed.startedAt ?? 0 } : undefined;
  } catch {
    return undefined;
  }
}
