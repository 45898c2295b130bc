/**
 * `holdfast delete ID` of a batch job while `holdfast run ID --all` runs it
 * (issue 17, item 2): the run owns the store, so the delete goes through its
 * socket and is refused JOB_RUNNING (exit 1), nothing deleted. Once paused the
 * job goes, and both the run and a second `run` following it through the owner
 * end with exit 1 saying the job was deleted, never offering to resume it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { livingOwner } from '../../../src/cli/owner-routing.js';
import { exitWithin, holdfastChild as holdfast, killChildren } from '../../helpers/cli-child.js';
import { waitForOutput } from '../../helpers/processes.js';
import { cli, storeContents, workspace } from './batch-cli-helpers.js';

afterEach(killChildren);

describe('batch delete while a run runs it', () => {
  it('is refused JOB_RUNNING through the owner; after pause it goes and every follower ends exit 1', async () => {
    const w = workspace(150);
    const source = w.numbers('a.jsonl', Array.from({ length: 60 }, (_, n) => n));
    const created = (await cli(['job', 'create', 'double', '--source', `jsonl:${source}`, '--config', join(w.folder, 'config.json'), '--partition', 'size:2', ...w.flags, '--json'])).json as { id: string };
    const id = created.id;
    const store = ['--store', w.store];

    const runner = holdfast(['run', id, '--all', ...w.flags], w.folder);
    for (let tries = 0; livingOwner(w.store) === undefined && tries < 300; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(livingOwner(w.store), runner.output()).toBe(runner.child.pid);
        const follower = holdfast(['run', id, '--all', ...store], w.folder);
    expect(await waitForOutput(follower, 'following it here', 30_000), follower.output()).toBe(true);

    const refusedRun = await cli(['delete', id, ...store], 1);
    expect(refusedRun.stderr).toMatch(/JOB_RUNNING.*has a run in progress: pause it/);
    expect(storeContents(w.store).actors).toBeGreaterThan(1);
    expect((await cli(['job', id, ...store, '--json'])).json).toMatchObject({ id });

        await cli(['pause', id, ...store]);
    const deleted = await cli(['delete', id, ...store, '--json']);
    expect(deleted.json).toMatchObject({ id, done: 'delete', owner: runner.child.pid });

        for (const workload of [runner, follower]) {
      const exit = await exitWithin(workload, 5_000);
      expect(exit, workload.output()).toMatchObject({ code: 1 });
      expect(workload.errors()).toMatch(/JOB_DELETED.*was deleted before its run ended/);
      expect(workload.errors()).not.toMatch(/continues where it stopped|holdfast resume/);
    }
    expect(storeContents(w.store)).toEqual({ actors: 0, records: 0 });
  }, 60_000);
});
