/**
 * The datafile on a full files dir (issue 16), through XState's pure
 * transitions: a copy that fails for space waits and copies again after a
 * delay that doubles up to a cap, for as long as it takes; every other copy
 * failure still fails the file.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot, type EventObject } from 'xstate';
import { datafileMachine, SPACE_RETRY_FIRST_MS, SPACE_RETRY_MAX_MS, type DataFileContext } from '../../../src/machines/datafile.machine.js';

const input = { key: 'f1', relativePath: 'a/b.bin', source: '/src/a/b.bin', directoryLabel: 'a', fileName: 'b.bin', size: 3, mtimeMs: 1, batchId: 'load-1', dataset: 'doi:10.5072/FK2/X', targetDir: '/files/10.5072/FK2/X', registers: true };
const prepared = { type: 'xstate.done.actor.prepare', output: { storageIdentifier: '18f-abc', mimeType: 'application/octet-stream', md5: 'md5', size: 3 } };
const copyFailed = (code: string) => ({ type: 'xstate.error.actor.copy', error: { code, message: `files dir /files/10.5072/FK2/X: ${code} (0 bytes free)` } });
const retryDue = { type: 'xstate.after.spaceRetry.datafile.waitingForSpace' };
const copied = { type: 'xstate.done.actor.copy', output: { target: '/files/10.5072/FK2/X/18f-abc' } };

type Action = { type: string; params?: { delay?: number; id?: string; event?: { type: string } } };

/** Runs events from the start; returns the last snapshot and the delays each step scheduled. */
function run(events: EventObject[]): { snapshot: AnyMachineSnapshot; delays: (number | undefined)[] } {
  const [first] = initialTransition(datafileMachine, input as never);
  let snapshot = first as AnyMachineSnapshot;
  const delays: (number | undefined)[] = [];
  for (const event of events) {
    const [next, actions] = transition(datafileMachine, snapshot as never, event as never);
    snapshot = next as AnyMachineSnapshot;
    delays.push((actions as Action[]).find((a) => a.type === 'xstate.raise' && a.params?.event?.type === retryDue.type)?.params?.delay);
  }
  return { snapshot, delays };
}

describe('datafile on a full files dir', () => {
  it('waits for space with its STORAGE_FULL problem, then copies again when the stored delay is due', () => {
    const { snapshot, delays } = run([prepared, copyFailed('STORAGE_FULL')]);
    expect(snapshot.value).toBe('waitingForSpace');
    expect(snapshot.status).toBe('active');
    expect((snapshot.context as DataFileContext).problem).toMatchObject({ code: 'STORAGE_FULL', relativePath: 'a/b.bin' });
    expect(delays.at(-1)).toBe(SPACE_RETRY_FIRST_MS);
    expect(run([prepared, copyFailed('STORAGE_FULL'), retryDue]).snapshot.value).toBe('copying');
  });

  it('doubles the wait after each full copy up to the cap, and never gives up', () => {
    const events: EventObject[] = [prepared];
    for (let i = 0; i < 12; i++) events.push(copyFailed('STORAGE_FULL'), retryDue);
    const { snapshot, delays } = run(events);
    expect(snapshot.value).toBe('copying');
    const waits = delays.filter((delay) => delay !== undefined);
    expect(waits.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(waits.at(-1)).toBe(SPACE_RETRY_MAX_MS);
    expect(waits).toHaveLength(12);
    expect(waits.every((wait) => wait! <= SPACE_RETRY_MAX_MS)).toBe(true);
  });

  it('clears the problem and the count of waits once a copy succeeds', () => {
    const { snapshot } = run([prepared, copyFailed('STORAGE_FULL'), retryDue, copyFailed('STORAGE_FULL'), retryDue, copied]);
    expect(snapshot.value).toBe('copied');
    const context = snapshot.context as DataFileContext;
    expect(context.problem).toBeUndefined();
    expect(context.spaceWaits).toBeUndefined();
  });

  it('still fails the file for a copy failure that waiting cannot mend', () => {
    expect(run([prepared, copyFailed('CHECKSUM_MISMATCH')]).snapshot.value).toBe('failed');
    expect(run([prepared, copyFailed('SOURCE_MISSING')]).snapshot.value).toBe('skipped');
  });
});
