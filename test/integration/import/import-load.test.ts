/** The lean load over a real store: streamed JSON Lines, compact plan chunks, and chunks stored by the release before. */
import { appendFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startImportStandin, type ImportStandin } from '../../../src/adapters/import/import-standin.js';
import { decodePlanChunk } from '../../../src/adapters/import/plan-chunks.js';
import { IMPORT_RECORDS } from '../../../src/machines/import.types.js';
import { contextOf, dependent, existing, independent, object, openImportRuntime, runImport, verifyImportStore, writeImport, type Graph } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { waitUntil } from '../../helpers/watch.js';

const catalogue: Graph = {
  objects: [object('ch1', 'chapter'), object('b1', 'book'), object('a1', 'author'), object('a2', 'author'), existing('pub', 'publisher'), object('b2', 'book')],
  links: [dependent('b1', 'a1', 'writtenBy'), dependent('b1', 'a2', 'writtenBy'), dependent('ch1', 'b1', 'partOf'), independent('b1', 'pub', 'publishedBy'), independent('b2', 'b1', 'cites')],
};

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin({ existing: ['ext-pub'] });
});
afterEach(async () => {
  await standin.close();
});

/** True when the stand-in created nothing twice (each creation under its own idempotency key). */
function createdOnce(): boolean {
  const keys = standin.created.map((c) => c.body.idempotencyKey);
  return new Set(keys).size === keys.length;
}

