/**
 * A job found mid-run when its store is opened again (here after a close that
 * cut the run short; test/crash/process-jobs.test.ts does it with SIGKILL):
 * idempotent ones run again, the others wait `interrupted` for a person to
 * re-run or dismiss them.
 */
import { describe, expect, it } from 'vitest';
import { tempFolder } from '../../helpers/temp-store.js';
import { ada, bob, openFixture } from './job-server-fixture.js';

describe('interrupted process jobs', () => {
  it('runs idempotent jobs again, marks the others interrupted, and lets the owner re-run or dismiss them', async () => {
    const folder = tempFolder('holdfast-interrupted-');
    const runs: string[] = [];
    let hang = true;
    const functions = {
      work: async (_data: unknown, parameters: Record<string, unknown>, { signal }: { signal: AbortSignal }) => {
        runs.push(String(parameters.tag));
        if (hang) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return parameters.tag;
      },
    };
    const first = await openFixture({ functions }, folder, 0);
    const idempotent = await first.server.submit(ada, { process: { kind: 'function', name: 'work' }, idempotent: true, parameters: { tag: 'idem' } });
    const once = await first.server.submit(ada, { process: { kind: 'function', name: 'work' }, parameters: { tag: 'once' } });
    const other = await first.server.submit(ada, { process: { kind: 'function', name: 'work' }, parameters: { tag: 'other' } });
    for (const job of [idempotent, once, other]) await first.runtime.waitFor(job.id, (record) => record.state === 'running');
    while (runs.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await first.close();

    hang = false;
    const second = await openFixture({ functions }, folder);
    try {
      expect(await second.settled(idempotent.id)).toBe('succeeded');
      expect(await second.settled(once.id)).toBe('interrupted');
      expect(await second.settled(other.id)).toBe('interrupted');
      expect(runs.sort()).toEqual(['idem', 'idem', 'once', 'other']);
      const interrupted = (await second.server.get(ada, once.id));
      expect(interrupted.error?.message).toMatch(/not idempotent, so it was not run again/);
      expect((await second.server.list(ada, { state: 'interrupted' })).map((job) => job.id).sort()).toEqual([once.id, other.id].sort());

      await expect(second.server.rerun(bob, once.id)).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
      await second.server.rerun(ada, once.id);
      expect(await second.settled(once.id)).toBe('succeeded');
      expect((await second.server.output(ada, once.id))).toEqual({ value: 'once' });
      expect(runs.filter((tag) => tag === 'once')).toHaveLength(2);

      expect((await second.server.dismiss(ada, other.id)).state).toBe('dismissed');
      expect(runs.filter((tag) => tag === 'other')).toHaveLength(1);
      await expect(second.server.rerun(ada, other.id)).rejects.toMatchObject({ code: 'JOB_RUNNING' });
      expect(second.store.getRecord('processStarts', [once.id, 1])).toBeUndefined();
      expect([...second.store.scanRecords('processStarts')]).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
