/**
 * A memory budget for one child process: a Linux memory cgroup (v2 or v1)
 * whose limit counts what the kernel charges the process, its own memory and
 * the page cache it fills (the store's pages), and which reclaims clean cache
 * when the limit is reached. RSS alone cannot say how much memory a process
 * needs when it maps a file: mapped pages stay resident until memory is short.
 * A run that completes inside the budget, and its speed there, can.
 * Needs a writable cgroup file system (root, or a delegated subtree); otherwise
 * the budget is skipped with the reason.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryBudget {
  limitMb: number;
  /** A shell command line that enters the cgroup, then execs the command: nothing runs outside it. */
  command(argv: string[]): string[];
  /** The highest memory the cgroup was charged, in MB; undefined where the kernel keeps no peak. */
  peakMb(): number | undefined;
  remove(): void;
}

const MB = 1024 * 1024;

/** A cgroup limited to `limitMb`, or the reason none can be made here. */
export function createMemoryBudget(limitMb: number, name = `holdfast-bench-${process.pid}`): MemoryBudget | { skipped: string } {
  const v2 = '/sys/fs/cgroup';
  const v1 = '/sys/fs/cgroup/memory';
  try {
    if (existsSync(join(v2, 'cgroup.controllers')) && readFileSync(join(v2, 'cgroup.controllers'), 'utf8').includes('memory')) {
      return make(join(v2, name), 'memory.max', 'memory.peak', limitMb);
    }
    if (existsSync(join(v1, 'memory.limit_in_bytes'))) return make(join(v1, name), 'memory.limit_in_bytes', 'memory.max_usage_in_bytes', limitMb);
    return { skipped: 'no memory cgroup on this machine' };
  } catch (error) {
    return { skipped: `no writable memory cgroup: ${(error as Error).message}` };
  }
}

function make(folder: string, limitFile: string, peakFile: string, limitMb: number): MemoryBudget {
  mkdirSync(folder);
  try {
    writeFileSync(join(folder, limitFile), String(limitMb * MB));
  } catch (error) {
    rmdirSync(folder);
    throw error;
  }
  const procs = join(folder, 'cgroup.procs');
  return {
    limitMb,
    command: (argv) => ['sh', '-c', `echo $$ > '${procs}' && exec "$@"`, 'sh', ...argv],
    peakMb() {
      try {
        return Number(readFileSync(join(folder, peakFile), 'utf8')) / MB;
      } catch {
        return undefined;
      }
    },
    remove() {
      try {
        rmdirSync(folder); // only once its processes have exited
      } catch {
        // left for the kernel to keep; an empty cgroup costs nothing
      }
    },
  };
}