describe('loading an import', () => {
  it('streams JSON Lines whose links come before their objects, and imports them', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, catalogue);
    writeFileSync(file, [...catalogue.links, ...catalogue.objects].map((line) => JSON.stringify(line)).join('\n'));
    const { runtime, store, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url });
    expect(record.state).toBe('complete');
    expect(contextOf(record).objects).toEqual({ total: 6, complete: 6, error: 0, blocked: 0 });
    expect(contextOf(record).links).toEqual({ total: 5, complete: 5, error: 0, blocked: 0 });
    expect(standin.refusedEarly).toEqual([]);
    expect(createdOnce()).toBe(true);
    await runtime.whenIdle();
    expect(await verifyImportStore(store)).toEqual([]);
    await close();
  });

  it('marks the batch invalid, naming the line, when a line is over the limit; nothing is sent', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, catalogue);
    appendFileSync(file, `${JSON.stringify(object('big', 'book', { text: 'x'.repeat(2_000) }))}\n`);
    const { runtime, close } = await openImportRuntime(folder, { maxLineBytes: 1_000 });
    const record = await runImport(runtime, { file, linkTags, service: standin.url });
    expect(record.state).toBe('error');
    expect(contextOf(record).problems).toEqual([{ line: 12, message: 'longer than 1000 bytes: not read (a record must fit on one line of at most 1000 bytes)' }]);
    expect(standin.created).toEqual([]);
    await close();
  });

  /** 120 authors, each its own object: 120 spawns, one a chunk, so the plan's 120 chunks are stored in two parts (100 a step). */
  const authors: Graph = { objects: Array.from({ length: 120 }, (_, i) => object(`a${i}`, 'author')), links: [] };

  /** Stores the first part of the plan of `authors`, then stops: the next runtime holds no plan in memory. */
  async function stopWhileStoring(folder: string, file: string, linkTags: string): Promise<void> {
    const first = await openImportRuntime(folder, { chunkSize: 1 });
    first.runtime.subscribe((event) => {
      if (event.type === 'actor.stepped' && event.id === 'batch' && event.from === 'storing.reading') void first.runtime.pause('batch');
    });
    await first.runtime.spawn('importBatch', { file, linkTags, service: standin.url }, { id: 'batch' });
    await waitUntil(() => first.runtime.isPaused('batch'), 'the batch paused', 30_000);
    await first.runtime.whenIdle();
    const context = contextOf((await first.runtime.get('batch'))!);
    expect(context.stored).toBe(100);
    expect(context.chunks).toBe(120);
    await first.close();
  }

  it('stores the rest of a plan after a restart, planned again from the same file, and imports it', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, authors);
    await stopWhileStoring(folder, file, linkTags);
    const second = await openImportRuntime(folder, { chunkSize: 1 });
    await second.runtime.unpause('batch');
    const record = await second.runtime.waitFor('batch', (r) => r.status !== 'active', 30_000);
    expect(record.state).toBe('complete');
    expect(contextOf(record).objects).toEqual({ total: 120, complete: 120, error: 0, blocked: 0 });
    expect(createdOnce()).toBe(true);
    expect(standin.created).toHaveLength(120);
    await second.runtime.whenIdle();
    expect(await verifyImportStore(second.store)).toEqual([]);
    await second.close();
  });

  it('ends IMPORT_INVALID, having sent nothing, when the file changed before the rest of its plan was stored', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, authors);
    await stopWhileStoring(folder, file, linkTags);
    appendFileSync(file, `${JSON.stringify(object('late', 'author'))}\n`);
    const second = await openImportRuntime(folder, { chunkSize: 1 });
    await second.runtime.unpause('batch');
    const record = await second.runtime.waitFor('batch', (r) => r.status !== 'active', 30_000);
    expect(record.state).toBe('error');
    expect(contextOf(record).error).toMatchObject({ code: 'IMPORT_INVALID', message: expect.stringContaining('changed while its plan was being stored') });
    expect(standin.created).toEqual([]);
    await second.close();
  });

  it('resumes a batch stopped mid-spawn whose remaining plan chunks are in the form written before the compact one', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, catalogue);
    // The first process stores the plan, then is paused before it spawns it all, and stops.
    const first = await openImportRuntime(folder, { chunkSize: 2 });
    first.runtime.subscribe((event) => {
      if (event.type === 'actor.stepped' && event.id === 'batch' && event.from.startsWith('storing')) void first.runtime.pause('batch');
    });
    await first.runtime.spawn('importBatch', { file, linkTags, service: standin.url }, { id: 'batch' });
    await waitUntil(() => first.runtime.isPaused('batch'), 'the batch paused', 30_000);
    await first.runtime.whenIdle();
    const { nextChunk, chunks } = contextOf((await first.runtime.get('batch'))!);
    expect(chunks).toBe(6);
    expect(nextChunk).toBeLessThan(chunks);
    await first.close();

    // The chunks left are rewritten as the release before this one wrote them: { spawns, ready }.
    const second = await openImportRuntime(folder, { chunkSize: 2 });
    const left = (await second.runtime.records.scan(IMPORT_RECORDS.plan, ['batch']));
    expect(left).toHaveLength(chunks - nextChunk);
    for (const { key, value } of left) await second.runtime.records.put(IMPORT_RECORDS.plan, key, decodePlanChunk(value, 'chunk'));
    expect((await second.runtime.records.scan<object>(IMPORT_RECORDS.plan, ['batch'])).every(({ value }) => 'spawns' in value)).toBe(true);

    await second.runtime.unpause('batch');
    const record = await second.runtime.waitFor('batch', (r) => r.status !== 'active', 30_000);
    expect(record.state).toBe('complete');
    expect(contextOf(record).objects).toEqual({ total: 6, complete: 6, error: 0, blocked: 0 });
    expect(contextOf(record).links).toEqual({ total: 5, complete: 5, error: 0, blocked: 0 });
    expect(standin.refusedEarly).toEqual([]);
    expect(createdOnce()).toBe(true);
    expect(standin.created.filter((c) => c.kind === 'object')).toHaveLength(5); // all but the publisher that exists
    expect((await second.runtime.records.scan(IMPORT_RECORDS.plan, ['batch']))).toEqual([]);
    await second.runtime.whenIdle();
    expect(await verifyImportStore(second.store)).toEqual([]);
    await second.close();
  });
});
