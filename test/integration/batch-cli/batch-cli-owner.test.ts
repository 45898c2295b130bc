/**
 * Batch commands while another process owns the store (issue 5): with a real
 * `holdfast serve --app FILE` owning it, a second process creates, runs,
 * resolves, reprocesses and deletes a batch job through the owner's socket,
 * without a host module of its own; a run is followed to its end with the
 * summary a local run prints, and Ctrl-C stops the following, not the run.
 * An owner without the application refuses with exit 2, naming itself and
 * --app, and nothing changes.
 */
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import { holdfastChild, killChildren } from '../../helpers/cli-child.js';
import { startWorkload, waitForOutput, type Workload } from '../../helpers/processes.js';
import { cli, refused, repoRoot, storeContents, workspace, type Workspace } from './batch-cli-helpers.js';

const holdfast = holdfastChild;

/** `holdfast serve --app FILE` owning the workspace's store, started in the workspace folder (not this process's). */
async function serveOwner(w: Workspace): Promise<Workload> {
  const owner = holdfast(['serve', '--port', '0', '--store', w.store, '--app', w.app], w.folder);
  expect(await waitForOutput(owner, 'stop with Ctrl-C', 60_000), owner.output()).toBe(true);
  return owner;
}

async function stop(owner: Workload): Promise<void> {
  owner.child.kill('SIGTERM');
  expect((await owner.exited).code).toBe(0);
}

/** The job's actor context and batch records, read beside the owner. */
function jobState(store: string, job: string) {
  const peek = openLmdbStore(store, { readOnly: true });
  try {
    const context = peek.getActor(job as never)?.snapshot?.context as { runSeq: number; queue: unknown[]; configHash: string } | undefined;
    const batches = [...peek.scanRecords<{ done: boolean; completions: number }>('batch.batches', [job])].map((r) => r.value);
    return { context, batches };
  } finally {
    void peek.close();
  }
}

afterEach(killChildren);

