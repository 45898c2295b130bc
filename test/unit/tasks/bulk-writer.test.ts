import { describe, expect, it } from 'vitest';
import { createBulkWriter, mergeEntities } from '../../../src/adapters/tasks/bulk-writer.js';

describe('bulk writer', () => {
  it('collects fragments, merging those of one entity, and empties on flush', () => {
    const writer = createBulkWriter('leaks');
    writer.add({ id: 'p1', schema: 'Person', properties: { name: ['Ada'] } });
    writer.add({ id: 'p2', schema: 'Person', properties: { name: ['Charles'] } });
    writer.add({ id: 'p1', schema: 'Person', properties: { name: ['Ada', 'Ada Lovelace'], nationality: ['gb'] } });
    expect(writer.size).toBe(2);
    expect(writer.flush()).toEqual([
      { dataset: 'leaks', entity: { id: 'p1', schema: 'Person', properties: { name: ['Ada', 'Ada Lovelace'], nationality: ['gb'] } } },
      { dataset: 'leaks', entity: { id: 'p2', schema: 'Person', properties: { name: ['Charles'] } } },
    ]);
    expect(writer.size).toBe(0);
    expect(writer.flush()).toEqual([]);
  });

  it('refuses an invalid fragment naming its fields', () => {
    const writer = createBulkWriter('leaks');
    expect(() => writer.add({ id: 'p1', schema: 'person', properties: { name: 'Ada' } } as never)).toThrow(
      /\[INVALID_INPUT\] invalid entity fragment: schema: .*; properties.name: a property holds a list of strings/,
    );
    expect(writer.size).toBe(0);
  });

  it('bounds the distinct entities of one run', () => {
    const writer = createBulkWriter('leaks', 2);
    writer.add({ id: 'a', schema: 'Thing', properties: {} });
    writer.add({ id: 'b', schema: 'Thing', properties: {} });
    writer.add({ id: 'a', schema: 'Thing', properties: { name: ['more of a known one'] } });
    expect(() => writer.add({ id: 'c', schema: 'Thing', properties: {} })).toThrow(/may write 2 entities; defer the rest/);
  });
});

describe('mergeEntities', () => {
  it('keeps the first schema and extra fields, and every value once in first-seen order', () => {
    expect(
      mergeEntities([
        { id: 'd1', schema: 'Document', properties: { title: ['A'] }, datasets: ['leaks'] },
        { id: 'd1', schema: 'Document', properties: { title: ['B', 'A'], bodyText: ['text'] } },
      ]),
    ).toEqual({ id: 'd1', schema: 'Document', datasets: ['leaks'], properties: { title: ['A', 'B'], bodyText: ['text'] } });
  });
});
