/**
 * The CLI's full-disk notices (issue 16): one line per episode, whatever the
 * number of failed writes or waiting files; an episode of a files dir lasts
 * until every file that waited there is copied, not until any copy succeeds.
 */
import { describe, expect, it } from 'vitest';
import { reportStorageNotices } from '../../../src/cli/storage-notices.js';
import type { RuntimeEvent, RuntimeListener } from '../../../src/runtime/runtime-events.js';
import type { Runtime } from '../../../src/runtime/runtime.js';

const FOLDER = '/files/10.5072/FK2/X';

/** Lets the notices' queued event handling (reads are awaited, in event order) catch up. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A runtime with just what the notices read: events, a datafile's context, the store's path. */
function fakeRuntime() {
  const listeners = new Set<RuntimeListener>();
  const runtime = {
    location: '/store',
    subscribe: (listener: RuntimeListener) => (listeners.add(listener), () => void listeners.delete(listener)),
    listedActor: async (id: string) => ({ snapshot: { context: { targetDir: FOLDER, problem: { code: 'STORAGE_FULL', reason: `files dir ${FOLDER}: no space left (12 KiB free) to copy /src/${id} (400000 bytes)` } } } }),
  } as unknown as Runtime;
  const emit = (event: Partial<RuntimeEvent> & { type: RuntimeEvent['type'] }) => {
    for (const listener of listeners) listener({ at: 0, ...event } as RuntimeEvent);
  };
  const step = (id: string, to: string) => emit({ type: 'actor.stepped', id: id as never, machine: 'datafile', event: 'x', from: 'copying', to, status: 'active' });
  return { runtime, emit, step, listeners };
}

describe('storage notices', () => {
  it('says the store is full once per episode, and when space returns', async () => {
    const { runtime, emit } = fakeRuntime();
    const lines: string[] = [];
    reportStorageNotices(runtime, (line) => lines.push(line));
    const full = { type: 'runtime.storageFull' as const, error: { code: 'STORAGE_FULL' as const, message: '[STORAGE_FULL] store /store: no space left (0 bytes free); work waits and carries on when space returns' } };
    emit(full);
    emit(full);
    emit(full);
    emit({ type: 'runtime.storageRecovered' });
    emit(full);
    await settle();
    expect(lines).toEqual([
      '[STORAGE_FULL] store /store: no space left (0 bytes free); work waits and carries on when space returns',
      'store /store: space returned; the work carries on',
      '[STORAGE_FULL] store /store: no space left (0 bytes free); work waits and carries on when space returns',
    ]);
  });

  it('says a files dir is full once while its files wait and retry, even as smaller files fit', async () => {
    const { runtime, step } = fakeRuntime();
    const lines: string[] = [];
    reportStorageNotices(runtime, (line) => lines.push(line));
    step('load/a', 'waitingForSpace');
    step('load/b', 'waitingForSpace');
    step('load/small', 'stored'); // a file that fit: the big ones still wait
    step('load/a', 'copying');
    step('load/a', 'waitingForSpace');
    step('load/a', 'copying');
    step('load/a', 'stored');
    await settle();
    expect(lines).toEqual([`[STORAGE_FULL] files dir ${FOLDER}: no space left (12 KiB free); files wait and are copied when space returns`]);
    step('load/b', 'copying');
    step('load/b', 'stored');
    await settle();
    expect(lines.at(-1)).toBe(`files dir ${FOLDER}: space returned; the files that waited are copied`);
    step('load/c', 'waitingForSpace');
    await settle();
    expect(lines).toHaveLength(3);
  });

  it('stops listening when unsubscribed', async () => {
    const { runtime, listeners } = fakeRuntime();
    const stop = reportStorageNotices(runtime, () => {});
    expect(listeners.size).toBe(1);
    stop();
    expect(listeners.size).toBe(0);
  });
});
