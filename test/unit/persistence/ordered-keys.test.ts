import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, MAX_KEY_SIZE } from '../../../src/persistence/ordered-keys.js';

describe('ordered keys', () => {
  it('orders encoded keys by their bytes: numbers by value before strings, strings by code point, a prefix first', () => {
    const keys = [['b'], ['a', 'b'], ['a', 1], ['a'], [-3], [2.5], [10], ['\uffff'], ['\ud83d\ude00'], [''], ['a/b']];
    const sorted = keys.map((key) => ({ key, bytes: encodeKey(key) })).sort((x, y) => (x.bytes < y.bytes ? -1 : x.bytes > y.bytes ? 1 : 0));
    expect(sorted.map(({ key }) => key)).toEqual([[-3], [2.5], [10], [''], ['a'], ['a', 1], ['a', 'b'], ['a/b'], ['b'], ['\uffff'], ['\ud83d\ude00']]);
  });

  it('reads a key back as written, always as an array', () => {
    for (const key of [['x'], ['job', 3, 'ok'], [1_700_000_000_123, 'a1', 'xstate.after.1000.m.s'], ['\u0000\u0004x', -0.5]]) expect(decodeKey(encodeKey(key))).toEqual(key);
  });

  it('refuses a key LMDB would refuse, with INVALID_INPUT', () => {
    expect(encodeKey(['k'.repeat(MAX_KEY_SIZE)]).length).toBe(MAX_KEY_SIZE);
    for (const key of [['k'.repeat(MAX_KEY_SIZE + 1)], ['k'.repeat(20_000)], Array.from({ length: 3_000 }, () => 'abc'), [], [{} as never]]) {
      expect(() => encodeKey(key), JSON.stringify(key).slice(0, 40)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});
