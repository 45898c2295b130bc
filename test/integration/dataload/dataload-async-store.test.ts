/**
 * The data load over a store whose reads are asynchronous (issues 18, 19): its effects read the
 * Dataverse token, the `loaded` files, the entries and the registrations through their context,
 * so a load runs over a store without `sync`.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { createHashPool, type HashPool } from '../../../src/adapters/files/hash-pool.js';
import { dataLoadMachines } from '../../../src/cli/assembly.js';
import { SECRETS } from '../../../src/kinds/dataload.js';
import type { DataLoadContext } from '../../../src/machines/dataload.machine.js';
import type { DataLoadInput } from '../../../src/machines/dataload.types.js';
import { createRuntime, openMemoryStore, type Runtime, type Store } from '../../../src/index.js';
import { makeSampleFolder } from '../../helpers/dataload.js';
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
