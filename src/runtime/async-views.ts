/**
 * The runtime's views answer as a store over a network would: a promise, or an
 * async iterable for a list that may be long. Over a store that reads locally a
 * view reads at once and is wrapped here, once per call; a store's async scan is
 * handed on as it is. `arrayOf` reads a whole view where a caller needs an array.
 */

/** A scan as an async iterable: an async one as it is, a sync one wrapped (its cursor closed on `break`). */
export function asyncScan<T>(scan: Iterable<T> | AsyncIterable<T>): AsyncIterable<T> {
  if (Symbol.asyncIterator in scan) return scan;
  return {
    [Symbol.asyncIterator]() {
      const iterator = scan[Symbol.iterator]();
      return {
        next: () => Promise.resolve(iterator.next()),
        return: (value?: unknown) => Promise.resolve(iterator.return?.(value) ?? { done: true as const, value: undefined as never }),
      };
    },
  };
}

/** Every item of a view (`Array.fromAsync`, which Node 20 lacks). */
export async function arrayOf<T>(items: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  if (Symbol.iterator in items) return [...items];
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
