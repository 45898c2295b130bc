/**
 * Deleting a top job takes every record it left (src/cli/job-records.ts): for
 * a data load, a watch, a process job and a task job, run two jobs to the end,
 * delete one (`holdfast delete ID --json`, the owner socket, or the library),
 * then scan every record of the store: none of the deleted job remains, and
 * the other job's records are exactly as they were. `loaded` records belong to
 * the dataset (a later load skips what they name) and stay.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendOwnerCommand } from '../../../src/adapters/owner-socket.js';
import { DatasetJob, type DatasetJob as DatasetJobType } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks } from '../../../src/adapters/tasks/task-registry.js';
import { deferTaskJob } from '../../../src/adapters/tasks/task-worker.js';
import { startDataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { startImportStandin } from '../../../src/adapters/import/import-standin.js';
import { openHoldfast } from '../../../src/cli/assembly.js';
import { DELETING_JOBS, deleteJobWithRecords } from '../../../src/cli/job-records.js';
import { PROCESS_OUTPUTS } from '../../../src/machines/process-job.types.js';
import type { Store } from '../../../src/persistence/store.js';
import { makeSampleFolder, runCli } from '../../helpers/dataload.js';
import { chain, openImportRuntime, runImport, writeImport } from '../../helpers/import/import-fixtures.js';
import { openTaskRuntime, person, settled } from '../../helpers/tasks/task-runtime.js';
import { startWorkload } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { readStore, startWatch, waitUntil, watchIdOf } from '../../helpers/watch.js';

const TOKEN = 'token-delete-0f1e2d3c4b5a';
const PID = 'doi:10.5072/FK2/DEL001';
const OTHER_PID = 'doi:10.5072/FK2/DEL002';

interface StoredRecord {
  collection: string;
  key: unknown[];
  text: string;
}

/** Every record of the store, read from the records database itself (not through a list of known collections). */
function allRecords(store: Store): StoredRecord[] {
  const db = (store as unknown as { records?: { getRange(options: object): Iterable<{ key: unknown[] }> } }).records;
  if (!db?.getRange) throw new Error('the LMDB store has no `records` database field any more: update this scan');
  return [...db.getRange({})].map(({ key }) => {
    const rest = key.slice(1);
    const value = store.getRecord(String(key[0]), (rest.length === 1 ? rest[0] : rest) as string);
    return { collection: String(key[0]), key: rest, text: JSON.stringify(value) ?? '' };
  });
}

/** Records whose key or value names the job (or an actor under it, `JOB/...`); `loaded` records (the dataset's) aside. */
const recordsOf = (records: StoredRecord[], job: string) =>
  records.filter((record) => record.collection !== 'loaded' && (record.key.some((part) => part === job || String(part).startsWith(`${job}/`)) || record.text.includes(`"${job}`)));

async function scan(storePath: string): Promise<StoredRecord[]> {
  return readStore(storePath, allRecords);
}

/** Deletes `gone`; checks that nothing of it remains, that `kept` is untouched, and returns the counts the delete gave. */
async function deleteAndCheck(storePath: string, gone: string, kept: string, remove: () => Promise<{ records: number; actors: number }>) {
  const before = await scan(storePath);
  const keptBefore = recordsOf(before, kept);
  const goneBefore = recordsOf(before, gone);
  expect(keptBefore.length).toBeGreaterThan(0);
  expect(goneBefore.length).toBeGreaterThan(0);
  const counts = await remove();
  const after = await scan(storePath);
  expect(recordsOf(after, gone)).toEqual([]);
  expect(recordsOf(after, kept)).toEqual(keptBefore);
  expect(before.length - after.length).toBe(counts.records);
  expect(counts.records).toBeGreaterThanOrEqual(goneBefore.length);
  await readStore(storePath, (store) => expect([...store.queryActors({ root: gone as never })]).toEqual([]));
  return counts;
}

