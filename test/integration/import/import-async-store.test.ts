/**
 * The import over a store whose reads are asynchronous (issues 18, 19): its effects read the
 * plan and the parents' identifiers through their context, so it runs over a store without
 * `sync`, and over one with `sync` those reads still go through the (asynchronous) port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { importMachines } from '../../../src/adapters/import/import-machines.js';
import { inProcessService, type CreateObjectRequest } from '../../../src/adapters/import/import-service.js';
import { IMPORT_RECORDS } from '../../../src/machines/import.types.js';
import { createRuntime, openMemoryStore, type Store, type SyncStore } from '../../../src/index.js';
import { asyncReads } from '../../../src/persistence/async-reads.js';
import { chain, runImport, writeImport } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

/** The port with asynchronous reads over `inner`, `sync` reading `inner` at once; notes each record read of the port. */
function countedStore(inner: SyncStore): { store: Store; recordReads: { read: string; collection: string; answer: unknown }[] } {
  const recordReads: { read: string; collection: string; answer: unknown }[] = [];
  const port = asyncReads(inner) as unknown as Record<string, unknown>;
  const counted: Record<string, unknown> = { ...port };
  for (const read of ['getRecord', 'scanRecords']) {
    const original = port[read] as (...args: unknown[]) => unknown;
    counted[read] = (...args: unknown[]) => {
      const answer = original(...args);
      recordReads.push({ read, collection: String(args[0]), answer });
      return answer;
    };
  }
  Object.defineProperty(counted, 'path', { get: () => inner.path });
  Object.defineProperty(counted, 'readOnly', { get: () => inner.readOnly });
  counted.sync = inner.sync;
  return { store: counted as unknown as Store, recordReads };
}

/** An in-process service that notes the parents each object is created with. */
function catalogue() {
  const created: CreateObjectRequest[] = [];
  let next = 0;
  const service = inProcessService({
    createObject: async (request) => (created.push(request), { identifiers: { id: `db-${++next}` } }),
    createLink: async () => ({ accepted: true }),
  });
  return { service, created };
}

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

describe('the import over a store whose reads are asynchronous', () => {
  it('runs over a store without sync: each object is created with its parents read back', async () => {
    const store = openMemoryStore({ reads: 'async' });
    opened.push(store);
    expect(store.sync).toBeUndefined();
    const { service, created } = catalogue();
    const runtime = await createRuntime({ store, machines: importMachines({ services: { catalogue: service } }) });
    try {
      const record = await runImport(runtime, { ...writeImport(tempFolder(), chain(3)), service: 'catalogue' });
      expect(record.status).toBe('done');
      expect(created.map((request) => request.parents)).toEqual([[], [{ linkTag: 'next', identifiers: { id: 'db-1' } }], [{ linkTag: 'next', identifiers: { id: 'db-2' } }]]);
    } finally {
      await runtime.close();
    }
  });

  it("reads the plan and the parents through the port's promises and async iterables even where the store has sync", async () => {
    const inner = openMemoryStore();
    opened.push(inner);
    const { store, recordReads } = countedStore(inner);
    const { service, created } = catalogue();
    const runtime = await createRuntime({ store, machines: importMachines({ services: { catalogue: service } }) });
    try {
      const record = await runImport(runtime, { ...writeImport(tempFolder(), chain(2)), service: 'catalogue' });
      expect(record.status).toBe('done');
      expect(created[1]?.parents).toEqual([{ linkTag: 'next', identifiers: { id: 'db-1' } }]);
    } finally {
      await runtime.close();
    }
    const plan = recordReads.filter((read) => read.collection === IMPORT_RECORDS.plan);
    const parents = recordReads.filter((read) => read.collection === IMPORT_RECORDS.parents);
    expect(plan.length).toBeGreaterThan(0);
    expect(plan.every((read) => read.read === 'getRecord' && read.answer instanceof Promise)).toBe(true);
    expect(parents).toHaveLength(2); // one per object
    expect(parents.every((read) => read.read === 'scanRecords' && Symbol.asyncIterator in (read.answer as object))).toBe(true);
  });
});
