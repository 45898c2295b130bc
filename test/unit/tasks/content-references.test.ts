import { describe, expect, it } from 'vitest';
import { contentHashesIn } from '../../../src/adapters/tasks/content-references.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

const found = (value: unknown) => {
  const hashes: string[] = [];
  contentHashesIn(value, (hash) => hashes.push(hash));
  return hashes.sort();
};

describe('contentHashesIn', () => {
  it("finds the contentHash of every entity however deep it sits (a task job's payload, a fragment)", () => {
    const job = { job: { dataset: 'd', payload: { entities: [{ id: 'e1', schema: 'Document', properties: { contentHash: [A], fileName: ['a.txt'] } }] } } };
    expect(found(job)).toEqual([A]);
    expect(found({ id: 'e2', schema: 'Pages', properties: { contentHash: [A, B] } })).toEqual([A, B]);
  });

  it('takes no contentHash that is not an entity property, nor a value that is not a hash', () => {
    expect(found({ contentHash: [A], item: { contentHash: A } })).toEqual([]);
    expect(found({ id: 'e', schema: 'Document', properties: { contentHash: ['../etc/passwd', A.toUpperCase(), 7] } })).toEqual([]);
  });

  it('walks JSON nested deeper than the call stack allows', () => {
    let deep: unknown = { id: 'e', schema: 'Document', properties: { contentHash: [B] } };
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    expect(found(deep)).toEqual([B]);
  });
});