describe('deleting a job deletes the records it left', () => {
  it('a data load: its entries, registrations and metadata (holdfast delete ID --json)', async () => {
    const root = tempFolder('holdfast-delete-load-');
    const [dir, filesDir, store] = [join(root, 'source'), join(root, 'files'), join(root, 'store')];
    const standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }, { persistentId: OTHER_PID }] });
    try {
      await makeSampleFolder(dir, { smallFiles: 12 });
      const metadata = join(root, 'metadata.json');
      await writeFile(metadata, JSON.stringify({ 'README.txt': { description: 'What the survey is' } }));
      const ingest = async (dataset: string) => {
        const run = await runCli(['ingest', dir, '--dataset', dataset, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--metadata', metadata, '--store', store, '--json']);
        expect(run.code, run.stderr).toBe(0);
        return (run.json as { id: string }).id;
      };
      const gone = await ingest(PID);
      const kept = await ingest(OTHER_PID);
      const before = await scan(store);
      expect(new Set(recordsOf(before, gone).map((record) => record.collection))).toEqual(new Set(['entries', 'registrations', 'metadata']));
      const counts = await deleteAndCheck(store, gone, kept, async () => {
        const run = await runCli(['delete', gone, '--store', store, '--json']);
        expect(run.code, run.stderr).toBe(0);
        expect(run.json).toMatchObject({ id: gone, done: 'delete' });
        return run.json as { records: number; actors: number };
      });
      expect(counts.actors).toBe(1 + 18); // the load and its 18 files (6 awkward + 12 small)
      // The dataset still knows what it holds: loading the folder again adds nothing.
      expect((await scan(store)).filter((record) => record.collection === 'loaded').length).toBe(36);
      const again = await runCli(['delete', gone, '--store', store, '--json']);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(gone);
    } finally {
      await standin.close();
    }
  }, 60_000);

  it('a watch: its taken and batch records and its batches\' entries (holdfast delete ID)', async () => {
    const root = tempFolder('holdfast-delete-watch-');
    const setup = { dir: join(root, 'inbox'), store: join(root, 'store'), filesDir: join(root, 'files'), dataset: PID, settleMs: 200, batchIdleMs: 300 };
    mkdirSync(setup.dir);
    for (let i = 0; i < 3; i++) writeFileSync(join(setup.dir, `w-${i}.txt`), `watched ${i}\n`);
    const watch = startWatch(setup);
    let id: string;
    try {
      id = watchIdOf(await watch.waitForLine((line) => line.event === 'watch.started', 'watch.started'));
      await waitUntil(
        () => readStore(setup.store, (store) => [...store.scanRecords('loaded', [PID])].length === 3 && [...store.queryActors({ parent: id as never, machine: 'dataload' })].every((batch) => batch.status === 'done')),
        '3 files loaded',
      );
    } finally {
      expect(await watch.stop()).toEqual({ code: 0, signal: null });
    }
    // A stopped process leaves its watch to resume; `watch.stop` ends it.
    const holdfast = await openHoldfast({ store: setup.store, resume: false, listen: false });
    try {
      await holdfast.runtime.send(id!, { type: 'watch.stop' });
      await holdfast.runtime.waitFor(id!, (record) => record.status === 'done');
    } finally {
      await holdfast.close();
    }
    const other = join(root, 'other');
    await makeSampleFolder(other, { awkward: false, smallFiles: 3 });
    const load = await runCli(['ingest', other, '--dataset', OTHER_PID, '--files-dir', setup.filesDir, '--store', setup.store, '--json']);
    expect(load.code, load.stderr).toBe(0);
    const kept = (load.json as { id: string }).id;
    const before = recordsOf(await scan(setup.store), id!);
    expect(new Set(before.map((record) => record.collection))).toEqual(new Set(['watch.taken', 'watch.batch', 'entries']));
    const counts = await deleteAndCheck(setup.store, id!, kept, async () => {
      const run = await runCli(['delete', id!, '--store', setup.store, '--json']);
      expect(run.code, run.stderr).toBe(0);
      return run.json as { records: number; actors: number };
    });
    expect(counts.records).toBe(before.length);
  }, 60_000);

  it('a process job: its owner index and output, by `holdfast delete` and through the owner socket', async () => {
    const root = tempFolder('holdfast-delete-process-');
    const store = join(root, 'store');
    const jobServer = { dataDir: join(root, 'data'), functions: { double: (data: unknown) => (data as number[]).map((n) => n * 2) } };
    const ids: string[] = [];
    const holdfast = await openHoldfast({ store, listen: false, jobServer });
    try {
      await holdfast.jobServer!.users.add('ada', { maxTotal: 3 });
      const ada = { user: 'ada', superuser: false };
      for (let i = 0; i < 3; i++) ids.push((await holdfast.jobServer!.submit(ada, { process: { kind: 'function', name: 'double' }, data: [{ kind: 'raw', value: i }] })).id);
      for (const id of ids) await holdfast.runtime.waitFor(id, (record) => record.state === 'succeeded');
      await expect(holdfast.jobServer!.submit(ada, { process: { kind: 'function', name: 'double' } })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    } finally {
      await holdfast.close();
    }
    const [first, second, kept] = ids as [string, string, string];
    const viaCli = await deleteAndCheck(store, first, kept, async () => {
      const run = await runCli(['delete', first, '--store', store, '--json']);
      expect(run.code, run.stderr).toBe(0);
      return run.json as { records: number; actors: number };
    });
    expect(viaCli).toMatchObject({ records: 2, actors: 1 }); // processJobOwners and processOutputs (the start mark went when the run ended)
    const owner = await openHoldfast({ store, jobServer });
    try {
      const viaOwner = await deleteAndCheck(store, second, kept, () => sendOwnerCommand(store, 'delete', { id: second }) as Promise<{ records: number; actors: number }>);
      expect(viaOwner).toEqual({ records: 2, actors: 1 });
      // Deleted jobs no longer count against maxTotal.
      const job = await owner.jobServer!.submit({ user: 'ada', superuser: false }, { process: { kind: 'function', name: 'double' }, data: [{ kind: 'raw', value: 5 }] });
      expect((await owner.jobServer!.list({ user: 'ada', superuser: false })).map((view) => view.id).sort()).toEqual([job.id, kept].sort());
      await owner.runtime.waitFor(job.id, (record) => record.state === 'succeeded');
    } finally {
      await owner.close();
    }
  }, 60_000);

  it('a delete cut short between the actors and the records is finished when the store opens next', async () => {
    const root = tempFolder('holdfast-delete-cut-');
    const store = join(root, 'store');
    let release = () => {};
    let hanging = false;
    const hang = () => new Promise((resolve) => ((hanging = true), (release = () => resolve('released'))));
    const jobServer = { dataDir: join(root, 'data'), functions: { double: (data: unknown) => (data as number[]).map((n) => n * 2), hang } };
    const ada = { user: 'ada', superuser: false };
    const holdfast = await openHoldfast({ store, listen: false, jobServer });
    let gone: string;
    let kept: string;
    try {
      [gone, kept] = await Promise.all([0, 1].map(async (i) => (await holdfast.jobServer!.submit(ada, { process: { kind: 'function', name: 'double' }, data: [{ kind: 'raw', value: i }] })).id)) as [string, string];
      for (const id of [gone, kept]) await holdfast.runtime.waitFor(id, (record) => record.state === 'succeeded');
      // A refused delete (an unknown or a running job) leaves no marker behind.
      await expect(deleteJobWithRecords(holdfast.runtime, 'no-such-job')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
      const running = await holdfast.jobServer!.submit(ada, { process: { kind: 'function', name: 'hang' } });
      await holdfast.runtime.waitFor(running.id, (record) => record.state === 'running');
      await expect(deleteJobWithRecords(holdfast.runtime, running.id)).rejects.toMatchObject({ code: 'JOB_RUNNING' });
      expect((await holdfast.runtime.records.scan(DELETING_JOBS))).toEqual([]);
      // The process starts once the `running` step committed: wait for it to be called before releasing it.
      while (!hanging) await new Promise((resolve) => setTimeout(resolve, 5));
      release();
      await holdfast.runtime.waitFor(running.id, (record) => record.state === 'succeeded');
    } finally {
      await holdfast.close();
    }
    // The delete is killed after the commit that removed the actors, before the records' (test/crash/workloads/delete-job.ts).
    const killed = startWorkload('delete-job', [store, gone!], { HOLDFAST_FAULT_POINTS: 'committer.beforeCommit:2' });
    expect((await killed.exited).signal).toBe('SIGKILL');
    await readStore(store, (reader) => {
      expect(reader.getActor(gone as never)).toBeUndefined();
      expect(reader.getRecord(PROCESS_OUTPUTS, gone)).toBeDefined();
      expect([...reader.scanRecords(DELETING_JOBS)].map(({ key }) => key)).toEqual([gone]);
    });
    const before = await scan(store);
    expect(recordsOf(before, gone!).length).toBeGreaterThan(0);
    const reopened = await openHoldfast({ store, listen: false, resume: false });
    await reopened.close();
    const after = await scan(store);
    expect(recordsOf(after, gone!)).toEqual([]);
    expect(recordsOf(after, kept!)).toEqual(recordsOf(before, kept!));
  });

  it('a task job: the entity fragments of every stage (deleteJobWithRecords)', async () => {
    const folder = tempFolder('holdfast-delete-task-');
    const tasks = defineTasks({
      'names.write': (job, { writer }) => {
        const { dataset, payload } = job as DatasetJobType;
        for (const entity of payload.entities) writer().add({ id: entity.id, schema: 'Person', properties: { alias: [`alias of ${entity.id}`] } });
        return DatasetJob.fromEntities({ dataset, queue: 'q', task: 'names.more', entities: payload.entities });
      },
      'names.more': (job, { writer }) => {
        for (const entity of (job as DatasetJobType).payload.entities) writer().add({ id: entity.id, schema: 'Person', properties: { nationality: ['gb'] } });
      },
    });
    const task = await openTaskRuntime(folder, { tasks, queues: { q: 2 } });
    try {
      const { runtime } = task;
      const start = (id: string) => deferTaskJob(runtime, DatasetJob.fromEntities({ dataset: 'leaks', queue: 'q', task: 'names.write', entities: [person('p1'), person('p2')] }), { id });
      for (const id of [await start('t1'), await start('t10')]) await settled(runtime, `${id}/next`);
      const fragments = async () => (await runtime.records.scan('entities')).map(({ key }) => (key as string[]).join(' '));
      expect(await fragments()).toHaveLength(8);
      await expect(deleteJobWithRecords(runtime, 't1/next')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await deleteJobWithRecords(runtime, 't1')).toEqual({ records: 4, actors: 2 });
      expect(await fragments()).toEqual(['leaks p1 t10', 'leaks p1 t10/next', 'leaks p2 t10', 'leaks p2 t10/next']);
      await expect(deleteJobWithRecords(runtime, 't1')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    } finally {
      await task.close();
    }
  });

  it('an import: its problems and its parents\' identifiers (deleteJobWithRecords)', async () => {
    const folder = tempFolder('holdfast-delete-import-');
    const standin = await startImportStandin();
    try {
      const { file, linkTags } = writeImport(folder, chain(6));
      const broken = writeImport(folder, { objects: chain(2).objects, links: [{ kind: 'link', child: 'n1', parent: 'nowhere', linkTag: 'next', linkType: 'dependent' }] }, { name: 'broken' });
      const imports = await openImportRuntime(folder);
      try {
        expect((await runImport(imports.runtime, { file, linkTags, service: standin.url }, { id: 'import-gone' })).state).toBe('complete');
        expect((await runImport(imports.runtime, { ...broken, service: standin.url }, { id: 'import-kept' })).state).toBe('error');
      } finally {
        await imports.close();
      }
      const storePath = join(folder, 'store');
      // The broken import keeps its problems; the chain keeps its children's parent identifiers.
      const counts = await deleteAndCheck(storePath, 'import-gone', 'import-kept', async () => {
        const again = await openImportRuntime(folder);
        try {
          return await deleteJobWithRecords(again.runtime, 'import-gone');
        } finally {
          await again.close();
        }
      });
      expect(counts.actors).toBe(1 + 6 + 5);
    } finally {
      await standin.close();
    }
  }, 60_000);
});
