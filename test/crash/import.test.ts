/**
 * SIGKILL during an import's creations, resume, repeat (issue 6): at the end
 * the stand-in created each object and link exactly once, never before its
 * parents or ends, and the batch completed once. Repeatable with
 * HOLDFAST_CRASH_SEED=<seed>.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startImportStandin, type ImportStandin } from '../../src/adapters/import/import-standin.js';
import { openLmdbStore } from '../../src/index.js';
import { crashSeed, fullScale, killAfter, runToEnd, startWorkload } from '../helpers/processes.js';
import { childStates, dependent, existing, independent, LINK_TAGS, object, verifyImportStore, writeImport, type Graph } from '../helpers/import/import-fixtures.js';
import { tempFolder } from '../helpers/temp-store.js';

const KILLS = fullScale ? 30 : 8;
const AUTHORS = 40;
/** Books and as many chapters: about 550 objects and 900 links, some 890 creations at 20 ms each, four at a time. */
const BOOKS = fullScale ? 500 : 250;

/** Authors, a chain of citing books, an anthology of every author, chapters, existing publishers and books. */
function library(): Graph {
  const objects = [];
  const links = [];
  for (let i = 0; i < AUTHORS; i++) objects.push(object(`a${i}`, 'author'));
  for (let i = 0; i < 5; i++) objects.push(existing(`pub${i}`, 'publisher'));
  for (let i = 0; i < 3; i++) objects.push(existing(`old${i}`, 'book'));
  for (let i = 0; i < BOOKS; i++) {
    objects.push(object(`b${i}`, 'book'));
    links.push(dependent(`b${i}`, `a${i % AUTHORS}`, 'writtenBy'));
    if (i % 3 === 0) links.push(dependent(`b${i}`, `a${(i + 7) % AUTHORS}`, 'writtenBy', true));
    if (i > 0 && i % 10 !== 0) links.push(dependent(`b${i}`, `b${i - 1}`, 'cites')); // chains ten deep
    links.push(independent(`b${i}`, `pub${i % 5}`, 'publishedBy'));
  }
  objects.push(object('anthology', 'book'));
  for (let i = 0; i < AUTHORS; i++) links.push(dependent('anthology', `a${i}`, 'writtenBy'));
  for (let i = 0; i < BOOKS; i++) {
    objects.push(object(`ch${i}`, 'chapter'));
    links.push(dependent(`ch${i}`, `b${(i * 7) % BOOKS}`, 'partOf'));
  }
  for (let i = 0; i < 3; i++) links.push(dependent(`old${i}`, `a${i}`, 'writtenBy', true), independent(`b${i}`, `old${i}`, 'cites'));
  return { objects, links };
}

/** What a store that did not finish holds: the batch, its children by state, parked actors, waiting messages. */
async function describeStuck(path: string): Promise<string> {
  const store = openLmdbStore(path, { readOnly: true });
  try {
    const batch = store.getActor('imp' as never);
    const parked = [...store.queryActors({ status: 'parked' })].map((r) => `${r.id}: ${r.error?.message}`);
    const inbox = [...store.inbox()].slice(0, 10).map((m) => `${m.to} <- ${m.event.type}`);
    const active = [...store.queryActors({ status: 'active' })].slice(0, 10).map((r) => `${r.id} ${r.state} effects=${JSON.stringify(r.effects)} timers=${JSON.stringify(r.timers)}`);
    return JSON.stringify({ batch: batch && { state: batch.state, context: batch.snapshot?.context, effects: batch.effects }, children: childStates(store, 'imp'), parked, inbox, active }, null, 1);
  } finally {
    await store.close();
  }
}

let standin: ImportStandin;
beforeEach(async () => {
  standin = await startImportStandin({ delayMs: 20, existing: [...Array.from({ length: 5 }, (_, i) => `ext-pub${i}`), ...Array.from({ length: 3 }, (_, i) => `ext-old${i}`)] });
});
afterEach(async () => {
  await standin.close();
});

