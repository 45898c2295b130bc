/**
 * The owner lock is the kernel's (issue 16, item 1; RELIABILITY.md I3): no file
 * deleted or replaced in the store folder lets a second owner in while the first
 * lives, and the owner's death frees the lock at once.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { livingOwner, otherOwner } from '../../src/cli/owner-routing.js';
import { createRuntime, openLmdbStore } from '../../src/index.js';
import { runCli } from '../helpers/dataload.js';
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

function start(name: string, store: string): Workload {
  const workload = startWorkload(name, [store]);
  started.push(workload);
  return workload;
}

/** Starts a second `hold-store` and resolves with what it printed once it was refused, or became a second owner. */
async function secondOwner(store: string): Promise<string> {
  const second = start('hold-store', store);
  await expect.poll(() => second.output(), { timeout: 30_000 }).toMatch(/REFUSED|READY/);
  return second.output();
}

/** LMDB's own files; everything else in the folder is holdfast's. */
const LMDB_FILES = new Set(['data.mdb', 'data.mdb-lock']);

describe('crash: the kernel holds the owner lock', () => {
  it('refuses a second owner after owner.lock was deleted, or replaced with a lie, under a live owner', async () => {
    const store = join(tempFolder('holdfast-kernel-lock-'), 'store');
    const owner = start('hold-store', store);
    expect(await waitForOutput(owner, 'READY', 30_000), owner.output()).toBe(true);
    const ownerPid = owner.child.pid!;

    rmSync(join(store, 'owner.lock'));
    expect(await secondOwner(store)).toContain(`REFUSED STORE_LOCKED ${ownerPid}`);
    expect(() => openLmdbStore(store)).toThrow(`in use by pid ${ownerPid}`);

    // A lock file naming someone else (here a pid that holds nothing) is not believed either.
    writeFileSync(join(store, 'owner.lock'), JSON.stringify({ pid: process.pid, startedAt: 1 }));
    await expect(createRuntime({ store, machines: [counter] })).rejects.toMatchObject({ code: 'STORE_LOCKED', ownerPid });
    expect(livingOwner(store)).toBe(ownerPid);
  });

  it('refuses a second owner, and hands no command to nobody, after every file beside LMDB\'s own was deleted', async () => {
    const store = join(tempFolder('holdfast-kernel-lock-'), 'store');
    const owner = start('owner', store);
    expect(await waitForOutput(owner, 'READY', 30_000), owner.output()).toBe(true);
    const ownerPid = owner.child.pid!;
    expect(readdirSync(store).sort()).toEqual(['data.mdb', 'data.mdb-lock', 'owner.lock', 'owner.sock']);
    for (const name of readdirSync(store)) if (!LMDB_FILES.has(name)) rmSync(join(store, name), { recursive: true });

    expect(await secondOwner(store)).toContain(`REFUSED STORE_LOCKED ${ownerPid}`);
    await expect(createRuntime({ store, machines: [counter] })).rejects.toMatchObject({ code: 'STORE_LOCKED', ownerPid });

    // A writing command can neither reach the owner (its socket is gone) nor take the store.
    const added = await runCli(['user', 'add', 'ada', '--store', store]);
    expect(added.code).toBe(1);
    expect(added.stderr).toContain(`[STORE_LOCKED] store ${store} is in use by pid ${ownerPid}`);
    expect(added.stderr).toContain('owner.sock was deleted');
    // Read-only commands still read beside it.
    expect((await runCli(['jobs', '--store', store])).code).toBe(0);
    expect(owner.child.exitCode).toBeNull();
  });

  it('frees the lock the instant its owner is SIGKILLed: the next owner takes it at the first try, even once its pid is reused', async () => {
    const store = join(tempFolder('holdfast-kernel-lock-'), 'store');
    const owner = start('hold-store', store);
    expect(await waitForOutput(owner, 'READY', 30_000), owner.output()).toBe(true);
    expect(() => openLmdbStore(store)).toThrow(/STORE_LOCKED/);

    owner.child.kill('SIGKILL');
    expect((await owner.exited).signal).toBe('SIGKILL');
    expect(existsSync(join(store, 'owner.lock'))).toBe(true); // left behind; it is information only
    // The dead owner's pid now belongs to a live process (after a container restart pids start over): here, this one.
    writeFileSync(join(store, 'owner.lock'), JSON.stringify({ pid: process.pid, startedAt: 1 }));
    const before = performance.now();
    const successor = openLmdbStore(store); // no retry, no wait
    const takeoverMs = performance.now() - before;
    console.log(`takeover after SIGKILL: ${takeoverMs.toFixed(1)} ms (opening the store included)`);
    try {
      expect(successor.getActor('held' as never)).toMatchObject({ machine: 'counter' });
      expect(otherOwner(store)).toBeUndefined(); // this process is the owner now
    } finally {
      await successor.close();
    }
    expect(existsSync(join(store, 'owner.lock'))).toBe(false);
  });
});
