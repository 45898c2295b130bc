import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/adapters/import/import-file.js';
import { planImport, type PlanResult } from '../../../src/adapters/import/import-plan.js';
import { decodePlanChunk } from '../../../src/adapters/import/plan-chunks.js';
import { MAX_LISTED_PROBLEMS } from '../../../src/adapters/import/problem-list.js';
import { parseLinkTags } from '../../../src/adapters/import/link-tags.js';
import type { ImportProblem, PendingLinkPlan, PendingObjectPlan } from '../../../src/machines/import.types.js';

const tags = parseLinkTags(
  JSON.stringify({ writtenBy: [{ child: 'book', parent: 'author' }], cites: [{ child: 'book', parent: 'book' }], partOf: [{ child: 'chapter', parent: 'book' }] }),
).tags;

/** Records on lines 1, 2, 3... in the order given. */
function records(...values: Record<string, unknown>[]): SourceRecord[] {
  return values.map((value, i) => ({ line: i + 1, kind: 'linkTag' in value || 'child' in value ? 'link' : 'object', value }));
}
const obj = (id: string, type: string, extra: Record<string, unknown> = {}) => ({ id, type, data: { name: id }, ...extra });
const has = (id: string, type: string) => ({ id, type, identifiers: { id: `ext-${id}` } });
const dep = (child: string, parent: string, linkTag: string, extra: Record<string, unknown> = {}) => ({ child, parent, linkTag, linkType: 'dependent', ...extra });
const ind = (child: string, parent: string, linkTag: string) => ({ child, parent, linkTag, linkType: 'independent' });

function problemsOf(result: PlanResult): ImportProblem[] {
  if (result.ok) throw new Error('expected problems, got a plan');
  return result.problems;
}

