import { describe, expect, it } from 'vitest';
import { HoldfastError } from '../../../src/errors.js';
import { appItems } from '../../../src/adapters/batch/sources/app-source.js';
import { hash53, idFromField, uniqueIds } from '../../../src/adapters/batch/sources/item-source.js';
import { jobItems, type JobsReader } from '../../../src/adapters/batch/sources/job-source.js';
import { formatSourceSpec, openSource, parseSourceSpec } from '../../../src/adapters/batch/sources/source-spec.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function failure(promise: Promise<unknown>): Promise<HoldfastError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HoldfastError);
    return error as HoldfastError;
  }
  throw new Error('expected a failure');
}

describe('parseSourceSpec', () => {
  it('reads every scheme, resolving relative paths against cwd', () => {
    expect(parseSourceSpec('jsonl:data/a.jsonl', '/w')).toEqual({ scheme: 'jsonl', path: '/w/data/a.jsonl' });
    expect(parseSourceSpec('jsonl:data/a.jsonl#id', '/w')).toEqual({ scheme: 'jsonl', path: '/w/data/a.jsonl', field: 'id' });
    expect(parseSourceSpec('csv:/abs/b.csv#code', '/w')).toEqual({ scheme: 'csv', path: '/abs/b.csv', field: 'code' });
    expect(parseSourceSpec('dir:files', '/w')).toEqual({ scheme: 'dir', path: '/w/files' });
    expect(parseSourceSpec('app:people', '/w')).toEqual({ scheme: 'app', name: 'people' });
    expect(parseSourceSpec('exceptions:job-1', '/w')).toEqual({ scheme: 'exceptions', job: 'job-1' });
    expect(parseSourceSpec('results:job-2', '/w')).toEqual({ scheme: 'results', job: 'job-2' });
  });

  it('keeps a "#" inside a folder name as part of the path', () => {
    expect(parseSourceSpec('jsonl:a#b/c.jsonl', '/w')).toEqual({ scheme: 'jsonl', path: '/w/a#b/c.jsonl' });
  });

  it('round-trips through formatSourceSpec with absolute paths', () => {
    for (const spec of ['jsonl:/d/a.jsonl#id', 'csv:/d/b.csv', 'dir:/d/files', 'app:x', 'exceptions:j', 'results:j']) {
      expect(formatSourceSpec(parseSourceSpec(spec, '/w'))).toBe(spec);
    }
  });

  it('refuses an unknown scheme, listing the schemes', () => {
    expect(() => parseSourceSpec('sql:select 1', '/w')).toThrow(/scheme must be one of jsonl:, csv:, dir:, app:, exceptions:, results:/);
    expect(() => parseSourceSpec('no-colon', '/w')).toThrow(/INVALID_INPUT/);
  });

  it('refuses an empty path or field', () => {
    expect(() => parseSourceSpec('jsonl:', '/w')).toThrow(/nothing after "jsonl:"/);
    expect(() => parseSourceSpec('csv:a.csv#', '/w')).toThrow(/id field/);
  });
});

describe('item ids', () => {
  it('takes a string or number field and refuses anything else, naming where', () => {
    expect(idFromField({ id: 7 }, 'id', 'x line 1')).toBe('7');
    expect(idFromField({ id: 'a' }, 'id', 'x line 1')).toBe('a');
    expect(() => idFromField({ other: 1 }, 'id', 'x line 3')).toThrow(/x line 3: the id field "id" is missing/);
    expect(() => idFromField({ id: { a: 1 } }, 'id', 'x line 4')).toThrow(/x line 4: .* must be a string or a number/);
    expect(() => idFromField([1], 'id', 'x line 5')).toThrow(/x line 5: not an object/);
    expect(() => idFromField({ id: 'x'.repeat(1_001) }, 'id', 'x line 6')).toThrow(/longer than 1000/);
  });

  it('refuses a duplicate id, naming both places', async () => {
    async function* items() {
      yield { id: 'a', value: 1, line: 1 };
      yield { id: 'b', value: 2, line: 2 };
      yield { id: 'a', value: 3, line: 9 };
    }
    const error = await failure(collect(uniqueIds(items(), (line) => `f line ${line}`)));
    expect(error.message).toMatch(/duplicate id "a" at f line 9 \(first at f line 1\)/);
  });
});