describe('crash: an import under repeated SIGKILL', () => {
  it('creates each object and link exactly once, never before its parents, and completes the batch once', async () => {
    const { seed, random } = crashSeed();
    const folder = tempFolder('holdfast-crash-import-');
    const store = join(folder, 'store');
    const graph = library();
    const { file, linkTags } = writeImport(folder, graph, { linkTags: { ...LINK_TAGS, publishedBy: [{ child: 'book', parent: 'publisher' }] } });
    const args = [store, file, linkTags, standin.url];
    let kills = 0;
    const createdAtKills: number[] = [];
    for (let run = 0; kills < KILLS && run < KILLS * 3; run++) {
      const outcome = await killAfter(startWorkload('import', args), 100 + Math.floor(random() * 400));
      expect(outcome, `seed ${seed}: runtime did not open`).not.toBe('unready');
      if (outcome === 'finished') break;
      kills++;
      createdAtKills.push(standin.created.length);
    }
    expect(kills, `seed ${seed}: the import finished before it was killed ${KILLS} times`).toBeGreaterThanOrEqual(Math.min(KILLS, 10));
    const last = startWorkload('import', args);
    const { code, timedOut } = await runToEnd(last);
    expect(code, `seed ${seed}: final run failed: ${timedOut ? await describeStuck(store) : last.output()}`).toBe(0);
    expect(last.output()).toContain('DONE');

    const toCreate = graph.objects.filter((o) => o.identifiers === undefined).length;
    const linksToCreate = graph.links.filter((l) => l.linkType === 'independent' || l.separateDependentLinkCreate).length;
    const objects = standin.created.filter((c) => c.kind === 'object');
    const links = standin.created.filter((c) => c.kind === 'link');
    expect(standin.refusedEarly, `seed ${seed}: sent before its parents`).toEqual([]);
    expect(objects, `seed ${seed}`).toHaveLength(toCreate);
    expect(new Set(objects.map((c) => c.content)).size, `seed ${seed}: an object created twice`).toBe(toCreate);
    expect(links).toHaveLength(linksToCreate);
    expect(new Set(links.map((c) => c.content)).size, `seed ${seed}: a link created twice`).toBe(linksToCreate);
    const createdBefore = new Set<string>();
    for (const creation of standin.created) {
      const needs = creation.kind === 'object' ? (creation.body.parents as { identifiers: { id: string } }[]).map((p) => p.identifiers.id) : [(creation.body.child as { id: string }).id, (creation.body.parent as { id: string }).id];
      for (const id of needs) expect(createdBefore.has(id) || id.startsWith('ext-'), `seed ${seed}: ${creation.key} before ${id}`).toBe(true);
      createdBefore.add(creation.identifiers.id);
    }
    expect(new Set(standin.completions.map((c) => c.idempotencyKey))).toEqual(new Set(['imp']));
    expect(standin.completions.every((c) => c.outcome === 'complete')).toBe(true);

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const batch = readOnly.getActor('imp' as never)!;
      expect(batch.state, `seed ${seed}`).toBe('complete');
      expect([...readOnly.journal(batch.id)].filter((e) => e.to === 'complete'), `seed ${seed}: the batch completed once`).toHaveLength(1);
      expect([...readOnly.journal(batch.id)].filter((e) => e.from === 'running' && e.to !== 'running')).toHaveLength(1);
      expect(await verifyImportStore(readOnly), `seed ${seed}`).toEqual([]);
      expect([...readOnly.inbox()]).toHaveLength(0);
    } finally {
      await readOnly.close();
    }
    console.log(`import crash seed ${seed}: ${kills} kills; created by kill: ${createdAtKills.join(' ')}; requests ${[...standin.requests.values()].reduce((a, b) => a + b, 0)} for ${standin.created.length} creations`);
  });
});
