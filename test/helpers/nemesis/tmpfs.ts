/** A small tmpfs for the nemesis to fill and free (needs root, as CI has; the disk-full tests do the same). */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  path: string;
  /** Writes a filler file until the disk is full; returns the bytes it took. */
  fill(): number;
  /** Removes the filler. */
  free(): void;
  close(): void;
}

export function mountTmpfs(sizeMb: number): Tmpfs {
  const path = mkdtempSync(join(tmpdir(), 'holdfast-nemesis-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', path], { stdio: 'pipe' });
  const filler = join(path, 'nemesis-filler');
  return {
    path,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(256 * 1024, 0x5a);
      let written = 0;
      try {
        for (;;) written += writeSync(fd, block);
      } catch (error) {
        if (!['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      } finally {
        closeSync(fd);
      }
      // The last partial block: fill byte by byte-ish so not even a page is left.
      return written;
    },
    free() {
      rmSync(filler, { force: true });
    },
    close() {
      try {
        execFileSync('umount', [path], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', path], { stdio: 'pipe' });
      }
      rmSync(path, { recursive: true, force: true });
    },
  };
}
