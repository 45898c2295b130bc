/**
 * The data load over a store whose reads are asynchronous (issues 18, 19): its effects read the
 * Dataverse token, the `loaded` files, the entries and the registrations through their context,
 * so a load runs over a store without `sync`; its delete's cleanup reads the same through the
 * reader it is given (job-delete.ts), so a load is deleted over such a store with its copies.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { createHashPool, type HashPool } from '../../../src/adapters/files/hash-pool.js';
import { dataLoadMachines } from '../../../src/cli/assembly.js';
import { deleteJobWithLoads, type DeleteResult } from '../../../src/cli/load-delete.js';
import { SECRETS } from '../../../src/kinds/dataload.js';
import type { DataFileContext } from '../../../src/machines/datafile.machine.js';
import type { DataLoadContext } from '../../../src/machines/dataload.machine.js';
import type { CopiedEntry, DataLoadInput } from '../../../src/machines/dataload.types.js';
import { createRuntime, openMemoryStore, type Runtime, type Store } from '../../../src/index.js';
import { DELETING_JOBS } from '../../../src/runtime/job-delete.js';
import { listFiles, makeSampleFolder } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const PID = 'doi:10.5072/FK2/ASYNC1';
const TOKEN = 'async-token';

let standin: DataverseStandin;
let hashPool: HashPool;
let store: Store;
let runtime: Runtime | undefined;
let root: string;

beforeEach(async () => {
  root = tempFolder();
  standin = await startDataverseStandin({ token: TOKEN, filesDir: join(root, 'files'), datasets: [{ persistentId: PID }] });
  hashPool = createHashPool({ size: 1 });
  store = openMemoryStore({ reads: 'async', path: join(root, 'store') });
});

afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  await store.close();
  await hashPool.close();
  await standin.close();
});

const loadInput = (dir: string): DataLoadInput => ({
  dir,
  dataset: PID,
  filesDir: join(root, 'files'),
  dataverseUrl: standin.url,
  chunkSize: 100,
  lockWaitMs: 5_000,
  allowPartial: false,
  move: false,
  includeHidden: false,
  exclude: [],
  hasMetadata: false,
});

describe('the data load over a store without sync', () => {
  it('registers every file with the token it reads back, and a second load finds them loaded', async () => {
    expect(store.sync).toBeUndefined();
    const dir = join(root, 'source');
    const files = await makeSampleFolder(dir, { awkward: false, smallFiles: 5 });
    runtime = await createRuntime({ store, machines: dataLoadMachines(hashPool), limits: { queues: { prepare: 2, copy: 2 } } });
    await runtime.records.put(SECRETS, standin.url, { token: TOKEN });

    const first = await runtime.spawn('dataload', loadInput(dir), { id: 'load-1' });
    const done = await runtime.waitFor(first, (record) => record.status !== 'active', 30_000);
    expect(done.status).toBe('done');
    expect((done.snapshot?.context as DataLoadContext).counts).toMatchObject({ total: files.length, registered: files.length, failed: 0 });
    expect(standin.registered(PID).map((file) => file.checksum.value).sort()).toEqual(files.map((file) => file.md5).sort());

    // The walk reads the `loaded` records the first load wrote: nothing is copied again.
    const second = await runtime.spawn('dataload', loadInput(dir), { id: 'load-2' });
    const again = await runtime.waitFor(second, (record) => record.status !== 'active', 30_000);
    expect((again.snapshot?.context as DataLoadContext).counts).toMatchObject({ total: 0, alreadyLoaded: files.length });
    expect(standin.registered(PID)).toHaveLength(files.length);
  });
});

describe('deleting a data load over a store without sync', () => {
  it('removes its actors, its records and the copies Dataverse refused, and keeps the one it holds', async () => {
    const dir = join(root, 'source');
    const filesDir = join(root, 'files');
    const files = await makeSampleFolder(dir, { awkward: false, smallFiles: 5 });
    const accepted = files[0]!.relativePath;
    runtime = await createRuntime({ store, machines: dataLoadMachines(hashPool), limits: { queues: { prepare: 2, copy: 2 } } });
    const open = runtime;
    await open.records.put(SECRETS, standin.url, { token: TOKEN });
    // Every copy but one is refused at registration: the load ends waiting on a person, its copies in the files folder.
    const refusing: Promise<void>[] = [];
    open.subscribe((event) => {
      if (event.type !== 'actor.stepped' || event.machine !== 'datafile' || event.to !== 'copying') return;
      refusing.push(
        open.get(event.id).then((record) => {
          const context = record?.snapshot?.context as DataFileContext | undefined;
          if (context?.prepared && context.relativePath !== accepted) standin.faults.rejectStorageIds.add(context.prepared.storageIdentifier);
        }),
      );
    });
    const id = await open.spawn('dataload', loadInput(dir), { id: 'load-refused' });
    const settled = await open.waitFor(id, (record) => record.status !== 'active' || record.state === 'registrationFailed', 30_000);
    await Promise.all(refusing);
    expect(settled.state).toBe('registrationFailed');
    const entries = await open.records.scan<CopiedEntry>('entries', [id]);
    expect(entries).toHaveLength(files.length);
    const copyOf = (path: string) => entries.find(({ value }) => value.relativePath === path)!.value.storageIdentifier;
    expect(await listFiles(filesDir)).toHaveLength(files.length);
    await open.whenIdle();

    const result: DeleteResult = await deleteJobWithLoads(open, id, { keepToken: async () => {} });

    const report = result.copies![0]!;
    expect(report.load).toBe(id);
    expect(report.removed.sort()).toEqual(entries.map(({ value }) => value.storageIdentifier).filter((copy) => copy !== copyOf(accepted)).sort());
    expect(report.kept.map((copy) => copy.storageIdentifier)).toEqual([copyOf(accepted)]);
    expect(report.kept[0]!.reason).toMatch(/registered it with Dataverse \(file id \d+\)/);
    expect(await listFiles(filesDir)).toEqual([standin.folderOf(PID).slice(filesDir.length + 1) + '/' + copyOf(accepted)]);
    // Dataverse was asked, with the token the store keeps, before anything went.
    expect(standin.calls.some((call) => call.method === 'GET' && call.path.includes('/versions/'))).toBe(true);
    expect(await open.get(id)).toBeUndefined();
    expect(await open.query({ root: id })).toEqual([]);
    expect(await open.records.scan('entries', [id])).toEqual([]);
    expect(await open.records.get('registrations', id)).toBeUndefined();
    expect(await open.records.get(DELETING_JOBS, id)).toBeUndefined();
  }, 60_000);
});
