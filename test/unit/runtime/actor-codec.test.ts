import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeActorRecord, encodeActorRecord } from '../../../src/persistence/actor-codec.js';
import { encodeRecord } from '../../../src/persistence/record-codec.js';
import type { ActorId, ActorRecord } from '../../../src/persistence/store.js';

const id = 'bench/o54999' as ActorId;
const settled: ActorRecord = {
  id,
  machine: 'pendingObject',
  version: '1',
  root: 'bench' as ActorId,
  parent: 'bench' as ActorId,
  status: 'done',
  state: 'complete',
  snapshot: { value: 'complete', context: { index: 54999, id: 'b29999', type: 'book', line: 55000, batch: 'bench', identifiers: { id: 'bench/o54999' } }, status: 'done' },
  seq: 3,
  effects: {},
  timers: {},
  createdAt: 1_795_698_604_897,
  updatedAt: 1_795_698_643_612,
};

const text = fc.string({ minLength: 1, maxLength: 12 });
const status = fc.constantFrom<ActorRecord['status']>('active', 'done', 'error', 'stopped', 'parked');
const snapshotStatus = fc.constantFrom<'active' | 'done' | 'error' | 'stopped'>('active', 'done', 'error', 'stopped');
/** Records of every shape the runtime writes: own root or not, parent = root or not, nested states, rare fields. */
const records = fc
  .record(
    {
      root: fc.option(text, { nil: undefined }),
      parent: fc.option(fc.oneof(fc.constant('=root'), text), { nil: undefined }),
      status,
      value: fc.oneof(text, fc.dictionary(text, text, { minKeys: 1, maxKeys: 2 })),
      context: fc.jsonValue(),
      snapshotStatus,
      snapshot: fc.boolean(),
      output: fc.option(fc.jsonValue(), { nil: undefined }),
      effects: fc.dictionary(text, fc.record({ src: text, input: fc.jsonValue(), key: text, attempt: fc.nat() })),
      timers: fc.dictionary(text, fc.nat()),
      tags: fc.option(fc.array(text), { nil: undefined }),
      recoveries: fc.option(fc.nat(), { nil: undefined }),
      error: fc.option(fc.record({ code: fc.constantFrom('RECORD_CORRUPT' as const, 'POISON_ACTOR' as const), message: text }), { nil: undefined }),
      seq: fc.nat(),
      createdAt: fc.nat(),
      age: fc.nat(),
    },
    { requiredKeys: ['status', 'value', 'context', 'snapshotStatus', 'snapshot', 'effects', 'timers', 'seq', 'createdAt', 'age'] },
  )
  .map((r) => {
    const root = (r.root ?? id) as ActorId;
    const value = JSON.parse(JSON.stringify(r.value)) as unknown;
    const record: ActorRecord = {
      id,
      machine: 'm',
      version: '2',
      root,
      status: r.status,
      state: typeof value === 'string' ? value : Object.entries(value as Record<string, string>).map(([k, v]) => `${k}.${v}`).join(','),
      snapshot: r.snapshot ? { value, context: JSON.parse(JSON.stringify(r.context ?? null)) as unknown, status: r.snapshotStatus } : null,
      seq: r.seq,
      effects: JSON.parse(JSON.stringify(r.effects)) as ActorRecord['effects'],
      timers: r.timers,
      createdAt: r.createdAt,
      updatedAt: r.createdAt + r.age,
    };
    if (r.parent !== undefined && r.root !== undefined) record.parent = (r.parent === '=root' ? root : r.parent) as ActorId;
    if (record.snapshot && r.output !== undefined) record.snapshot.output = JSON.parse(JSON.stringify(r.output)) as unknown;
    if (r.tags) record.tags = r.tags;
    if (r.recoveries !== undefined) record.recoveries = r.recoveries;
    if (r.error) record.error = r.error;
    return record;
  });

describe('actor record codec', () => {
  it('reads back every record as it was written (property)', () => {
    fc.assert(
      fc.property(records, (record) => {
        expect(decodeActorRecord(id, encodeActorRecord(record))).toEqual(record);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a settled import object in well under half its JSON object's bytes", () => {
    const compact = encodeActorRecord(settled);
    expect(decodeActorRecord(id, compact)).toEqual(settled);
    expect(compact.length).toBeLessThan(encodeRecord(settled).length * 0.5);
    expect(compact.subarray(4).toString()).toMatch(/^\["pendingObject","1","bench",1,"done",0,"complete",\{/); // no id (the key says it), no field names
  });

  it('reads a format 2 record (a JSON object) as it is', () => {
    expect(decodeActorRecord(id, encodeRecord(settled))).toEqual(settled);
  });

  it('refuses bytes of the wrong shape as RECORD_CORRUPT, naming the actor', () => {
    for (const value of [['m'], 'x', 7, null, ['m', '1', 0, 0, 'sleeping', 0, 'a', {}, 1, 0, 0], ['m', '1', 0, 0, 'done', 0, 'a', {}, '1', 0, 0]]) {
      expect(() => decodeActorRecord(id, encodeRecord(value))).toThrow(expect.objectContaining({ code: 'RECORD_CORRUPT', message: expect.stringContaining(id) }));
    }
  });
});
