import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIGH, indexChanges, indexKeysOf, matches, mergeIds, rangesFor } from '../../../src/persistence/index-keys.js';
import type { ActorId, ActorRecord } from '../../../src/persistence/store.js';

const id = (value: string) => value as ActorId;

function record(overrides: Partial<ActorRecord> = {}): ActorRecord {
  return {
    id: id('job/f1'),
    machine: 'datafile',
    version: '1',
    parent: id('job'),
    root: id('job'),
    status: 'active',
    state: 'copying',
    snapshot: null,
    seq: 1,
    effects: {},
    timers: {},
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}

describe('index keys', () => {
  it('lists an actor by parent, machine and state, and status; by root only where its parent is not the root', () => {
    expect(indexKeysOf(record())).toEqual([
      ['p', 'job', 'job/f1'],
      ['m', 'datafile', 'copying', 'job/f1'],
      ['s', 'active', 'job/f1'],
    ]);
    expect(indexKeysOf(record({ id: id('job/f1/x'), parent: id('job/f1') }))).toContainEqual(['r', 'job', 'job/f1/x']);
    const top = record({ id: id('job'), root: id('job') });
    delete top.parent;
    expect(indexKeysOf(top)).toContainEqual(['r', 'job', 'job']);
  });

  it('merges the two ranges of a job in the store key order, code points (UTF-8) not UTF-16 units', () => {
    const merged = [...mergeIds(['a', 'c', 'e\u{1F600}', 'z'], ['b', 'd', 'e\uFFFD', 'ö'])];
    expect(merged).toEqual(['a', 'b', 'c', 'd', 'e\uFFFD', 'e\u{1F600}', 'z', 'ö']);
    expect([...mergeIds([], ['x'])]).toEqual(['x']);
  });

  it("files a top actor under the empty parent ''", () => {
    const top = record({ id: id('job'), root: id('job') });
    delete top.parent;
    expect(indexKeysOf(top)[0]).toEqual(['p', '', 'job']);
  });

  it('adds every key for a new actor and removes nothing', () => {
    const next = record();
    expect(indexChanges(undefined, next)).toEqual({ removed: [], added: indexKeysOf(next) });
  });

  it('rewrites only the keys a step changed', () => {
    const previous = record();
    const sameState = record({ seq: 2 });
    expect(indexChanges(previous, sameState)).toEqual({ removed: [], added: [] });
    const moved = record({ state: 'verifying', seq: 2 });
    expect(indexChanges(previous, moved)).toEqual({ removed: [['m', 'datafile', 'copying', 'job/f1']], added: [['m', 'datafile', 'verifying', 'job/f1']] });
    const finished = record({ state: 'done', status: 'done', seq: 3 });
    expect(indexChanges(moved, finished)).toEqual({
      removed: [['m', 'datafile', 'verifying', 'job/f1'], ['s', 'active', 'job/f1']],
      added: [['m', 'datafile', 'done', 'job/f1'], ['s', 'done', 'job/f1']],
    });
  });

  it('removes exactly the keys only the previous record has and adds those only the next has (property)', () => {
    const ids = fc.constantFrom('job', 'job/f1', 'job/f1/x', 'other');
    const records = fc.record({
      id: ids,
      parent: fc.option(ids, { nil: undefined }),
      root: ids,
      machine: fc.constantFrom('datafile', 'batch'),
      state: fc.constantFrom('copying', 'verifying', 'done'),
      status: fc.constantFrom('active', 'done', 'parked'),
    });
    const make = (fields: { id: string; parent: string | undefined; root: string; machine: string; state: string; status: string }) => {
      const made = record({ id: id(fields.id), root: id(fields.root), machine: fields.machine, state: fields.state, status: fields.status as ActorRecord['status'] });
      if (fields.parent === undefined) delete made.parent;
      else made.parent = id(fields.parent);
      return made;
    };
    const text = (keys: unknown[][]) => keys.map((key) => JSON.stringify(key));
    fc.assert(
      fc.property(records, records, (a, b) => {
        const [previous, next] = [make(a), make(b)];
        const before = text(indexKeysOf(previous));
        const after = text(indexKeysOf(next));
        const { removed, added } = indexChanges(previous, next);
        expect(text(removed).sort()).toEqual(before.filter((key) => !after.includes(key)).sort());
        expect(text(added).sort()).toEqual(after.filter((key) => !before.includes(key)).sort());
      }),
      { numRuns: 500 },
    );
  });

  it('answers a filter from its most selective range', () => {
    expect(rangesFor({ parent: id('job'), status: 'active' })).toEqual([{ start: ['p', 'job'], end: ['p', 'job', HIGH] }]);
    expect(rangesFor({ topOnly: true })).toEqual([{ start: ['p', ''], end: ['p', '', HIGH] }]);
    expect(rangesFor({ machine: 'datafile', state: 'copying' })).toEqual([{ start: ['m', 'datafile', 'copying'], end: ['m', 'datafile', 'copying', HIGH] }]);
    expect(rangesFor({ root: id('job'), machine: 'datafile' })).toEqual([
      { start: ['r', 'job'], end: ['r', 'job', HIGH] },
      { start: ['p', 'job'], end: ['p', 'job', HIGH] },
    ]);
    expect(rangesFor({ machine: 'datafile' })).toEqual([{ start: ['m', 'datafile'], end: ['m', 'datafile', HIGH] }]);
    expect(rangesFor({ status: 'parked' })).toEqual([{ start: ['s', 'parked'], end: ['s', 'parked', HIGH] }]);
    expect(rangesFor({})).toEqual([{ start: ['p'], end: ['p', HIGH] }]);
  });

  it('checks the conditions the range did not cover', () => {
    const actor = record();
    expect(matches(actor, { parent: id('job'), status: 'active', machine: 'datafile', state: 'copying', root: id('job') })).toBe(true);
    expect(matches(actor, { parent: id('job'), status: 'done' })).toBe(false);
    expect(matches(actor, { topOnly: true })).toBe(false);
    expect(matches(actor, { machine: 'batch' })).toBe(false);
    expect(matches(actor, { root: id('other') })).toBe(false);
  });
});
