/**
 * A parked pending object never blocks its import (issue 16, item 4): an
 * object whose record is corrupt when the import resumes is counted as an
 * error, the objects and links that waited for it are blocked, and the batch
 * ends `error` instead of waiting for ever.
 */
import { describe, expect, it } from 'vitest';
import type { ImportService } from '../../../src/adapters/import/import-service.js';
import { openLmdbStore } from '../../../src/index.js';
import { corruptActorRecord, within } from '../../helpers/corrupt-record.js';
import { chain, childStates, contextOf, openImportRuntime, writeImport } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

/** A service whose calls wait until aborted: the import stands still with its first object `creating`. */
const stalled: ImportService = {
  createObject: (_request, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
  createLink: (_request, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
};
let created = 0;
/** A service that creates everything at once. */
const working: ImportService = {
  createObject: async () => ({ identifiers: { id: `x${++created}` } }),
  createLink: async () => ({ identifiers: { id: `l${++created}` } }),
};

describe('import: a parked pending object', () => {
  it('is counted as an error and what waited for it is blocked: the batch ends error', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, chain(4)); // n0 <- n1 <- n2 <- n3, each a dependent child of the one before
    let h = await openImportRuntime(folder, { services: { svc: stalled } });
    const batch = await h.runtime.spawn('importBatch', { file, linkTags, service: 'svc' }, { id: 'batch' });
    await h.runtime.waitFor(batch, (record) => record.state === 'running', 10_000);
    await within(
      (async () => {
        while (!(await h.runtime.query({ parent: batch as never, machine: 'pendingObject' })).some((o) => o.state === 'creating')) await new Promise((r) => setTimeout(r, 10));
      })(),
      10_000,
      'the first object creating',
    );
    await h.close();
    const peek = openLmdbStore(`${folder}/store`, { readOnly: true });
    const creating = [...peek.queryActors({ parent: batch as never, machine: 'pendingObject' })].filter((o) => o.state === 'creating').map((o) => o.id);
    await peek.close();
    expect(creating).toHaveLength(1);
    await corruptActorRecord(`${folder}/store`, creating[0]!);

    h = await openImportRuntime(folder, { services: { svc: working } });
    try {
      const record = await h.runtime.waitFor(batch, (r) => r.status !== 'active', 20_000);
      expect(record.state).toBe('error');
      expect(contextOf(record).objects).toEqual({ total: 4, complete: 0, error: 1, blocked: 3 });
      expect(contextOf(record).links.complete).toBe(0);
      expect(await h.runtime.get(creating[0]!)).toMatchObject({ status: 'parked', parent: batch, machine: 'pendingObject', error: { code: 'RECORD_CORRUPT' } });
      expect(childStates(h.store, batch)).toMatchObject({ 'pendingObject:blocked': 3, 'importUnblock:told': 1 });
      await h.runtime.whenIdle(10_000);
    } finally {
      await h.close();
    }
  });
});
