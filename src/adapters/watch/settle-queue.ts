/**
 * Takes a file only once it has stopped changing: its size and mtime equal at
 * two looks `settleMs` apart. chokidar's own `awaitWriteFinish` can report a
 * file still being written after a pause (RELIABILITY.md), and a file
 * preallocated to its final size changes only its mtime, so both are compared.
 * One timer and bounded stat concurrency serve any number of files: a storm of
 * 10,000 new files is 10,000 map entries, not 10,000 timers.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';

export interface SettledFile {
  relativePath: string;
  size: number;
  mtimeMs: number;
}

/** What the queue tells its owner about each path it looked at. */
export interface SettleHandlers {
  /** A regular file that stopped changing. */
  settled(file: SettledFile): void;
  /** Not a regular file (a link, FIFO, socket, device...): never read. */
  refused(relativePath: string, reason: string): void;
  /** A real folder (not a link to one); without this handler folders are refused. */
  directory?(relativePath: string): void;
  /** Gone before it settled. */
  vanished?(relativePath: string): void;
}

interface Candidate {
  size: number;
  mtimeMs: number;
  checkAt: number;
}

const STAT_CONCURRENCY = 32;

export class SettleQueue {
  private readonly candidates = new Map<string, Candidate>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private ticking = false;
  private closed = false;
  private readonly roomWaiters: { below: number; resolve: () => void }[] = [];

  constructor(
    private readonly root: string,
    private readonly settleMs: number,
    private readonly handlers: SettleHandlers,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.candidates.size;
  }

  /**
   * A path was added or changed: look at it now, then until it is stable for
   * `settleMs`. A path already waiting keeps its place: its next look compares
   * size and mtime with the last one, so the change is seen without resetting.
   */
  track(relativePath: string): void {
    if (this.closed || this.candidates.has(relativePath)) return;
    const now = this.now();
    this.candidates.set(relativePath, { size: -1, mtimeMs: -1, checkAt: now });
    this.arm(now);
  }

  /** A file was removed before it settled. */
  forget(relativePath: string): void {
    this.candidates.delete(relativePath);
    this.wakeRoomWaiters();
  }

  /** Resolves once fewer than `below` paths wait (a folder scan waits here, so a huge folder is not all in memory at once). */
  room(below: number): Promise<void> {
    if (this.closed || this.candidates.size < below) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ below, resolve }));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.candidates.clear();
    this.wakeRoomWaiters();
  }

  /** Makes sure a tick runs no later than `at`. */
  private arm(at: number): void {
    if (this.ticking || this.closed || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, at - this.now()));
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.ticking = true;
    try {
      const now = this.now();
      const due: [string, Candidate][] = [];
      for (const entry of this.candidates) if (entry[1].checkAt <= now) due.push(entry);
      for (let start = 0; start < due.length && !this.closed; start += STAT_CONCURRENCY) {
        await Promise.all(due.slice(start, start + STAT_CONCURRENCY).map(([path, candidate]) => this.look(path, candidate)));
      }
    } finally {
      this.ticking = false;
      this.wakeRoomWaiters();
      let next = Infinity;
      for (const candidate of this.candidates.values()) if (candidate.checkAt < next) next = candidate.checkAt;
      if (next !== Infinity) this.arm(next);
    }
  }

  private async look(relativePath: string, candidate: Candidate): Promise<void> {
    const stats = await lstat(join(this.root, relativePath)).catch(() => undefined);
    if (this.closed || this.candidates.get(relativePath) !== candidate) return; // forgotten meanwhile
    if (!stats) {
      this.candidates.delete(relativePath);
      return this.handlers.vanished?.(relativePath);
    }
    if (stats.isDirectory() && this.handlers.directory) {
      this.candidates.delete(relativePath);
      return this.handlers.directory(relativePath);
    }
    if (!stats.isFile()) {
      this.candidates.delete(relativePath);
      return this.handlers.refused(relativePath, stats.isSymbolicLink() ? 'a symbolic link: not followed' : 'not a regular file');
    }
    if (stats.size === candidate.size && stats.mtimeMs === candidate.mtimeMs) {
      this.candidates.delete(relativePath);
      return this.handlers.settled({ relativePath, size: stats.size, mtimeMs: stats.mtimeMs });
    }
    this.candidates.set(relativePath, { size: stats.size, mtimeMs: stats.mtimeMs, checkAt: this.now() + this.settleMs });
  }

  private wakeRoomWaiters(): void {
    for (let i = this.roomWaiters.length - 1; i >= 0; i--) {
      const waiter = this.roomWaiters[i]!;
      if (this.closed || this.candidates.size < waiter.below) {
        this.roomWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}
