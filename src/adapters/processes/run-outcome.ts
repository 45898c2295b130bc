/** What a runner hands back for one run of a process: the facts the job records. */
import type { ErrorJson, ExitStatus, ProcessOutputJson } from '../../machines/process-job.types.js';

export interface RunOutcome {
  status: 'succeeded' | 'failed';
  startedAt: number;
  endedAt: number;
  exit?: ExitStatus;
  protections?: Record<string, unknown>;
  output?: ProcessOutputJson;
  error?: ErrorJson;
}

/** The streams of a child as a job's output. */
export function streamsOutput(child: { stdout: string; stderr: string; stdoutTruncated: boolean; stderrTruncated: boolean }): ProcessOutputJson {
  return { stdout: child.stdout, stderr: child.stderr, stdoutTruncated: child.stdoutTruncated, stderrTruncated: child.stderrTruncated };
}

/** The last bytes of a child's stderr, for an error message. */
export function tail(text: string, max = 500): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `...${trimmed.slice(-max)}` : trimmed;
}

/** Where runners register the process groups they start (orphan-groups.ts). */
export interface GroupRegistry {
  /**
   * `jobId`: the process job the group runs for, so a group a killed owner left names its job.
   * The group's command starts once the promise settles (the registration is stored), if one is returned.
   */
  started(pid: number, command: string, jobId?: string): void | Promise<void>;
  exited(pid: number): void;
}

/** The `onGroup` callback of runChild for a registry. */
export function trackGroups(groups: GroupRegistry | undefined, command: string): ((pid: number, phase: 'started' | 'exited') => void | Promise<void>) | undefined {
  return groups && ((pid, phase) => (phase === 'started' ? groups.started(pid, command) : groups.exited(pid)));
}
