import { describe, expect, it } from 'vitest';
import { planImport } from '../../../src/adapters/import/import-plan.js';
import { parseLinkTags } from '../../../src/adapters/import/link-tags.js';
import { decodePlanChunk } from '../../../src/adapters/import/plan-chunks.js';
import type { PlanChunk, StoredPlanChunk } from '../../../src/machines/import.types.js';

const tags = parseLinkTags(JSON.stringify({ writtenBy: [{ child: 'book', parent: 'author' }], cites: [{ child: 'book', parent: 'book' }] })).tags;
const at = (line: number, kind: 'object' | 'link', value: Record<string, unknown>) => ({ line, kind, value });

/** a (author) <-dependent- b (book) -independent-> e (a book that exists). */
const records = [
  at(1, 'object', { id: 'a', type: 'author', data: { name: 'A' } }),
  at(2, 'object', { id: 'b', type: 'book', data: { title: 'B' } }),
  at(3, 'object', { id: 'e', type: 'book', identifiers: { id: 'E-1' } }),
  at(4, 'link', { child: 'b', parent: 'a', linkTag: 'writtenBy', linkType: 'dependent' }),
  at(5, 'link', { child: 'b', parent: 'e', linkTag: 'cites', linkType: 'independent' }),
];

/** What the batch spawns for that graph (links, then objects children-first): the shape the plan had before chunks were stored compactly. */
const expected: PlanChunk = {
  ready: 1,
  spawns: [
    { machine: 'pendingLink', key: 'l1.0', input: { line: 4, linkTag: 'writtenBy', childId: 'b', parentId: 'a', dependent: true, separate: false, awaiting: 1 } },
    { machine: 'pendingLink', key: 'l1.1', input: { line: 5, linkTag: 'cites', childId: 'b', parentId: 'e', dependent: false, separate: false, awaiting: 2 } },
    { machine: 'pendingObject', key: 'o1', input: { index: 1, id: 'b', type: 'book', line: 2, awaiting: 1, linksAsChild: 2, children: [], linksAsParent: [], ready: false, data: { title: 'B' } } },
    { machine: 'pendingObject', key: 'o2', input: { index: 2, id: 'e', type: 'book', line: 3, awaiting: 0, linksAsChild: 0, children: [], linksAsParent: ['l1.1'], ready: false, identifiers: { id: 'E-1' } } },
    { machine: 'pendingObject', key: 'o0', input: { index: 0, id: 'a', type: 'author', line: 1, awaiting: 0, linksAsChild: 0, children: [[1, 'writtenBy']], linksAsParent: [], ready: true, data: { name: 'A' } } },
  ],
};

function storedChunks(chunkSize = 250): StoredPlanChunk[] {
  const result = planImport(records, tags, { chunkSize });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  // Through JSON, as the store keeps them.
  return JSON.parse(JSON.stringify(Array.from({ length: result.plan.count }, (_, n) => result.plan.chunk(n)))) as StoredPlanChunk[];
}

describe('plan chunks as stored', () => {
  it('keep links and objects as flat runs of values and read back as the spawns of the plan', () => {
    const [chunk] = storedChunks();
    expect(chunk).toEqual({
      v: 2,
      ready: 1,
      links: [1, 0, 4, 'writtenBy', 'b', 'a', 1, 1, 1, 5, 'cites', 'b', 'e', 0],
      objects: [1, 'b', 'book', 2, 1, 2, 0, { title: 'B' }, 0, 0, 2, 'e', 'book', 3, 0, 0, 2, { id: 'E-1' }, 0, 1, 1, 1, 0, 'a', 'author', 1, 0, 0, 1, { name: 'A' }, 1, 1, 'writtenBy', 0],
    });
    expect(decodePlanChunk(chunk, 'chunk 0')).toEqual(expected);
  });

  it('cut a chunk anywhere, between links and objects too, and read back in the same order', () => {
    const chunks = storedChunks(2);
    expect(chunks.map((c) => decodePlanChunk(c, 'chunk').spawns.length)).toEqual([2, 2, 1]);
    expect(chunks.flatMap((c) => decodePlanChunk(c, 'chunk').spawns)).toEqual(expected.spawns);
    expect(chunks.map((c) => c.ready)).toEqual([0, 0, 1]);
  });

  it('read a chunk written by the release before them ({ spawns, ready }) as it is', () => {
    const previous = JSON.parse(JSON.stringify(expected)) as PlanChunk;
    expect(decodePlanChunk(previous, 'chunk 3')).toEqual(expected);
  });

  it('are a third of the bytes of the form before them', () => {
    expect(JSON.stringify(storedChunks()[0]).length * 3).toBeLessThan(JSON.stringify(expected).length);
  });

  it('refuse a chunk of neither form, or one cut short, as RECORD_CORRUPT', () => {
    const [chunk] = storedChunks();
    const broken: unknown[] = [
      null,
      'chunk',
      { v: 3, ready: 0, links: [], objects: [] },
      { ...chunk, links: chunk!.links.slice(0, 10) },
      { ...chunk, objects: chunk!.objects.slice(0, 5) },
      { ...chunk, objects: [...chunk!.objects.slice(0, 8), 5, 'x'] },
      { ...chunk, objects: [...chunk!.objects.slice(0, 8), -1, 0] },
    ];
    for (const value of broken) expect(() => decodePlanChunk(value, 'chunk 7 of import imp')).toThrow(expect.objectContaining({ code: 'RECORD_CORRUPT', message: expect.stringContaining('chunk 7 of import imp') }));
  });
});
