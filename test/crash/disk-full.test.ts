/**
 * Disk full on a small tmpfs (RELIABILITY.md): the process does not die, the
 * runtime publishes runtime.storageFull, nothing acknowledged is lost, and
 * the work resumes and completes once space returns. Needs `mount` (root).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/index.js';
import { verifyStore } from '../../src/testing/index.js';
import { startWorkload, waitForOutput, type Workload } from '../helpers/processes.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

const COUNT = 300;
/** 16 KB per counter: a 2 MB tmpfs fills after about a hundred. */
const PAYLOAD = 16_000;

let mountPoint = '';
let tmpfs: Tmpfs;
let workload: Workload | undefined;

beforeAll(() => {
  mountPoint = mkdtempSync(join(tmpdir(), 'holdfast-diskfull-'));
  tmpfs = mountTmpfs(mountPoint, '2m');
});

afterAll(async () => {
  if (workload && workload.child.exitCode === null && workload.child.signalCode === null) {
    workload.child.kill('SIGKILL');
    await workload.exited;
  }
  tmpfs.unmount();
  rmSync(mountPoint, { recursive: true, force: true });
});

const acknowledged = (output: string) => output.split('\n').filter((line) => line.startsWith('ACK ')).map((line) => line.slice(4));

describe('crash: disk full on a small tmpfs', () => {
  it('keeps the process alive, reports STORAGE_FULL, loses nothing acknowledged, and completes once space returns', async (context) => {
    if (!tmpfs.mounted) return context.skip(tmpfs.skipReason);
    const store = join(mountPoint, 'store');
    mkdirSync(store);
    workload = startWorkload('disk-filler', [store, String(COUNT), String(PAYLOAD), '4']);
    expect(await waitForOutput(workload, 'FULL', 30_000), `never filled the disk\n${workload.output()}`).toBe(true);
    expect(workload.output()).toContain('FULL STORAGE_FULL');
    // Stay full until a retry has failed as well: the process survives repeated failed commits.
    const fullReports = () => workload!.output().split('\n').filter((line) => line.startsWith('FULL ')).length;
    const firstReports = fullReports();
    const deadline = Date.now() + 20_000;
    while (fullReports() === firstReports && Date.now() < deadline && workload.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fullReports(), 'no retry was reported while the disk stayed full').toBeGreaterThan(firstReports);
    expect(workload.child.exitCode, 'the process died on the full disk').toBeNull();
    expect(workload.child.signalCode).toBeNull();
    const beforeSpace = acknowledged(workload.output());
    expect(beforeSpace.length).toBeGreaterThan(10);
    expect(beforeSpace.length).toBeLessThan(COUNT);
    expect(workload.output()).not.toContain('DONE');

    tmpfs.resize('64m');
    expect(await waitForOutput(workload, 'DONE', 45_000), `did not resume after space returned\n${workload.output()}`).toBe(true);
    expect((await workload.exited).code).toBe(0);
    expect(workload.output()).toContain('RECOVERED');
    // lmdb-js prints each failed commit's error itself; the guard keeps those raw stacks off stderr (issue 16).
    expect(workload.errors()).not.toContain('lmdb/write.js');
    expect(new Set(acknowledged(workload.output())).size).toBe(COUNT);

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      for (const id of beforeSpace) {
        const payload = (readOnly.getActor(id as never)?.snapshot?.context as { payload?: string } | undefined)?.payload;
        expect(payload?.startsWith(`${id}:`), `${id}, acknowledged before the disk filled, kept its payload`).toBe(true);
        expect(payload).toHaveLength(id.length + 1 + PAYLOAD);
      }
      expect([...readOnly.queryActors({ machine: 'counter' })]).toHaveLength(COUNT);
      const report = await verifyStore(readOnly);
      expect(report.violations).toEqual([]);
      expect(report.byStatus.parked).toBe(0);
    } finally {
      await readOnly.close();
    }
  });
});