describe('batch commands beside the store owner', () => {
  it('create, run, resolve, reprocess and delete a job through a holdfast serve that registers its application', async () => {
    const w = workspace(2);
    const values = Array.from({ length: 200 }, (_, index) => (index % 25 === 7 ? -index : index));
    const source = relative(process.cwd(), w.numbers('a.jsonl', values)); // resolved against this process's folder, not the owner's
    const owner = await serveOwner(w);
    const pid = owner.child.pid!;
    try {
      const store = ['--store', w.store];
      const created = (await cli(['job', 'create', 'double', '--source', `jsonl:${source}`, '--config', join(w.folder, 'config.json'), '--partition', 'size:20', '--description', 'through the owner', ...store, '--json'])).json as { id: string };
      expect(created).toMatchObject({ items: 200, batches: 10, partition: 'size:20', application: 'double', owner: pid, source: `jsonl:${join(w.folder, 'a.jsonl')}` });
      const id = created.id;

      // Refusals answered by the owner: exit 2, nothing changed.
      const before = storeContents(w.store);
      await refused(['job', 'create', 'double', '--source', 'jsonl:missing.jsonl', '--config', join(w.folder, 'config.json'), ...store], /SOURCE_MISSING.*missing\.jsonl/);
      await refused(['job', 'create', 'double', '--source', `jsonl:${source}`, ...store], /config for application "double" is invalid/);
      await refused(['job', 'create', 'nope', '--source', `jsonl:${source}`, ...store], new RegExp(`owner \\(pid ${pid}\\) does not register application "nope" \\(it registers: double, echo\\)`));
      await refused(['run', id, '--batch', '10', '--config', join(w.folder, 'config.json'), ...store], /--batch 10 is out of range: job .* has batches 0 to 9/);
      expect(storeContents(w.store)).toEqual(before);
      expect(jobState(w.store, id).context).toMatchObject({ runSeq: 0, queue: [] });

      const ran = await cli(['run', id, '--all', '--parallel', '2', ...store, '--json']);
      expect(ran.json).toMatchObject({ job: id, batchesRun: 10, items: 200, results: 192, exceptions: 8, exceptionsOpen: 8, owner: pid, errors: [] });
      expect(jobState(w.store, id).batches.every((batch) => batch.done && batch.completions === 1)).toBe(true);
      const plain = await cli(['run', id, '--all', ...store]);
      expect(plain.stdout).toMatch(new RegExp(`${id}: 0 batch\\(es\\), 0 items in [^\\n]*\\n8 exception\\(s\\) open: holdfast exceptions ${id}`));
      expect(plain.stderr).toContain(`the store's owner (pid ${pid}) runs job ${id}`);

      const open = ((await cli(['exceptions', id, ...store, '--json'])).json as { exceptions: { item: string }[] }).exceptions.map((e) => e.item);
      expect(open).toHaveLength(8);
      const resolved = await cli(['resolve', id, open[0]!, '--value', '{"by":"hand"}', ...store, '--json']);
      expect(resolved.json).toMatchObject({ job: id, item: open[0], resolved: true, owner: pid });
      await refused(['resolve', id, 'no-such-item', '--value', '1', ...store], /has no exception for item "no-such-item"/);

      const reprocessed = await cli(['reprocess', id, ...store, '--json']);
      expect(reprocessed.json).toMatchObject({ job: id, kind: 'reprocess', items: 7, exceptions: 7, exceptionsOpen: 7, owner: pid });
      const results = ((await cli(['job', id, '--results', ...store, '--json'])).json as { results: { item: string; value: unknown }[] }).results;
      expect(results).toHaveLength(193);
      expect(results.find((r) => r.item === open[0])?.value).toEqual({ by: 'hand' });

      const deleted = await cli(['delete', id, ...store, '--json']);
      expect(deleted.json).toMatchObject({ id, done: 'delete', owner: pid });
      expect((deleted.json as { records: number; actors: number }).records).toBeGreaterThan(200);
      expect(storeContents(w.store).records).toBe(0);
      await refused(['run', id, '--all', ...store], /JOB_NOT_FOUND/);
    } finally {
      await stop(owner);
    }
  });

  it('Ctrl-C stops following a run, which goes on in the owner', async () => {
    const w = workspace(10);
    const owner = await serveOwner(w);
    try {
      const id = ((await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('a.jsonl', Array.from({ length: 100 }, (_, n) => n))}`, '--config', join(w.folder, 'config.json'), '--partition', 'size:10', '--store', w.store, '--json'])).json as { id: string }).id;
      const follower = holdfast(['run', id, '--all', '--store', w.store], repoRoot);
      expect(await waitForOutput(follower, 'Ctrl-C stops following, not the run', 30_000)).toBe(true);
      follower.child.kill('SIGINT');
      expect((await follower.exited).code).toBe(130);
      expect(follower.output()).toContain(`stopped following: the run goes on in the store's owner (pid ${owner.child.pid}); see holdfast job ${id}`);
      expect(jobState(w.store, id).batches.filter((batch) => batch.done).length).toBeLessThan(10);
      await expect.poll(() => jobState(w.store, id).batches.filter((batch) => batch.done).length, { timeout: 30_000 }).toBe(10);
    } finally {
      await stop(owner);
    }
  });

  it('an owner without the application refuses, naming its pid and --app, and nothing changes', async () => {
    const w = workspace();
    const id = ((await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('a.jsonl', [1, -2, 3])}`, '--config', join(w.folder, 'config.json'), ...w.flags, '--json'])).json as { id: string }).id;
    await cli(['run', id, '--all', ...w.flags]);
    const owner = startWorkload('owner', [w.store]); // openHoldfast without applications, as holdfast watch or ingest own a store
    expect(await waitForOutput(owner, 'READY')).toBe(true);
    try {
      const before = storeContents(w.store);
      const pattern = new RegExp(`owner \\(pid ${owner.child.pid}\\) does not register application "double" \\(it registers none\\): stop it and start it with the host module that defines it \\(holdfast serve --app FILE\\)`);
      await refused(['run', id, '--all', '--store', w.store], pattern);
      await refused(['reprocess', id, '--store', w.store], pattern);
      await refused(['job', 'create', 'double', '--source', `jsonl:${join(w.folder, 'a.jsonl')}`, '--store', w.store, '--json'], pattern);
      expect(storeContents(w.store)).toEqual(before);
      expect(jobState(w.store, id).context).toMatchObject({ runSeq: 1, queue: [] });
    } finally {
      owner.child.kill('SIGTERM');
      expect((await owner.exited).code).toBe(0);
    }
  });
});
