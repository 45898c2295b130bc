/**
 * Small tmpfs mounts for full-disk tests (RELIABILITY.md, "Disk full"). Needs
 * `mount` (root, as here and in CI); without it the mount reports why, and
 * the test skips with that reason rather than passing silently.
 */
import { execFileSync } from 'node:child_process';

export interface Tmpfs {
  /** False when this run may not mount: `skipReason` says why. */
  mounted: boolean;
  skipReason: string;
  /** Grows (or shrinks) the mounted tmpfs, keeping its files: space returns. */
  resize(size: string): void;
  /** Unmounts (lazily if busy); safe to call twice. */
  unmount(): void;
}

/** Mounts a tmpfs of `size` (`6m`) on the existing folder `at`. */
export function mountTmpfs(at: string, size: string): Tmpfs {
  let mounted = false;
  let skipReason = '';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    if (!/EPERM|permission denied|Operation not permitted|must be superuser/i.test(`${stderr} ${(error as Error).message}`)) throw error;
    skipReason = `cannot mount a tmpfs here (${stderr.trim() || (error as Error).message}): run as root to test a full disk`;
    console.warn(`[tmpfs] SKIPPED: ${skipReason}`);
  }
  return {
    get mounted() {
      return mounted;
    },
    skipReason,
    resize: (newSize) => void execFileSync('mount', ['-o', `remount,size=${newSize}`, at], { stdio: 'pipe' }),
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', [at], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', at], { stdio: 'pipe' });
      }
    },
  };
}
