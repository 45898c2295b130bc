/**
 * Runs one child process for a process job: its own process group (spawned
 * `detached`, killed as `-pid`), stdin fed and closed, stdout and stderr each
 * kept up to a byte limit (the rest is drained and dropped, marked truncated),
 * SIGKILL to the whole group at the timeout or when the signal aborts.
 * Never rejects for the child's own failure: the caller reads the exit status.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ChildOptions {
  command: string;
  args: readonly string[];
  /** The whole environment the child gets (nothing is inherited). */
  env: Record<string, string>;
  cwd: string;
  stdin: string;
  timeoutMs: number;
  maxOutputBytes: number;
  signal: AbortSignal;
  uid?: number;
  gid?: number;
  /** Told the group's pid once the child runs, and again (`exited`) when its group is gone: the orphan registry. */
  onGroup?: ((pid: number, phase: 'started' | 'exited') => void) | undefined;
}

export interface ChildResult {
  exit: { code: number | null; signal: string | null };
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  /** Aborted by the signal (cancel, runtime close). */
  aborted: boolean;
  /** Set when the child could not be started at all (ENOENT, EACCES). */
  spawnError?: string;
  startedAt: number;
  endedAt: number;
}

/** Collects a stream up to `limit` bytes; the rest is read and dropped, so the child never blocks on a full pipe. */
function capture(stream: Readable, limit: number): () => { text: string; truncated: boolean } {
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  stream.on('data', (chunk: Buffer) => {
    if (kept >= limit) {
      truncated = true;
      return;
    }
    const room = limit - kept;
    if (chunk.length > room) truncated = true;
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
    chunks.push(piece);
    kept += piece.length;
  });
  return () => ({ text: Buffer.concat(chunks).toString('utf8'), truncated });
}

/** Kills the child's whole process group; a group already gone is fine. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group has exited already.
  }
}

export function runChild(options: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    let timedOut = false;
    let aborted = false;
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    if (child.pid !== undefined) options.onGroup?.(child.pid, 'started');
    const stdout = capture(child.stdout, options.maxOutputBytes);
    const stderr = capture(child.stderr, options.maxOutputBytes);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killGroup(child.pid);
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    // A child that exits without reading its stdin makes the write fail with EPIPE: not our failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin);
    let spawnError: string | undefined;
    child.on('error', (error) => {
      spawnError = error.message;
    });
    // Grandchildren holding the pipes open would delay 'close' until the timeout: the group goes with its leader.
    child.on('exit', () => killGroup(child.pid));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) options.onGroup?.(child.pid, 'exited');
      const out = stdout();
      const err = stderr();
      resolve({
        exit: { code, signal },
        stdout: out.text,
        stderr: err.text,
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        timedOut,
        aborted,
        ...(spawnError !== undefined ? { spawnError } : {}),
        startedAt,
        endedAt: Date.now(),
      });
    });
  });
}
