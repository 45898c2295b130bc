/**
 * A process job's own records, written through the effect context's records
 * (the runtime commits them): start marks and registered child process groups.
 * Keys: `processStarts` [jobId, run] -> { at }; `processGroups` pid -> GroupRecord.
 */
import { PROCESS_GROUPS, PROCESS_STARTS } from '../../machines/process-job.types.js';
import type { EffectRecords } from '../../runtime/effect-runner.js';
import { killOrphanGroup, type GroupRecord } from '../processes/orphan-groups.js';
import type { GroupRegistry } from '../processes/run-outcome.js';
import type { StartMarks } from './process-effects.js';

/** Start marks in `processStarts`, flushed: a mark is durable before its process starts. */
export function recordedStartMarks(records: EffectRecords): StartMarks {
  return {
    has: async (key) => (await records.get(PROCESS_STARTS, key)) !== undefined,
    put: (key, value) => records.write([{ op: 'putRecord', collection: PROCESS_STARTS, key, value }], 'flush'),
  };
}

/**
 * Child groups kept in `processGroups` records (committed, not flushed: a
 * registration lost to power loss only leaves an orphan that power loss killed anyway).
 */
export function recordedGroups(records: EffectRecords): GroupRegistry & { reapOrphans(): Promise<void> } {
  // Resolves once the write is committed, or has failed: a failed registration must not fail the
  // job (the group is still killed at its end by this process).
  const write = (pid: number, value: GroupRecord | null): Promise<void> => {
    const change = value ? { op: 'putRecord' as const, collection: PROCESS_GROUPS, key: pid, value } : { op: 'deleteRecord' as const, collection: PROCESS_GROUPS, key: pid };
    return records.write([change], 'commit').catch(() => {});
  };
  return {
    // The group's command waits for this commit (child-process.ts): a killed owner leaves no unregistered orphan.
    started: (pid, command, jobId = '') => write(pid, { pid, command, jobId }),
    exited: (pid) => void write(pid, null),
    async reapOrphans() {
      // Read whole first: the writes below land in the collection being read.
      const groups: GroupRecord[] = [];
      for await (const { value } of records.iterate<GroupRecord>(PROCESS_GROUPS)) groups.push(value);
      for (const value of groups) {
        killOrphanGroup(value);
        void write(value.pid, null);
      }
    },
  };
}
