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

interface Candidate {
  size: number;
  mtimeMs: number;
  checkAt: number;
}

const STAT_CONCURRENCY = 32;

export class SettleQueue {
  private readonly candidates = new Map<string, Candidate>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly settleMs: number,
    private readonly settled: (file: SettledFile) => void,
    private readonly refused: (relativePath: string, reason: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.candidates.size;
  }

  /** A file was added or changed: (re)start its settle period. */
  track(relativePath: string): void {
    if (this.closed) return;
    this.candidates.set(relativePath, { size: -1, mtimeMs: -1, checkAt: this.now() });
    this.arm();
  }

  /** A file was removed before it settled. */
  forget(relativePath: string): void {
    this.candidates.delete(relativePath);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.candidates.clear();
  }

  private arm(): void {
    if (this.timer || this.ticking || this.closed) return;
    let next = Infinity;
    for (const candidate of this.candidates.values()) if (candidate.checkAt < next) next = candidate.checkAt;
    if (next === Infinity) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, next - this.now()));
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.ticking = true;
    try {
      const now = this.now();
      const due = [...this.candidates].filter(([, candidate]) => candidate.checkAt <= now);
      for (let start = 0; start < due.length && !this.closed; start += STAT_CONCURRENCY) {
        await Promise.all(due.slice(start, start + STAT_CONCURRENCY).map(([path, candidate]) => this.look(path, candidate)));
      }
    } finally {
      this.ticking = false;
      this.arm();
    }
  }

  private async look(relativePath: string, candidate: Candidate): Promise<void> {
    const stats = await lstat(join(this.root, relativePath)).catch(() => undefined);
    if (this.candidates.get(relativePath) !== candidate) return; // tracked again meanwhile
    if (!stats) return void this.candidates.delete(relativePath); // gone before it settled
    if (!stats.isFile()) {
      this.candidates.delete(relativePath);
      return this.refused(relativePath, stats.isSymbolicLink() ? 'a symbolic link: not followed' : 'not a regular file');
    }
    if (stats.size === candidate.size && stats.mtimeMs === candidate.mtimeMs) {
      this.candidates.delete(relativePath);
      return this.settled({ relativePath, size: stats.size, mtimeMs: stats.mtimeMs });
    }
    this.candidates.set(relativePath, { size: stats.size, mtimeMs: stats.mtimeMs, checkAt: this.now() + this.settleMs });
  }
}
