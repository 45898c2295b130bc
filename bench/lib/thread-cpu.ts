/**
 * CPU time of this process's main thread alone (Linux: /proc/self/task/PID/stat),
 * beside `process.cpuUsage()`, which adds lmdb-js's write thread and V8's helpers.
 * Whether the main thread is the bottleneck shows as its CPU time near the wall time.
 */
import { readFileSync } from 'node:fs';

/** Microseconds of CPU the main thread used so far, or undefined where /proc is not there. */
export function mainThreadCpuUs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS_PER_SEC : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux Node supports. */
const CLOCK_TICKS_PER_SEC = 100;
