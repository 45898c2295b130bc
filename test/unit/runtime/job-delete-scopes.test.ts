/**
 * The record scopes a machine declares for deletion (src/runtime/job-delete.ts):
 * one key (only when it exists), a key prefix, and the whole-collection scopes
 * (a key part, a value's field) grouped into one scan per collection, each
 * record found once however many scopes name it, and nothing outside them.
 */
import { describe, expect, it } from 'vitest';
import { recordsIn } from '../../../src/runtime/job-delete.js';
import type { RecordKey } from '../../../src/persistence/store.js';

/** Records in key order, read as the Store port reads them (prefix scans over array keys). */
function reader(records: [string, RecordKey, unknown][]) {
  const scans: string[] = [];
  const sameKey = (a: RecordKey, b: RecordKey) => JSON.stringify(a) === JSON.stringify(b);
  const under = (key: RecordKey, prefix: RecordKey | undefined) => {
    if (prefix === undefined) return true;
    const parts = Array.isArray(prefix) ? prefix : [prefix];
    return Array.isArray(key) ? parts.every((part, at) => key[at] === part) : parts.length === 1 && key === parts[0];
  };
  return {
    scans,
    getRecord: (collection: string, key: RecordKey) => records.find(([c, k]) => c === collection && sameKey(k, key))?.[2],
    *scanRecords(collection: string, prefix?: RecordKey) {
      scans.push(collection);
      for (const [c, key, value] of records) if (c === collection && under(key, prefix)) yield { key, value };
    },
  } as const;
}

describe('record scopes of a delete', () => {
  const records: [string, RecordKey, unknown][] = [
    ['entries', ['load-1', 'a'], 1],
    ['entries', ['load-1', 'b'], 2],
    ['entries', ['load-10', 'a'], 3],
    ['registrations', 'load-1', []],
    ['entities', ['ds', 'p1', 'job-1'], {}],
    ['entities', ['ds', 'p1', 'job-2'], {}],
    ['entities', ['ds', 'p2', 'job-1/next'], {}],
    ['groups', 41, { jobId: 'job-1' }],
    ['groups', 42, { jobId: 'job-2' }],
  ];

  it('finds a key only when it exists, and every key under a prefix but no neighbour', () => {
    const store = reader(records);
    const found = recordsIn(store as never, [
      { collection: 'entries', prefix: ['load-1'] },
      { collection: 'registrations', key: 'load-1' },
      { collection: 'metadata', key: 'load-1' },
    ]);
    expect(found).toEqual([
      { collection: 'entries', key: ['load-1', 'a'] },
      { collection: 'entries', key: ['load-1', 'b'] },
      { collection: 'registrations', key: 'load-1' },
    ]);
  });

  it('matches a key part or a value field with one scan per collection, each record once', () => {
    const store = reader(records);
    const found = recordsIn(store as never, [
      { collection: 'entities', keyPart: 2, equals: 'job-1' },
      { collection: 'entities', keyPart: 2, equals: 'job-1/next' },
      { collection: 'entities', keyPart: 2, equals: 'job-1' },
      { collection: 'groups', field: 'jobId', equals: 'job-1' },
    ]);
    expect(found).toEqual([
      { collection: 'entities', key: ['ds', 'p1', 'job-1'] },
      { collection: 'entities', key: ['ds', 'p2', 'job-1/next'] },
      { collection: 'groups', key: 41 },
    ]);
    expect(store.scans).toEqual(['entities', 'groups']);
  });
});
