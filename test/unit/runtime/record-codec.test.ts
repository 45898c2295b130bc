import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../../src/persistence/record-codec.js';

describe('record codec', () => {
  it('round-trips JSON values (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(decodeRecord(encodeRecord(value), 'value')).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('lays out a CRC-32 of the UTF-8 payload, then the payload, for any text (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), (value, text) => {
        const stored = [value, text];
        const bytes = encodeRecord(stored);
        const payload = Buffer.from(JSON.stringify(stored), 'utf8');
        expect(bytes.subarray(4).equals(payload)).toBe(true);
        expect(bytes.readUInt32BE(0)).toBe(crc32(payload));
      }),
    );
  });

  it('catches any single flipped byte as RECORD_CORRUPT, never decoding nonsense (property)', () => {
    const record = { id: 'a1', machine: 'counter', snapshot: { value: 'counting', context: { count: 41, note: 'ünïcode ✓' } } };
    const encoded = encodeRecord(record);
    fc.assert(
      fc.property(fc.nat({ max: encoded.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const damaged = Buffer.from(encoded);
        damaged[index] = damaged[index]! ^ mask;
        expect(() => decodeRecord(damaged, 'actor a1')).toThrow(expect.objectContaining({ code: 'RECORD_CORRUPT' }));
      }),
      { numRuns: 500 },
    );
  });

  it('names what was being read in the RECORD_CORRUPT message', () => {
    const damaged = encodeRecord({ a: 1 });
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 1) ^ 0x01, damaged.length - 1);
    expect(() => decodeRecord(damaged, 'actor a7')).toThrow('[RECORD_CORRUPT] actor a7: checksum mismatch');
  });

  it('refuses a record shorter than its checksum', () => {
    expect(() => decodeRecord(Buffer.from([1, 2]), 'meta format')).toThrow(expect.objectContaining({ code: 'RECORD_CORRUPT' }));
  });

  it('refuses a cyclic value with SNAPSHOT_NOT_SERIALISABLE', () => {
    const context: Record<string, unknown> = { count: 1 };
    context.self = context;
    expect(() => encodeRecord({ snapshot: { context } })).toThrow(expect.objectContaining({ code: 'SNAPSHOT_NOT_SERIALISABLE' }));
  });

  it('refuses a BigInt and a bare undefined with SNAPSHOT_NOT_SERIALISABLE', () => {
    expect(() => encodeRecord({ count: 10n })).toThrow(expect.objectContaining({ code: 'SNAPSHOT_NOT_SERIALISABLE' }));
    expect(() => encodeRecord(undefined)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_NOT_SERIALISABLE' }));
  });

  it('decodes from a view into a larger buffer (as LMDB hands values out)', () => {
    const encoded = encodeRecord({ ok: true });
    const larger = Buffer.alloc(encoded.length + 16, 0xff);
    encoded.copy(larger, 8);
    expect(decodeRecord(larger.subarray(8, 8 + encoded.length), 'value')).toEqual({ ok: true });
  });
});
