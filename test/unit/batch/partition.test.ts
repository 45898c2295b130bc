import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchCount, batchOf, batchSize, formatPartition, ordinalAt, parsePartition, sampleOrdinal } from '../../../src/adapters/batch/partition.js';

describe('partition specs', () => {
  it('parses size:N and every:N', () => {
    expect(parsePartition('size:1000')).toEqual({ kind: 'size', n: 1000 });
    expect(parsePartition(' every:200 ')).toEqual({ kind: 'every', n: 200 });
    expect(formatPartition(parsePartition('every:7'))).toBe('every:7');
  });

  it.each(['', 'size', 'size:', 'size:0', 'size:-3', 'size:1.5', 'chunks:10', 'size:10x', 'every:999999999999', 'SIZE:10', 'size: 10'])('refuses %j with INVALID_INPUT naming the spec', (spec) => {
    expect(() => parsePartition(spec)).toThrowError(/INVALID_INPUT.*expected size:N or every:N/);
  });

  it('refuses non-strings', () => {
    expect(() => parsePartition(42 as never)).toThrowError(/INVALID_INPUT/);
    expect(() => parsePartition(undefined as never)).toThrowError(/INVALID_INPUT/);
  });

  it('puts every item in exactly one batch, at a position that maps back to it (size and every)', () => {
    fc.assert(
      fc.property(fc.constantFrom('size', 'every'), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 400 }), (kind, n, total) => {
        const partition = { kind: kind as 'size' | 'every', n };
        const seen = new Array<number>(total).fill(0);
        let sum = 0;
        for (let batch = 0; batch < batchCount(partition, total); batch++) {
          const size = batchSize(partition, total, batch);
          expect(size).toBeGreaterThan(0);
          sum += size;
          for (let position = 0; position < size; position++) {
            const ordinal = ordinalAt(partition, batch, position);
            expect(batchOf(partition, ordinal)).toBe(batch);
            seen[ordinal]!++;
          }
        }
        expect(sum).toBe(total);
        expect(seen.every((count) => count === 1)).toBe(true);
      }),
    );
  });

  it('every:N makes batch b the items i with i mod N = b, the same on every call', () => {
    const partition = parsePartition('every:3');
    expect(Array.from({ length: batchSize(partition, 10, 1) }, (_, p) => ordinalAt(partition, 1, p))).toEqual([1, 4, 7]);
    expect(batchCount(partition, 2)).toBe(2);
  });

  it('spreads a sample evenly and deterministically over the items', () => {
    expect(Array.from({ length: 4 }, (_, i) => sampleOrdinal(100, 4, i))).toEqual([0, 25, 50, 75]);
    expect(Array.from({ length: 5 }, (_, i) => sampleOrdinal(3, 5, i)).slice(0, 3)).toEqual([0, 1, 2]);
  });
});
