/**
 * Compact tables for validating an import: a growable Int32Array per column
 * instead of an object per record (300,000 link objects were ~30 MB of heap
 * with their strings; five Int32 columns are 6 MB), and an interner so each
 * type or link tag is one string, however many records name it.
 */

/** A growable column of 32-bit integers. */
export class IntColumn {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index]!;
  }

  /** The values, trimmed to the length (a view: no copy). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Strings by number: the same text always gets the same number and one stored string. */
export class Interner {
  private readonly numbers = new Map<string, number>();
  private readonly values: string[] = [];

  /** The number of `value`, given on first sight. */
  id(value: string): number {
    let id = this.numbers.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.numbers.set(value, id);
    }
    return id;
  }

  value(id: number): string {
    return this.values[id]!;
  }
}