describe('unique ids over a source that can be read again', () => {
  const list = (entries: [string, number][]) =>
    async function* () {
      for (const [id, line] of entries) yield { id, value: line, line };
    };

  it('keeps hashes only and confirms a repeated one by reading the source again, naming the first line', async () => {
    const items = list([['a', 1], ['b', 2], ['a', 3]]);
    const error = await failure(collect(uniqueIds(items(), (line) => `f line ${line}`, items)));
    expect(error.message).toMatch(/duplicate id "a" at f line 3 \(first at f line 1\)/);
  });

  it('lets an item through when the second reading finds no earlier item with its id (a hash collision)', async () => {
    const items = list([['a', 1], ['a', 2]]);
    const other = list([['x', 1], ['y', 2]]);
    expect(await collect(uniqueIds(items(), (line) => `f line ${line}`, other))).toHaveLength(2);
    expect(hash53('a')).toBe(hash53('a'));
    expect(hash53('a')).not.toBe(hash53('b'));
    expect(Number.isSafeInteger(hash53('any id at all'))).toBe(true);
  });
});

describe('app: sources', () => {
  it('keeps { id, value } ids and numbers plain values by position', async () => {
    const sources = { keyed: () => [{ id: 'k1', value: 1 }, { id: 2, value: 'two' }], plain: async function* () { yield 'x'; yield { id: { no: 1 } }; } };
    expect(await collect(appItems('keyed', sources))).toEqual([{ id: 'k1', value: 1 }, { id: '2', value: 'two' }]);
    expect(await collect(appItems('plain', sources))).toEqual([{ id: '1', value: 'x' }, { id: '2', value: { id: { no: 1 } } }]);
  });

  it('names the known sources when one is missing', () => {
    expect(() => appItems('nope', { a: () => [], b: () => [] })).toThrow(/no source "nope" in the host module \(it has: a, b\)/);
    expect(() => appItems('nope', undefined)).toThrow(/registers no sources/);
  });

  it('turns a throwing source into SOURCE_UNREADABLE with how far it got', async () => {
    const sources = {
      broken: async function* () {
        yield 1;
        throw new Error('database went away');
      },
    };
    const error = await failure(collect(appItems('broken', sources)));
    expect(error.code).toBe('SOURCE_UNREADABLE');
    expect(error.message).toMatch(/app:broken failed after 1 item\(s\): database went away/);
  });

  it('refuses duplicate ids from a source', async () => {
    const error = await failure(collect(appItems('dup', { dup: () => [{ id: 'a', value: 1 }, { id: 'a', value: 2 }] })));
    expect(error.message).toMatch(/duplicate id "a" at app:dup item 2 \(first at app:dup item 1\)/);
  });
});

describe('exceptions: and results: sources', () => {
  const jobs: JobsReader = {
    get: async (id) => (id === 'j1' ? { id } : undefined),
    exceptions: async (_id, options) => {
      expect(options).toEqual({ open: true });
      return [{ item: 'i7', input: { a: 1 } }];
    },
    async *results() {
      yield { item: 'i1', value: 'r1' };
    },
  };

  it("reads another job's open exceptions (item id kept, input as value) and its results", async () => {
    expect(await collect(await jobItems('exceptions', 'j1', jobs))).toEqual([{ id: 'i7', value: { a: 1 } }]);
    expect(await collect(await jobItems('results', 'j1', jobs))).toEqual([{ id: 'i1', value: 'r1' }]);
  });

  it('refuses an unknown job', async () => {
    const error = await failure(openSource(parseSourceSpec('results:nope', '/w'), { cwd: '/w', jobs }));
    expect(error.code).toBe('JOB_NOT_FOUND');
    expect(error.message).toMatch(/no batch job nope/);
  });
});
