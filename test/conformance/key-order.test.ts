/**
 * Key order: the memory store must range over keys exactly as LMDB does
 * (ordered-binary bytes compared by memcmp). Same records into both, same
 * scans out of both, over keys chosen to hit every quirk of that encoding:
 * numbers of every kind, control chars that are escaped, strings of 64 chars
 * and more (written another way), lone surrogates, astral chars, prefixes.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/persistence/lmdb-store.js';
import { openMemoryStore } from '../../src/persistence/memory-store.js';
import type { Mutation, RecordKey, Scan, Store } from '../../src/persistence/store.js';
import { tempFolder } from '../helpers/temp-store.js';
import { list } from './conformance-fixtures.js';

const chars = fc.constantFrom('\u0000', '\u0003', '\u0004', '\u0005', '\u001b', '\u001c', ' ', '/', '0', 'a', 'b', '\u007f', '\u00e9', '\u07ff', '\u0800', '\ud7ff', '\ud800', '\udc00', '\ue000', '\ufffd', '\uffff', '\ud83d\ude00');
const text = fc.oneof(fc.string({ unit: chars, maxLength: 6 }), fc.string({ unit: chars, minLength: 60, maxLength: 70 }));
// Not -0: ordered-binary writes it as bytes that read back as no number at all, differently per buffer.
const number = fc.oneof(fc.integer(), fc.double().filter((n) => !Object.is(n, -0)), fc.constantFrom(0, 1, -1, 0.5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Infinity, -Infinity, NaN, 1_700_000_000_000));
const part = fc.oneof(text, number);
const key = fc.oneof(part, fc.array(part, { minLength: 1, maxLength: 3 }));

describe('memory store: keys in the order LMDB keeps them', () => {
  let lmdb: Store;
  let memory: Store;
  beforeAll(() => {
    lmdb = openLmdbStore(join(tempFolder('holdfast-keys-'), 'store'));
    memory = openMemoryStore();
  });
  afterAll(async () => {
    await lmdb.close();
    await memory.close();
  });

  it('scans the same records in the same order, under a prefix and from a key, as LMDB', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(key, { minLength: 1, maxLength: 40 }), key, async (keys, probe) => {
        const collection = `run${run++}`;
        const mutations: Mutation[] = keys.map((k, i) => ({ op: 'putRecord', collection, key: k as RecordKey, value: i }));
        await lmdb.commit(mutations, 'commit');
        await memory.commit(mutations, 'commit');
        // The records (named by their values) in order; keys too, where ordered-binary reads them back
        // (a long string holding NULs does not: it reads past its key's end, differently per buffer).
        const readable = (k: unknown): boolean => (Array.isArray(k) ? k.every(readable) : typeof k !== 'string' || k.length < 64 || !/[\u0000-\u0004]/.test(k));
        const keysRead = [...keys, probe].every(readable);
        const seen = (records: { key: RecordKey; value: unknown }[]) => records.map((record) => (keysRead ? record : record.value));
        const both = async (read: (store: Store) => Scan<{ key: RecordKey; value: unknown }>) => [seen(await list(read(lmdb))), seen(await list(read(memory)))];
        const [fromLmdb, fromMemory] = await both((store) => store.scanRecords(collection));
        expect(fromMemory).toEqual(fromLmdb);
        const prefix = Array.isArray(probe) ? probe.slice(0, 1) : probe;
        const [underLmdb, underMemory] = await both((store) => store.scanRecords(collection, prefix as RecordKey, { after: probe as RecordKey }));
        expect(underMemory).toEqual(underLmdb);
        const [afterLmdb, afterMemory] = await both((store) => store.scanRecords(collection, undefined, { after: keys[0] as RecordKey }));
        expect(afterMemory).toEqual(afterLmdb);
      }),
      { numRuns: 60, seed: Number(process.env.HOLDFAST_KEYS_SEED ?? 19) },
    );
  });
});
