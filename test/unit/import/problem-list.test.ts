/** The import's bounded problem list: the lowest lines kept whatever the order of arrival, all counted, memory bounded. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LISTED_PROBLEMS, MAX_PROBLEM_MESSAGE, ProblemList } from '../../../src/adapters/import/problem-list.js';
import type { ImportProblem } from '../../../src/machines/import.types.js';

/** What the list should keep: all problems stably sorted by line, the first `limit`. */
const expected = (problems: ImportProblem[], limit: number) => [...problems].sort((a, b) => a.line - b.line).slice(0, limit);

describe('a problem list', () => {
  it('keeps the lowest lines whatever the order of arrival, equal lines in their order of arrival, never holding more than 2 * limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 200 }), (limit, lines) => {
        const list = new ProblemList({ limit });
        // The message tells the arrival: same-line problems must come out in it.
        const problems = lines.map((line, i) => ({ line, message: `#${i}` }));
        for (const problem of problems) {
          list.push(problem);
          expect(list.held).toBeLessThanOrEqual(2 * limit);
        }
        expect(list.count).toBe(problems.length);
        expect(list.sorted()).toEqual(expected(problems, limit));
      }),
      { numRuns: 300 },
    );
  });

  it('counts past the limit, lines given in descending order, and stays sorted while more arrive', () => {
    const list = new ProblemList({ limit: 3 });
    for (let line = 100; line >= 1; line--) list.push({ line, message: 'bad' });
    expect(list.count).toBe(100);
    expect(list.held).toBeLessThanOrEqual(6);
    expect(list.sorted().map((p) => p.line)).toEqual([1, 2, 3]);
    list.push({ line: 0, message: 'first' });
    list.push({ line: 2, message: 'later' });
    expect(list.count).toBe(102);
    expect(list.sorted()).toEqual([{ line: 0, message: 'first' }, { line: 1, message: 'bad' }, { line: 2, message: 'bad' }]);
  });

  it('holds no more than the limit once ascending lines pass it: later ones cannot be listed', () => {
    const list = new ProblemList({ limit: 4 });
    for (let line = 1; line <= 1_000; line++) list.push({ line, message: 'x' });
    expect(list.held).toBe(4);
    expect(list.count).toBe(1_000);
  });

  it('orders by the order given, and absorbs another list counting all it counted', () => {
    type Placed = ImportProblem & { at: number };
    const links = new ProblemList<Placed>({ limit: 2, order: (a, b) => a.line - b.line || a.at - b.at });
    links.push({ line: 1, message: 'b', at: 2 });
    links.push({ line: 1, message: 'a', at: 1 });
    links.push({ line: 1, message: 'c', at: 3 });
    expect(links.sorted().map((p) => p.message)).toEqual(['a', 'b']);
    const all = new ProblemList({ limit: 3 });
    all.push({ line: 1, message: 'read' });
    all.absorb(links.sorted().map(({ line, message }) => ({ line, message })), links.count);
    expect(all.count).toBe(4);
    expect(all.sorted().map((p) => p.message)).toEqual(['read', 'a', 'b']);
  });

  it('keeps 10,000 by default and shortens a message quoting a huge field', () => {
    const list = new ProblemList();
    expect(list.limit).toBe(MAX_LISTED_PROBLEMS);
    expect(MAX_LISTED_PROBLEMS).toBe(10_000);
    list.push({ line: 3, message: `object: unknown field "${'k'.repeat(100_000)}"` });
    const [problem] = list.sorted();
    expect(problem!.message.length).toBeLessThan(MAX_PROBLEM_MESSAGE + 50);
    expect(problem!.message).toMatch(/^object: unknown field "k+\.\.\. \(99\d{3} more characters\)$/);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => new ProblemList({ limit })).toThrow(RangeError);
  });
});