function planOf(result: PlanResult) {
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.problems)}`);
  const chunks = Array.from({ length: result.plan.count }, (_, n) => result.plan.chunk(n));
  const spawns = chunks.flatMap((chunk) => decodePlanChunk(JSON.parse(JSON.stringify(chunk)), 'chunk').spawns);
  const objects = new Map(spawns.filter((s) => s.machine === 'pendingObject').map((s) => [(s.input as PendingObjectPlan).id, s.input as PendingObjectPlan]));
  const links = new Map(spawns.filter((s) => s.machine === 'pendingLink').map((s) => [s.key, s.input as PendingLinkPlan]));
  return { chunks, spawns, objects, links };
}

describe('validating an import', () => {
  it('reports a duplicate object id on the later line, naming the first', () => {
    expect(problemsOf(planImport(records(obj('a', 'author'), obj('a', 'author')), tags))).toEqual([{ line: 2, message: 'duplicate object id "a" (first on line 1)' }]);
  });

  it("reports a link whose child or parent reference is not an object of the import", () => {
    const problems = problemsOf(planImport(records(obj('b', 'book'), dep('b', 'ghost', 'writtenBy'), dep('nobody', 'b', 'cites')), tags));
    expect(problems).toEqual([
      { line: 2, message: 'link "b" -> "ghost" (writtenBy): parent "ghost" is not an object of this import' },
      { line: 3, message: 'link "nobody" -> "b" (cites): child "nobody" is not an object of this import' },
    ]);
  });

  it('reports a self link', () => {
    expect(problemsOf(planImport(records(obj('b', 'book'), ind('b', 'b', 'cites')), tags))).toEqual([{ line: 2, message: 'link "b" -> "b" (cites): an object cannot link to itself' }]);
  });

  it('reports a tag that is unknown, or not valid for the child and parent types, or given without a link-tags file', () => {
    const input = records(obj('a', 'author'), obj('b', 'book'), dep('b', 'a', 'nope'), dep('a', 'b', 'writtenBy'));
    expect(problemsOf(planImport(input, tags))).toEqual([
      { line: 3, message: 'link "b" -> "a" (nope): unknown link tag "nope"' },
      { line: 4, message: 'link "a" -> "b" (writtenBy): link tag "writtenBy" does not let a "author" child link to a "book" parent' },
    ]);
    expect(problemsOf(planImport(records(obj('a', 'author'), obj('b', 'book'), dep('b', 'a', 'writtenBy')), undefined))[0]!.message).toMatch(/no link-tags file was given/);
  });

  it('reports a dependent link whose child already exists, unless separateDependentLinkCreate', () => {
    const refused = records(obj('a', 'author'), has('b', 'book'), dep('b', 'a', 'writtenBy'));
    expect(problemsOf(planImport(refused, tags))).toEqual([{ line: 3, message: expect.stringContaining("a dependent link's child already exists") }]);
    const separate = records(obj('a', 'author'), has('b', 'book'), dep('b', 'a', 'writtenBy', { separateDependentLinkCreate: true }));
    expect(planImport(separate, tags).ok).toBe(true);
  });

  it('reports cycles among dependent links once each, with the lines of their links; independent cycles are fine', () => {
    const input = records(
      obj('x', 'book'), obj('y', 'book'), obj('z', 'book'), obj('w', 'book'),
      dep('y', 'x', 'cites'), dep('z', 'y', 'cites'), dep('x', 'z', 'cites'), // x -> y -> z -> x
      dep('w', 'x', 'cites'), // downstream of the cycle: not a cycle itself
    );
    expect(problemsOf(planImport(input, tags))).toEqual([{ line: 5, message: 'dependent links form a cycle: "x" -> "y" -> "z" -> "x" (links on lines 5, 6, 7)' }]);
    const two = records(obj('x', 'book'), obj('y', 'book'), dep('y', 'x', 'cites'), dep('x', 'y', 'cites'));
    expect(problemsOf(planImport(two, tags))).toHaveLength(1);
    const independentCycle = records(obj('x', 'book'), obj('y', 'book'), ind('y', 'x', 'cites'), ind('x', 'y', 'cites'));
    expect(planImport(independentCycle, tags).ok).toBe(true);
  });

  it('reports a duplicate link', () => {
    expect(problemsOf(planImport(records(obj('a', 'author'), obj('b', 'book'), dep('b', 'a', 'writtenBy'), ind('b', 'a', 'writtenBy')), tags))).toEqual([
      { line: 4, message: 'link "b" -> "a" (writtenBy): duplicate link (first on line 3)' },
    ]);
  });

  it('reports malformed fields: ids, types, data with identifiers, link types, flags, unknown fields', () => {
    const problems = problemsOf(
      planImport(
        records(
          { id: '', type: 'author' },
          { id: 'a', type: 7 },
          { id: 'b', type: 'book', data: {}, identifiers: { id: 1 } },
          { id: 'c', type: 'book', identifiers: 'c-1' },
          { id: 'd', type: 'book', colour: 'red' },
          { child: 'b', parent: 'd', linkTag: 'cites', linkType: 'sideways' },
          { child: 'b', parent: 'd', linkTag: 'cites', linkType: 'dependent', separateDependentLinkCreate: 'yes' },
          { child: 'b', parent: 'd', linkTag: '', linkType: 'independent' },
          { kind: 'object' },
        ),
        tags,
      ),
    ).map((p) => `${p.line}: ${p.message}`);
    expect(problems).toEqual([
      '1: object: "id" must be a non-empty string',
      '2: object "a": "type" must be a non-empty string',
      '3: object "b": give "data" to create it or "identifiers" if it exists, not both',
      '4: object "c": "identifiers" must be an object (the identifiers of an object that exists)',
      '5: object: unknown field "colour"',
      '6: link: "linkType" must be "dependent" or "independent", got "sideways"',
      '7: link: "separateDependentLinkCreate" must be true or false',
      '8: link: "linkTag" must be a non-empty string',
      '9: object: "id" must be a non-empty string',
      '9: object without an id: "type" must be a non-empty string',
    ]);
  });

  it('finds every duplicate among many links, each naming the first', () => {
    const authors = Array.from({ length: 300 }, (_, i) => obj(`a${i}`, 'author'));
    const links = Array.from({ length: 300 }, (_, i) => ind('b', `a${(i * 7) % 300}`, 'writtenBy'));
    // Lines: b is 1, the authors 2..301, the links 302..601; then three repeats.
    const input = records(obj('b', 'book'), ...authors, ...links, ind('b', 'a7', 'writtenBy'), ind('b', 'a0', 'writtenBy'), ind('b', 'a7', 'writtenBy'));
    expect(problemsOf(planImport(input, tags))).toEqual([
      { line: 602, message: 'link "b" -> "a7" (writtenBy): duplicate link (first on line 303)' },
      { line: 603, message: 'link "b" -> "a0" (writtenBy): duplicate link (first on line 302)' },
      { line: 604, message: 'link "b" -> "a7" (writtenBy): duplicate link (first on line 303)' },
    ]);
  });

  it('keeps the problems of records on one line in their order in the file', () => {
    const line = (value: Record<string, unknown>) => ({ line: 4, kind: 'linkTag' in value ? ('link' as const) : ('object' as const), value });
    const input = [{ line: 1, kind: 'object' as const, value: obj('b', 'book') }, line(dep('b', 'ghost', 'writtenBy')), line({ ...ind('b', 'b', 'cites'), linkType: 'sideways' }), line(dep('b', 'nobody', 'cites'))];
    expect(problemsOf(planImport(input, tags)).map((p) => p.message)).toEqual([
      'link "b" -> "ghost" (writtenBy): parent "ghost" is not an object of this import',
      'link: "linkType" must be "dependent" or "independent", got "sideways"',
      'link "b" -> "nobody" (cites): parent "nobody" is not an object of this import',
    ]);
  });

  it('counts every problem but lists the first MAX_LISTED_PROBLEMS by line, whatever order the records came in', () => {
    const n = 12_000;
    // Lines descending: objects with an unknown field on even lines, links to a missing parent on odd ones, 2 to 24,001.
    const input: SourceRecord[] = Array.from({ length: n }, (_, i) => [
      { line: 2 * (n - i) + 1, kind: 'link' as const, value: dep(`o${i}`, 'ghost', 'cites') },
      { line: 2 * (n - i), kind: 'object' as const, value: obj(`o${i}`, 'book', { colour: 'red' }) },
    ]).flat();
    const result = planImport(input, tags);
    if (result.ok) throw new Error('expected problems');
    expect(result.problemCount).toBe(2 * n);
    expect(result.problems).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(result.problems.map((p) => p.line)).toEqual(Array.from({ length: MAX_LISTED_PROBLEMS }, (_, i) => i + 2));
    expect(result.problems[0]).toEqual({ line: 2, message: 'object: unknown field "colour"' });
    expect(result.problems[1]).toEqual({ line: 3, message: `link "o${n - 1}" -> "ghost" (cites): parent "ghost" is not an object of this import` });
  });

  it('reports every problem together, in line order', () => {
    const problems = problemsOf(planImport(records(obj('a', 'author'), obj('a', 'author'), ind('a', 'a', 'cites'), dep('q', 'a', 'writtenBy')), tags));
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4]);
  });
});

describe('planning an import', () => {
  const valid = records(
    obj('ch', 'chapter'),
    obj('b1', 'book'),
    obj('a1', 'author'),
    obj('a2', 'author'),
    has('b0', 'book'),
    dep('b1', 'a1', 'writtenBy'),
    dep('b1', 'a2', 'writtenBy', { separateDependentLinkCreate: true }),
    dep('ch', 'b1', 'partOf'),
    ind('b1', 'b0', 'cites'),
  );

  it('counts what each object awaits and whom it tells, and what each link awaits', () => {
    const { objects, links } = planOf(planImport(valid, tags));
    expect(objects.get('b1')).toMatchObject({ index: 1, awaiting: 2, linksAsChild: 3, children: [[0, 'partOf']], linksAsParent: [], ready: false });
    expect(objects.get('a1')).toMatchObject({ awaiting: 0, children: [[1, 'writtenBy']], linksAsParent: [], ready: true });
    expect(objects.get('a2')).toMatchObject({ children: [[1, 'writtenBy']], linksAsParent: ['l1.1'], ready: true });
    expect(objects.get('b0')).toMatchObject({ identifiers: { id: 'ext-b0' }, linksAsParent: ['l1.2'], ready: false });
    expect(objects.get('ch')).toMatchObject({ awaiting: 1, linksAsChild: 1 });
    expect(links.get('l1.0')).toMatchObject({ dependent: true, separate: false, awaiting: 1, childId: 'b1', parentId: 'a1', line: 6 });
    expect(links.get('l1.1')).toMatchObject({ dependent: true, separate: true, awaiting: 2 });
    expect(links.get('l1.2')).toMatchObject({ dependent: false, awaiting: 2 });
    expect(links.get('l0.0')).toMatchObject({ childId: 'ch', parentId: 'b1' });
  });

  it('spawns links first, then objects children-first, so no message goes to an actor not yet spawned', () => {
    const { spawns } = planOf(planImport(valid, tags));
    const keys = spawns.map((s) => s.key);
    expect(keys.slice(0, 4).every((key) => key.startsWith('l'))).toBe(true);
    const position = (id: string) => spawns.findIndex((s) => s.machine === 'pendingObject' && (s.input as PendingObjectPlan).id === id);
    expect(position('ch')).toBeLessThan(position('b1'));
    expect(position('b1')).toBeLessThan(position('a1'));
    expect(position('b1')).toBeLessThan(position('a2'));
  });

  it('plans links that come before their objects as it plans them after', () => {
    const objectsFirst = planOf(planImport(valid, tags));
    const linksFirst = [...valid.filter((r) => r.kind === 'link'), ...valid.filter((r) => r.kind === 'object')];
    expect(planOf(planImport(linksFirst, tags)).spawns).toEqual(objectsFirst.spawns);
  });

  it('cuts the plan into chunks and counts the objects each creates at once', () => {
    const result = planImport(valid, tags, { chunkSize: 3 });
    const { chunks } = planOf(result);
    expect(chunks.map((c) => decodePlanChunk(c, 'chunk').spawns.length)).toEqual([3, 3, 3]);
    expect(chunks.reduce((n, c) => n + c.ready, 0)).toBe(2);
    expect(result).toMatchObject({ objects: 5, links: 4 });
  });
});
