/**
 * Child process groups left running by a killed owner (RELIABILITY.md I9).
 * A SIGKILLed holdfast cannot kill its children's groups, and Linux does not
 * do it for detached groups: each group is registered when it starts and
 * unregistered when it ends; the next owner kills every registered group
 * still alive before it starts a process of its own. A recorded pid is only
 * killed while it still leads its own group and runs the recorded command,
 * so a pid reused by an unrelated process is left alone.
 */
import { readFileSync } from 'node:fs';

export interface GroupRecord {
  pid: number;
  command: string;
  jobId: string;
}

/** Kills the recorded group if its leader is still the process recorded; true when one was killed. */
export function killOrphanGroup(record: GroupRecord): boolean {
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
  } catch {
    return false; // gone
  }
  // Fields after the command name in parentheses: state, ppid, pgrp.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  if (pgrp !== record.pid || !cmdline.split('\0').some((part) => part === record.command || part.endsWith(`/${record.command}`))) return false;
  try {
    process.kill(-record.pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
