import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startImportStandin, type ImportStandin } from '../../../src/adapters/import/import-standin.js';
import { startServer, type RuntimeEvent } from '../../../src/index.js';
import type { PendingLinkContext } from '../../../src/machines/pending-link.machine.js';
import type { PendingObjectContext } from '../../../src/machines/pending-object.machine.js';
import {
  childStates,
  contextOf,
  dependent,
  existing,
  independent,
  object,
  openImportRuntime,
  runImport,
  verifyImportStore,
  writeImport,
  type Graph,
} from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

/** Authors, a publisher that exists, books written by authors, chapters of books, a citation. */
const catalogue: Graph = {
  objects: [
    object('ch1', 'chapter'),
    object('b1', 'book'),
    object('a1', 'author'),
    object('a2', 'author'),
    existing('pub', 'publisher'),
    object('b2', 'book'),
  ],
  links: [
    dependent('b1', 'a1', 'writtenBy'),
    dependent('b1', 'a2', 'writtenBy'),
    dependent('ch1', 'b1', 'partOf'),
    independent('b1', 'pub', 'publishedBy'),
    independent('b2', 'b1', 'cites'),
  ],
};

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin({ existing: ['ext-pub'] });
});
afterEach(async () => {
  await standin.close();
});

const objectNamed = (name: string) => standin.created.find((c) => c.kind === 'object' && (c.body.data as { name: string }).name === name)!;

