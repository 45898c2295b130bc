/**
 * The runtime's reads over a store that answers now or later (src/runtime/store-reads.ts): a
 * value continues in the same tick with no promise, a promise is awaited, order is kept.
 */
import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../../../src/index.js';
import { andThen, forEach, isPromise, readsOf } from '../../../src/runtime/store-reads.js';

describe('store reads that answer now or later', () => {
  it('andThen continues at once on a value, and after the answer on a promise', async () => {
    const seen: number[] = [];
    const now = andThen(1, (value) => (seen.push(value), value + 1));
    expect(now).toBe(2);
    expect(seen).toEqual([1]);
    const later = andThen(Promise.resolve(5), (value) => value * 2);
    expect(isPromise(later)).toBe(true);
    expect(await later).toBe(10);
  });

  it('forEach over an iterable whose items answer at once gives no promise and keeps order', () => {
    const seen: number[] = [];
    expect(forEach([1, 2, 3], (item) => void seen.push(item))).toBeUndefined();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('forEach waits for an item that answers later before the next, over an iterable or an async one', async () => {
    const seen: number[] = [];
    const done = forEach([1, 2, 3, 4], (item) => (item === 2 ? new Promise<void>((resolve) => setTimeout(() => (seen.push(item), resolve()), 5)) : void seen.push(item)));
    expect(isPromise(done)).toBe(true);
    expect(seen).toEqual([1]);
    await done;
    expect(seen).toEqual([1, 2, 3, 4]);
    async function* items() {
      yield 'a';
      await new Promise((resolve) => setImmediate(resolve));
      yield 'b';
    }
    const letters: string[] = [];
    await forEach(items(), (item) => void letters.push(item));
    expect(letters).toEqual(['a', 'b']);
  });

  it('reads through sync when the store has it, and through the port, by promise, when it has none', async () => {
    const local = openMemoryStore();
    const remote = openMemoryStore({ reads: 'async' });
    try {
      expect(readsOf(local).getActor('x' as never)).toBeUndefined();
      expect(readsOf(remote)).toBe(remote);
      expect(isPromise(readsOf(remote).getActor('x' as never))).toBe(true);
      await remote.commit([{ op: 'putRecord', collection: 'c', key: 'k', value: 1 }], 'commit');
      expect(await readsOf(remote).getRecord('c', 'k')).toBe(1);
    } finally {
      await local.close();
      await remote.close();
    }
  });
});
