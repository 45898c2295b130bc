/** Fills a file system to the last block with one filler file, and frees it again: a disk full from outside. */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface Filler {
  /** Writes until the disk is full; returns the bytes it took. */
  fill(): number;
  free(): void;
}

export function diskFiller(folder: string): Filler {
  const path = join(folder, 'nemesis-filler');
  return {
    fill() {
      const fd = openSync(path, 'a');
      let written = 0;
      try {
        // Large blocks, then small ones, so not even a page is left.
        for (const size of [1 << 20, 4096, 1]) {
          const block = Buffer.alloc(size, 0x5a);
          try {
            for (;;) written += writeSync(fd, block);
          } catch (error) {
            if (!['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free: () => rmSync(path, { force: true }),
  };
}
