import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessService } from '../../../src/adapters/import/import-service.js';
import { startImportStandin, type ImportStandin } from '../../../src/adapters/import/import-standin.js';
import { fullScale } from '../../helpers/processes.js';
import { chain, contextOf, fanIn, object, openImportRuntime, runImport, verifyImportStore, writeImport } from '../../helpers/import/import-fixtures.js';
import { tempFolder } from '../../helpers/temp-store.js';

const FAN_IN = 1_000;
const DEPTH = 1_000;
/** A blocked chain is not the point of scale: 200 deep at the default scale. */
const BLOCKED_DEPTH = fullScale ? 1_000 : 200;

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin();
});
afterEach(async () => {
  await standin.close();
});

describe('import graph at scale', () => {
  it(`creates a child of ${FAN_IN.toLocaleString('en')} dependent parents once, after all of them, with every parent's identifiers`, async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, fanIn(FAN_IN));
    const { runtime, store, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url }, { timeoutMs: 60_000 });
    expect(record.state).toBe('complete');
    expect(contextOf(record).objects.complete).toBe(FAN_IN + 1);
    expect(contextOf(record).links.complete).toBe(FAN_IN);
    expect(standin.refusedEarly).toEqual([]);
    const child = standin.created.filter((c) => c.body.type === 'hub');
    expect(child).toHaveLength(1);
    expect(standin.created.at(-1)).toBe(child[0]);
    const parents = child[0]!.body.parents as { identifiers: { id: string } }[];
    expect(new Set(parents.map((p) => p.identifiers.id)).size).toBe(FAN_IN);
    // The child counted its parents without keeping them in its context: one step per parent, a small record each time.
    const hub = (await runtime.get('batch/o0'))!;
    expect(JSON.stringify(hub.snapshot!.context).length).toBeLessThan(500);
    expect((await runtime.journal(hub.id)).filter((e) => e.event === 'parent.created')).toHaveLength(FAN_IN);
    await runtime.whenIdle();
    expect(await verifyImportStore(store)).toEqual([]);
    await close();
  });

  it(`creates a chain ${DEPTH.toLocaleString('en')} deep in order, each object after its parent`, async () => {
    const folder = tempFolder();
    const { file, linkTags } = writeImport(folder, chain(DEPTH));
    const { runtime, store, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url }, { timeoutMs: 60_000 });
    expect(record.state).toBe('complete');
    expect(standin.refusedEarly).toEqual([]);
    expect(standin.created.map((c) => (c.body.data as { name: string }).name)).toEqual(Array.from({ length: DEPTH }, (_, i) => `n${i}`));
    const parentsNamed = standin.created.slice(1).filter((c, i) => JSON.stringify(c.body.parents) === JSON.stringify([{ linkTag: 'next', identifiers: standin.created[i]!.identifiers }]));
    expect(parentsNamed).toHaveLength(DEPTH - 1);
    await runtime.whenIdle();
    expect(await verifyImportStore(store)).toEqual([]);
    await close();
  });

  it('blocks a whole chain behind a refused root, each with the root as the reason', async () => {
    const folder = tempFolder();
    standin.refuse = (body) => ((body.data as { name: string }).name === 'n0' ? 'refused root' : undefined);
    const { file, linkTags } = writeImport(folder, chain(BLOCKED_DEPTH));
    const { runtime, close } = await openImportRuntime(folder);
    const record = await runImport(runtime, { file, linkTags, service: standin.url }, { timeoutMs: 60_000 });
    expect(contextOf(record).objects).toEqual({ total: BLOCKED_DEPTH, complete: 0, error: 1, blocked: BLOCKED_DEPTH - 1 });
    const last = (await runtime.get(`batch/o${BLOCKED_DEPTH - 1}`))!.snapshot!.context as { blockedBy: { id: string; reason: string } };
    expect(last.blockedBy).toEqual({ id: 'n0', line: 1, reason: expect.stringContaining('refused root') });
    await close();
  });

  it('keeps the objects created at once within the window while it spawns the plan chunk by chunk', async () => {
    const folder = tempFolder();
    const roots = 300;
    const { file, linkTags } = writeImport(folder, { objects: Array.from({ length: roots }, (_, i) => object(`r${i}`, 'node')), links: [] });
    let inFlight = 0;
    let most = 0;
    const service = inProcessService({
      // A slow service (50 ms a call), so that unpaced spawning would run far ahead of it.
      createObject: (request) => new Promise((resolve) => setTimeout(() => resolve({ identifiers: { id: request.idempotencyKey } }), 50)),
      createLink: async (request) => ({ identifiers: { id: request.idempotencyKey } }),
    });
    const { runtime, close } = await openImportRuntime(folder, { services: { local: service }, chunkSize: 10 });
    runtime.subscribe((event) => {
      if (event.type === 'actor.spawned' && event.machine === 'pendingObject') most = Math.max(most, ++inFlight);
      if (event.type === 'actor.stepped' && event.machine === 'pendingObject' && event.status === 'done') inFlight--;
    });
    const record = await runImport(runtime, { file, linkTags, service: 'local', window: 20 });
    expect(record.state).toBe('complete');
    expect(contextOf(record).chunks).toBe(roots / 10);
    expect(most).toBeLessThanOrEqual(20 + 10);
    await close();
  });
});