describe('import graph against the HTTP stand-in', () => {
  it('creates every object after its dependent parents, with their identifiers, then its links; completes once', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, catalogue);
    const { runtime, store, close } = await openImportRuntime(folder);
    const emitted: RuntimeEvent[] = [];
    runtime.subscribe((event) => void (event.type === 'actor.emitted' && emitted.push(event)));
    const record = await runImport(runtime, { file, linkTags, service: standin.url, onComplete: `${standin.url}/complete` });

    expect(record.state).toBe('complete');
    expect(contextOf(record).objects).toEqual({ total: 6, complete: 6, error: 0, blocked: 0 });
    expect(contextOf(record).links).toEqual({ total: 5, complete: 5, error: 0, blocked: 0 });
    expect(standin.refusedEarly).toEqual([]);
    // Five objects created (the publisher exists), each once; two independent links created; dependent ones complete with their child.
    expect(standin.created.filter((c) => c.kind === 'object').map((c) => (c.body.data as { name: string }).name).sort()).toEqual(['a1', 'a2', 'b1', 'b2', 'ch1']);
    expect(standin.created.filter((c) => c.kind === 'link').map((c) => c.body.linkTag).sort()).toEqual(['cites', 'publishedBy']);
    const order = standin.created.map((c) => c.key);
    const b1 = objectNamed('b1');
    expect(order.indexOf(b1.key)).toBeGreaterThan(order.indexOf(objectNamed('a1').key));
    expect(order.indexOf(b1.key)).toBeGreaterThan(order.indexOf(objectNamed('a2').key));
    expect(order.indexOf(objectNamed('ch1').key)).toBeGreaterThan(order.indexOf(b1.key));
    expect(b1.body.parents).toEqual([
      { linkTag: 'writtenBy', identifiers: objectNamed('a1').identifiers },
      { linkTag: 'writtenBy', identifiers: objectNamed('a2').identifiers },
    ]);
    const publishedBy = standin.created.find((c) => c.body.linkTag === 'publishedBy')!;
    expect(publishedBy.body).toMatchObject({ child: b1.identifiers, parent: { id: 'ext-pub' } });
    expect(order.indexOf(publishedBy.key)).toBeGreaterThan(order.indexOf(b1.key));
    // Every request carries a key that names its pending actor.
    expect(standin.created.every((c) => c.key.startsWith('batch/'))).toBe(true);

    const completed = emitted.filter((e) => e.type === 'actor.emitted' && e.event.type === 'import.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ id: 'batch', event: { outcome: 'complete', objects: { complete: 6 }, links: { complete: 5 } } });
    expect(standin.completions).toEqual([expect.objectContaining({ idempotencyKey: 'batch', type: 'import.completed', outcome: 'complete' })]);
    expect(childStates(store, 'batch')).toEqual({ 'pendingObject:complete': 6, 'pendingLink:complete': 5 });
    await runtime.whenIdle();
    expect(await verifyImportStore(store)).toEqual([]);
    await close();
  });

  it('reads the same graph from a JSON document, and completes an empty import at once', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, catalogue, { format: 'json' });
    const { runtime, close } = await openImportRuntime(folder);
    expect((await runImport(runtime, { file, linkTags, service: standin.url })).state).toBe('complete');
    expect(standin.created).toHaveLength(7);
    const empty = writeImport(folder, { objects: [], links: [] }, { name: 'empty' });
    const record = await runImport(runtime, { file: empty.file, service: standin.url }, { id: 'empty' });
    expect(record.state).toBe('complete');
    expect(contextOf(record).objects.total).toBe(0);
    await close();
  });

  it('completes objects that already exist at once, sending nothing for them', async () => {
    const folder = tempFolder();
    const graph: Graph = { objects: [existing('a1', 'author'), existing('b1', 'book'), object('b2', 'book')], links: [independent('b2', 'a1', 'writtenBy'), dependent('b1', 'a1', 'writtenBy', true)] };
    standin = await restart(['ext-a1', 'ext-b1']);
    const { file, linkTags } = writeImport(folder, graph);
    const { runtime, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url });
    expect(record.state).toBe('complete');
    expect(standin.created.filter((c) => c.kind === 'object').map((c) => (c.body.data as { name: string }).name)).toEqual(['b2']);
    expect([...standin.requests.keys()].filter((key) => key === 'batch/o0' || key === 'batch/o1')).toEqual([]);
    const a1 = (await runtime.get('batch/o0'))!;
    expect(a1.state).toBe('complete');
    expect((await runtime.journal(a1.id)).map((e) => e.to)).toEqual(['complete']);
    // The dependent link to an existing child is created on its own, after its ends.
    expect(standin.created.filter((c) => c.kind === 'link').map((c) => [c.body.child, c.body.parent])).toEqual(
      expect.arrayContaining([[{ id: 'ext-b1' }, { id: 'ext-a1' }]]),
    );
    await close();
  });

  it('completes a dependent link with its child and creates an independent one after both ends', async () => {
    const folder = tempFolder();
    const graph: Graph = { objects: [object('a1', 'author'), object('b1', 'book'), object('b2', 'book')], links: [dependent('b1', 'a1', 'writtenBy'), independent('b2', 'b1', 'cites')] };
    const { file, linkTags } = writeImport(folder, graph);
    const { runtime, close } = await openImportRuntime(folder);
    await runImport(runtime, { file, linkTags, service: standin.url });
    const dependentLink = (await runtime.get('batch/l1.0'))!;
    expect(dependentLink.state).toBe('complete');
    expect((await runtime.journal(dependentLink.id)).map((e) => e.event)).toEqual(['xstate.init', 'end.created']);
    expect((dependentLink.snapshot!.context as PendingLinkContext).child).toEqual(objectNamed('b1').identifiers);
    const independentLink = (await runtime.get('batch/l2.0'))!;
    expect((await runtime.journal(independentLink.id)).map((e) => e.to)).toEqual(['awaiting', 'awaiting', 'creating', 'complete']);
    expect(standin.created.filter((c) => c.kind === 'link')).toHaveLength(1);
    await close();
  });

  it('creates a link with separateDependentLinkCreate on its own, after the child was created with that parent', async () => {
    const folder = tempFolder();
    const graph: Graph = { objects: [object('a1', 'author'), object('b1', 'book')], links: [dependent('b1', 'a1', 'writtenBy', true)] };
    const { file, linkTags } = writeImport(folder, graph);
    const { runtime, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url });
    expect(record.state).toBe('complete');
    const [a1, b1, link] = standin.created;
    expect([a1!.kind, b1!.kind, link!.kind]).toEqual(['object', 'object', 'link']);
    expect(b1!.body.parents).toEqual([{ linkTag: 'writtenBy', identifiers: a1!.identifiers }]);
    expect(link!.body).toEqual({ idempotencyKey: 'batch/l1.0', linkTag: 'writtenBy', child: b1!.identifiers, parent: a1!.identifiers });
    await close();
  });

  it('marks the batch error with every problem and its line, and sends nothing, when the input is invalid', async () => {
    const folder = tempFolder();
    const graph: Graph = {
      objects: [object('a1', 'author'), object('a1', 'author'), existing('b1', 'book')],
      links: [dependent('b1', 'a1', 'writtenBy'), dependent('b1', 'nobody', 'writtenBy'), independent('a1', 'a1', 'cites')],
    };
    const { file, linkTags } = writeImport(folder, graph);
    const { runtime, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url, onComplete: `${standin.url}/complete` });
    expect(record.state).toBe('error');
    expect(contextOf(record).error).toMatchObject({ code: 'IMPORT_INVALID' });
    expect(contextOf(record).problems.map((p) => p.line)).toEqual([2, 4, 5, 6]);
    expect((await runtime.records.get('importProblems', 'batch'))).toHaveLength(4);
    expect(await runtime.query({ parent: 'batch' as never })).toEqual([]);
    expect(standin.requests.size + standin.completions.length).toBe(0);
    await close();
  });

  it('retries a 5xx answer with backoff under the same key, then creates the object once', async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, { objects: [object('a1', 'author')], links: [] });
    standin.failNext('/objects', 503, 2);
    const { runtime, close } = await openImportRuntime(folder);
    const failures: RuntimeEvent[] = [];
    runtime.subscribe((event) => void (event.type === 'effect.failed' && failures.push(event)));
    const record = await runImport(runtime, { file, linkTags, service: standin.url });
    expect(record.state).toBe('complete');
    expect(failures).toHaveLength(2);
    expect(failures.every((f) => f.type === 'effect.failed' && f.willRetry && f.error.code === 'IMPORT_UNAVAILABLE')).toBe(true);
    expect(standin.requests.get('batch/o0')).toBe(1); // the two 503s came before the key was read
    expect(standin.created).toHaveLength(1);
    await close();
  });

  it('marks an object the service refuses (4xx) error, and its dependants blocked with the reason', async () => {
    const folder = tempFolder();
    const graph: Graph = {
      objects: [object('a1', 'author'), object('a2', 'author'), object('b1', 'book'), object('ch1', 'chapter'), object('b2', 'book')],
      links: [dependent('b1', 'a1', 'writtenBy'), dependent('b1', 'a2', 'writtenBy'), dependent('ch1', 'b1', 'partOf'), independent('b2', 'b1', 'cites')],
    };
    standin.refuse = (body) => ((body.data as { name: string }).name === 'a1' ? 'authors need a surname' : undefined);
    const { file, linkTags } = writeImport(folder, graph);
    const { runtime, store, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url });
    expect(record.state).toBe('error');
    expect(contextOf(record).objects).toEqual({ total: 5, complete: 2, error: 1, blocked: 2 });
    expect(contextOf(record).links).toEqual({ total: 4, complete: 0, error: 0, blocked: 4 });
    const a1 = (await runtime.get('batch/o0'))!.snapshot!.context as PendingObjectContext;
    expect(a1.error).toEqual({ code: 'IMPORT_REJECTED', message: expect.stringContaining('422: authors need a surname') });
    const origin = { id: 'a1', line: 1, reason: expect.stringContaining('authors need a surname') };
    expect(((await runtime.get('batch/o2'))!.snapshot!.context as PendingObjectContext).blockedBy).toEqual(origin);
    expect(((await runtime.get('batch/o3'))!.snapshot!.context as PendingObjectContext).blockedBy).toEqual(origin);
    expect(((await runtime.get('batch/l4.0'))!.snapshot!.context as PendingLinkContext).blockedBy).toEqual(origin);
    expect(standin.requests.get('batch/o0')).toBe(1); // refused for good: not retried
    expect(standin.created.map((c) => (c.body.data as { name: string }).name).sort()).toEqual(['a2', 'b2']);
    expect(childStates(store, 'batch')).toEqual({ 'pendingObject:complete': 2, 'pendingObject:error': 1, 'pendingObject:blocked': 2, 'pendingLink:blocked': 4 });
    await runtime.whenIdle();
    expect(await verifyImportStore(store)).toEqual([]);
    await close();
  });

  it('waits in awaitingCallback after a 202 and completes on the service.callback event', async () => {
    const folder = tempFolder();
    const graph: Graph = { objects: [object('a1', 'author'), object('b1', 'book'), object('b2', 'book')], links: [dependent('b1', 'a1', 'writtenBy'), dependent('b2', 'a1', 'writtenBy')] };
    standin.defer = (body) => body.type === 'author';
    const { file, linkTags } = writeImport(folder, graph);
    const { runtime, close } = await openImportRuntime(folder);
    await runtime.spawn('importBatch', { file, linkTags, service: standin.url }, { id: 'batch' });
    await runtime.waitFor('batch/o0', (r) => r.state === 'awaitingCallback');
    expect((await runtime.get('batch'))!.status).toBe('active');
    const identifiers = standin.complete('batch/o0');
    await runtime.send('batch/o0', { type: 'service.callback', identifiers });
    const record = await runtime.waitFor('batch', (r) => r.status !== 'active');
    expect(record.state).toBe('complete');
    expect(standin.created.filter((c) => c.body.type === 'book').every((c) => (c.body.parents as unknown[]).length === 1)).toBe(true);
    await close();
  });

  it('takes the callback over HTTP at POST /import/callbacks on holdfast serve, refusing bad and unauthorised ones', async () => {
    const folder = tempFolder();
    standin.defer = () => true;
    const { file, linkTags } = writeImport(folder, { objects: [object('a1', 'author')], links: [] });
    const { runtime, close } = await openImportRuntime(folder);
    const server = await startServer(runtime, { port: 0 });
    try {
      await runtime.spawn('importBatch', { file, linkTags, service: standin.url }, { id: 'batch' });
      await runtime.waitFor('batch/o0', (r) => r.state === 'awaitingCallback');
      const post = (body: unknown, token = server.tokens.admin) =>
        fetch(new URL('/import/callbacks', server.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect((await post({ idempotencyKey: 'batch/o0', identifiers: { id: 1 } }, server.tokens.readOnly)).status).toBe(403);
      expect((await post('{not json')).status).toBe(400);
      expect((await post({ idempotencyKey: 'batch/o0' })).status).toBe(400);
      expect((await post({ idempotencyKey: 'batch/o0', identifiers: { id: 1 }, extra: true })).status).toBe(400);
      expect((await post({ idempotencyKey: 'nobody', identifiers: { id: 1 } })).status).toBe(404);
      expect((await post({ idempotencyKey: 'batch/o0', identifiers: { id: 'x'.repeat(70_000) } })).status).toBe(413);
      expect((await runtime.get('batch/o0'))!.state).toBe('awaitingCallback');
      const accepted = await post({ idempotencyKey: 'batch/o0', identifiers: standin.complete('batch/o0') });
      expect(accepted.status).toBe(202);
      expect(await accepted.json()).toEqual({ accepted: true, id: 'batch/o0' });
      expect((await runtime.waitFor('batch', (r) => r.status !== 'active')).state).toBe('complete');
      expect((await post({ idempotencyKey: 'batch/o0', identifiers: { id: 1 } })).status).toBe(202); // a repeat changes nothing
      expect((await runtime.get('batch'))!.state).toBe('complete');
    } finally {
      await server.close();
      await close();
    }
  });

  it('ends an object error when the service calls back with an error', async () => {
    const folder = tempFolder();
    standin.defer = () => true;
    const { file, linkTags } = writeImport(folder, { objects: [object('a1', 'author')], links: [] });
    const { runtime, close } = await openImportRuntime(folder);
    await runtime.spawn('importBatch', { file, linkTags, service: standin.url }, { id: 'batch' });
    await runtime.waitFor('batch/o0', (r) => r.state === 'awaitingCallback');
    await runtime.send('batch/o0', { type: 'service.callback', error: { code: 'DUPLICATE', message: 'already catalogued' } });
    const record = await runtime.waitFor('batch', (r) => r.status !== 'active');
    expect(record.state).toBe('error');
    expect(((await runtime.get('batch/o0'))!.snapshot!.context as PendingObjectContext).error).toEqual({ code: 'IMPORT_REJECTED', message: 'DUPLICATE: already catalogued' });
    await close();
  });
});

async function restart(existingIds: string[]): Promise<ImportStandin> {
  await standin.close();
  return startImportStandin({ existing: existingIds });
}
