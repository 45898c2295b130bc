/**
 * Runs one child process for a process job: its own process group (spawned
 * `detached`, killed as `-pid`), stdin fed and closed, stdout and stderr each
 * kept up to a byte limit (the rest is drained and dropped, marked truncated),
 * SIGKILL to the whole group at the timeout or when the signal aborts.
 * Never rejects for the child's own failure: the caller reads the exit status.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

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
  /**
   * Told the group's pid once the child is spawned, and again (`exited`) when its group is gone: the
   * orphan registry. The command itself starts only once `started`'s promise settles (see HELD_START).
   */
  onGroup?: ((pid: number, phase: 'started' | 'exited') => void | Promise<void>) | undefined;
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

/**
 * A child whose group is registered waits for its registration before its command runs: a shell
 * (the group's leader, so the group is registered under its pid) reads one line from fd 3, then
 * execs the command in its place (same pid, same group). An owner SIGKILLed between the spawn and
 * the registration's commit closes fd 3 unwritten: `read` ends at EOF and the shell exits without
 * running the command, so no unregistered orphan runs (the crash test of process jobs found one
 * that did). A registration that fails still lets the command run, as before.
 */
const HELD_START = 'read -r _ <&3 && exec "$0" "$@" 3<&-';

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
    const held = options.onGroup !== undefined;
    const [command, args] = held ? ['/bin/sh', ['-c', HELD_START, options.command, ...options.args]] : [options.command, options.args];
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: held ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    if (child.pid !== undefined && options.onGroup) {
      const go = child.stdio[3] as Writable | null;
      go?.on('error', () => {}); // a child killed while it waits: nothing to tell it
      void Promise.resolve(options.onGroup(child.pid, 'started'))
        .catch(() => {})
        .then(() => go?.end('\n'));
    }
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
