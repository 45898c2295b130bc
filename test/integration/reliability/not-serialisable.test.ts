/**
 * A step whose snapshot JSON cannot hold (a BigInt in context) parks that one
 * actor with SNAPSHOT_NOT_SERIALISABLE, keeping its last durable state; the
 * other actors, even those committing in the same batch, carry on.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, type RuntimeEvent } from '../../../src/index.js';
import { verifyStore } from '../../../src/testing/index.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { meter } from './machines.js';

describe('a snapshot that is not serialisable', () => {
  it('parks only the actor whose context took a BigInt, with its last durable state, and the rest run', async () => {
    const store = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store, machines: [meter] });
    const parked: Extract<RuntimeEvent, { type: 'actor.parked' }>[] = [];
    runtime.subscribe((event) => void (event.type === 'actor.parked' && parked.push(event)));
    for (const id of ['m1', 'm2', 'm3']) await runtime.spawn('meter', {}, { id });
    await runtime.send('m2', { type: 'read', value: 7 });

    // Sent together, so their steps share one group commit.
    const results = await Promise.allSettled([
      runtime.send('m1', { type: 'read', value: 1 }),
      runtime.send('m2', { type: 'measure', value: 12 }),
      runtime.send('m3', { type: 'read', value: 3 }),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'SNAPSHOT_NOT_SERIALISABLE' } });
    expect(results[2]).toMatchObject({ status: 'fulfilled' });

    const m2 = await runtime.waitFor('m2', (r) => r.status === 'parked', 5_000);
    expect(m2.error?.code).toBe('SNAPSHOT_NOT_SERIALISABLE');
    // Parked at its last durable step, not reset and not half-written.
    expect(m2.snapshot?.context).toEqual({ reading: 7, readings: 1 });
    expect(parked.map((event) => [event.id, event.error.code])).toEqual([['m2', 'SNAPSHOT_NOT_SERIALISABLE']]);
    await expect(runtime.send('m2', { type: 'read', value: 1 })).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });

    for (const id of ['m1', 'm3']) await runtime.send(id, { type: 'stop' });
    expect(await runtime.get('m1')).toMatchObject({ status: 'done', snapshot: { context: { reading: 1, readings: 1 } } });
    expect(await runtime.get('m3')).toMatchObject({ status: 'done', snapshot: { context: { reading: 3, readings: 1 } } });
    await runtime.close();

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      expect((await verifyStore(readOnly, { expectSettled: true })).violations).toEqual([]);
    } finally {
      await readOnly.close();
    }
  });

  it('parks an actor whose lone step is not serialisable', async () => {
    const runtime = await createRuntime({ store: join(tempFolder(), 'store'), machines: [meter] });
    const id = await runtime.spawn('meter');
    await expect(runtime.send(id, { type: 'measure', value: 5 })).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_SERIALISABLE' });
    const record = await runtime.waitFor(id, (r) => r.status === 'parked', 5_000);
    expect(record).toMatchObject({ error: { code: 'SNAPSHOT_NOT_SERIALISABLE' }, snapshot: { context: { reading: null, readings: 0 } } });
    await runtime.close();
  });
});
