/**
 * The problems of an import, bounded: a broken file of 5 million lines is 5
 * million problems, and one array of them (then one record of hundreds of MB,
 * past V8's string limit) is what ran the load out of memory. A list counts
 * every problem but keeps only the `limit` with the lowest lines; equal lines
 * keep their order of arrival.
 */
import type { ImportProblem } from '../../machines/import.types.js';

/** Problems listed at most (in the `importProblems` record): 10,000 short messages are ~1 MB. */
export const MAX_LISTED_PROBLEMS = 10_000;

/**
 * The longest message kept, in characters. Messages quote the file (a field
 * name, a `kind`), so a long line could make a long one: 10,000 messages of
 * 16 MB would be a record no memory holds.
 */
export const MAX_PROBLEM_MESSAGE = 1_000;

/** Where problems go as they are found. */
export interface ProblemSink<P extends ImportProblem = ImportProblem> {
  push(problem: P): void;
}

export interface ProblemListOptions<P extends ImportProblem> {
  /** Problems kept. @default MAX_LISTED_PROBLEMS */
  limit?: number;
  /** The order of the list, lowest first. @default by line */
  order?: (a: P, b: P) => number;
}

const byLine = (a: ImportProblem, b: ImportProblem) => a.line - b.line;

/**
 * Counts every problem pushed and keeps the `limit` lowest in order (by line
 * unless told), whatever order they arrive in, holding at most 2 * limit.
 * @example
 * const problems = new ProblemList();
 * problems.push({ line: 7, message: 'not JSON' });
 * problems.sorted(); // [{ line: 7, message: 'not JSON' }]
 */
export class ProblemList<P extends ImportProblem = ImportProblem> implements ProblemSink<P> {
  readonly limit: number;
  private readonly order: (a: P, b: P) => number;
  private kept: P[] = [];
  private pushed = 0;
  /** Once `limit` are kept, the last of them: a later problem that does not sort before it cannot be listed. */
  private last: P | undefined;

  /** @throws RangeError when `limit` is not a positive integer */
  constructor(options: ProblemListOptions<P> = {}) {
    const limit = options.limit ?? MAX_LISTED_PROBLEMS;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a problem list's limit must be a positive integer, got ${limit}`);
    this.limit = limit;
    this.order = options.order ?? byLine;
  }

  push(problem: P): void {
    this.pushed++;
    // Equal to the last kept is not enough: it arrived later, so it sorts after.
    if (this.last !== undefined && this.order(problem, this.last) >= 0) return;
    this.kept.push(problem.message.length > MAX_PROBLEM_MESSAGE ? { ...problem, message: shortened(problem.message) } : problem);
    if (this.kept.length >= 2 * this.limit) this.trim();
  }

  /** Adds the problems another list kept, in their order, and counts all `count` it was given. */
  absorb(problems: readonly P[], count: number): void {
    for (const problem of problems) this.push(problem);
    this.pushed += Math.max(0, count - problems.length);
  }

  /** Every problem pushed, listed or not. */
  get count(): number {
    return this.pushed;
  }

  /** Problems held now (at most 2 * limit): what the list costs in memory. */
  get held(): number {
    return this.kept.length;
  }

  /** The kept problems, at most `limit`, lowest first; equal ones in their order of arrival. */
  sorted(): P[] {
    this.trim();
    return [...this.kept];
  }

  /** Sorts (stable, so arrival breaks ties) and drops all but the first `limit`. */
  private trim(): void {
    this.kept.sort(this.order);
    if (this.kept.length >= this.limit) {
      this.kept.length = this.limit;
      this.last = this.kept[this.limit - 1];
    }
  }
}

/** A copy of the message's start: a slice alone would keep V8's whole string alive. */
function shortened(message: string): string {
  const start = Array.from(message.slice(0, MAX_PROBLEM_MESSAGE)).join('');
  return `${start}... (${message.length - MAX_PROBLEM_MESSAGE} more characters)`;
}
