/**
 * One owner per store across processes (RELIABILITY.md, I3): a second owner is
 * refused with STORE_LOCKED naming the owner's pid, read-only access works
 * beside the owner, and the lock of a SIGKILLed owner is taken over.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, StoreLockedError } from '../../src/index.js';
import { counter } from '../fixtures/machines.js';
import { startWorkload, waitForOutput, type Workload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const started: Workload[] = [];
afterEach(async () => {
  for (const workload of started.splice(0)) {
    if (workload.child.exitCode === null && workload.child.signalCode === null) workload.child.kill('SIGKILL');
    await workload.exited;
  }
});

function hold(store: string): Workload {
  const workload = startWorkload('hold-store', [store]);
  started.push(workload);
  return workload;
}

describe('crash: the store lock across processes', () => {
  it('refuses a second owner with STORE_LOCKED naming the pid, serves read-only beside the owner, and is taken over after a SIGKILL', async () => {
    const store = join(tempFolder('holdfast-lock-'), 'store');
    const owner = hold(store);
    expect(await waitForOutput(owner, 'READY', 30_000), owner.output()).toBe(true);
    const ownerPid = owner.child.pid!;
    expect(JSON.parse(readFileSync(join(store, 'owner.lock'), 'utf8'))).toMatchObject({ pid: ownerPid });

    // A second process is refused, told who owns the store.
    const second = hold(store);
    const refused = await second.exited;
    expect(refused.code).toBe(3);
    expect(second.output()).toContain(`REFUSED STORE_LOCKED ${ownerPid}`);
    expect(second.output()).toContain(`in use by pid ${ownerPid}`);

    // So is this process, as an owner...
    let lockError: unknown;
    try {
      openLmdbStore(store);
    } catch (error) {
      lockError = error;
    }
    expect(lockError).toBeInstanceOf(StoreLockedError);
    expect(lockError).toMatchObject({ code: 'STORE_LOCKED', ownerPid, message: expect.stringContaining(String(ownerPid)) });
    await expect(createRuntime({ store, machines: [counter] })).rejects.toMatchObject({ code: 'STORE_LOCKED', ownerPid });

    // ...but it may read beside the owner.
    const reader = openLmdbStore(store, { readOnly: true });
    try {
      expect(reader.getActor('held' as never)).toMatchObject({ machine: 'counter', snapshot: { context: { count: 1 } } });
      expect([...reader.queryActors({ machine: 'counter' })].map((r) => r.id)).toEqual(['held']);
      await expect(reader.commit([], 'flush')).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    } finally {
      await reader.close();
    }
    expect(JSON.parse(readFileSync(join(store, 'owner.lock'), 'utf8'))).toMatchObject({ pid: ownerPid });

    // The owner dies without releasing its lock; the next owner takes it over.
    owner.child.kill('SIGKILL');
    expect((await owner.exited).signal).toBe('SIGKILL');
    expect(existsSync(join(store, 'owner.lock'))).toBe(true);
    const successor = hold(store);
    expect(await waitForOutput(successor, 'READY', 30_000), successor.output()).toBe(true);
    expect(JSON.parse(readFileSync(join(store, 'owner.lock'), 'utf8'))).toMatchObject({ pid: successor.child.pid });
    const reread = openLmdbStore(store, { readOnly: true });
    try {
      expect((reread.getActor('held' as never)?.snapshot?.context as { count: number }).count).toBe(2);
    } finally {
      await reread.close();
    }
    successor.child.kill('SIGKILL');
    await successor.exited;

    // With no live owner left, this process takes the store itself.
    const runtime = await createRuntime({ store, machines: [counter] });
    await runtime.send('held', { type: 'increment' });
    expect(((await runtime.get('held'))?.snapshot?.context as { count: number }).count).toBe(3);
    await runtime.close();
    expect(existsSync(join(store, 'owner.lock'))).toBe(false);
  });
});
