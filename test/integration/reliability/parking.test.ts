/**
 * Recovery parks what cannot run and runs the rest (issue 2, RELIABILITY.md I7):
 * a record with a flipped byte, one naming an unknown machine, and one whose
 * state a changed machine version no longer has are each parked with their code.
 */
import { join } from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, type ActorId, type RuntimeEvent } from '../../../src/index.js';
import { decodeActorRecord, encodeActorRecord } from '../../../src/persistence/actor-codec.js';
import { verifyStore } from '../../../src/testing/index.js';
import { counter } from '../../fixtures/machines.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { documentV1, documentWithoutReview } from './machines.js';

/** Edits the closed store's `actors` database directly, as a disk fault or an old release would have left it. */
async function tamper(store: string, edit: (actors: { get(id: string): Buffer; put(id: string, value: Buffer): void }) => void): Promise<void> {
  const root = open<Buffer, string[]>({ path: join(store, 'data.mdb'), encoding: 'binary', maxDbs: 12, compression: false });
  const actors = root.openDB<Buffer, string[]>({ name: 'actors', encoding: 'binary', compression: false });
  const writes: Promise<boolean>[] = [];
  edit({
    get: (id) => {
      const value = actors.get([id]);
      if (!value) throw new Error(`no record ${id}`);
      return Buffer.from(value);
    },
    put: (id, value) => void writes.push(actors.put([id], value)),
  });
  await Promise.all(writes);
  await root.flushed;
  await root.close();
}

describe('recovery parks unreadable and incompatible actors', () => {
  it('parks a corrupt record, an unknown machine and a vanished state with their codes, and every other actor completes', async () => {
    const store = join(tempFolder(), 'store');
    let runtime = await createRuntime({ store, machines: [counter, documentV1] });
    for (const id of ['c1', 'c2', 'c3', 'corrupt', 'orphan']) await runtime.spawn('counter', {}, { id });
    for (const id of ['d1', 'd2', 'stranded']) await runtime.spawn('document', {}, { id });
    for (const id of ['c1', 'c2', 'corrupt']) await runtime.send(id, { type: 'increment', by: 2 });
    await runtime.send('d1', { type: 'edit' });
    await runtime.send('stranded', { type: 'next' }); // into `reviewing`, which v2 drops
    await runtime.close();

    let damaged = Buffer.alloc(0);
    await tamper(store, (actors) => {
      const corrupt = actors.get('corrupt');
      const middle = Math.floor(corrupt.length / 2);
      corrupt.writeUInt8(corrupt.readUInt8(middle) ^ 0x20, middle);
      actors.put('corrupt', corrupt);
      damaged = Buffer.from(corrupt);
      const orphan = decodeActorRecord('orphan' as ActorId, actors.get('orphan'));
      actors.put('orphan', encodeActorRecord({ ...orphan, machine: 'retired-machine' }));
    });

    runtime = await createRuntime({ store, machines: [counter, documentWithoutReview] });
    const parkedEvents: Extract<RuntimeEvent, { type: 'actor.parked' }>[] = [];
    runtime.subscribe((event) => void (event.type === 'actor.parked' && parkedEvents.push(event)));
    const codeOf = async (id: string) => (await runtime.waitFor(id, (r) => r.status === 'parked', 5_000)).error?.code;
    expect(await codeOf('corrupt')).toBe('RECORD_CORRUPT');
    // Its parked stand-in replaces bytes nobody could read: they are kept, as they were, for a person.
    expect((await runtime.get('corrupt'))?.error?.message).toMatch(/checksum mismatch; its stored bytes are kept in the setAside records/);
    const setAside = await runtime.store.getRecord<{ bytes: string }>('setAside', 'corrupt');
    expect(Buffer.from(setAside!.bytes, 'base64')).toEqual(damaged);
    expect(await codeOf('orphan')).toBe('UNKNOWN_MACHINE');
    expect(await codeOf('stranded')).toBe('VERSION_INCOMPATIBLE');
    expect((await runtime.get('stranded'))?.error?.message).toMatch(/reviewing/);
    // Parked, not reset: the incompatible actor keeps its stored state and snapshot.
    expect(await runtime.get('stranded')).toMatchObject({ state: 'reviewing', snapshot: { value: 'reviewing' } });
    expect(await runtime.get('orphan')).toMatchObject({ state: 'counting', snapshot: { context: { count: 0 } } });
    await expect(runtime.send('corrupt', { type: 'increment' })).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });

    for (const id of ['c1', 'c2', 'c3']) {
      await runtime.send(id, { type: 'increment' });
      await runtime.send(id, { type: 'finish' });
    }
    await runtime.send('d1', { type: 'next' });
    await runtime.send('d2', { type: 'next' });
    for (const id of ['c1', 'c2', 'c3', 'd1', 'd2']) expect((await runtime.get(id))?.status, id).toBe('done');
    expect(((await runtime.get('c1'))?.snapshot?.context as { count: number }).count).toBe(3);
    expect(((await runtime.get('c3'))?.snapshot?.context as { count: number }).count).toBe(1);
    expect(await runtime.get('d1')).toMatchObject({ state: 'published', version: '2', snapshot: { context: { edits: 1 } } });
    await runtime.close();

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      const report = await verifyStore(readOnly);
      expect(report.violations.filter((v) => v.invariant === 'I7')).toEqual([]);
      expect(report.violations).toEqual([]);
      expect(report.byStatus).toMatchObject({ parked: 3, done: 5, active: 0 });
      expect(readOnly.corruptActors()).toEqual([]);
    } finally {
      await readOnly.close();
    }
  });

  it('keeps an actor parked across further restarts instead of retrying it', async () => {
    const store = join(tempFolder(), 'store');
    let runtime = await createRuntime({ store, machines: [documentV1] });
    await runtime.spawn('document', {}, { id: 'stranded' });
    await runtime.send('stranded', { type: 'next' });
    await runtime.close();
    runtime = await createRuntime({ store, machines: [documentWithoutReview] });
    await runtime.waitFor('stranded', (r) => r.status === 'parked', 5_000);
    await runtime.close();
    runtime = await createRuntime({ store, machines: [documentWithoutReview] });
    const parked: string[] = [];
    runtime.subscribe((event) => void (event.type === 'actor.parked' && parked.push(event.id)));
    await runtime.whenIdle(5_000);
    expect(parked).toEqual([]);
    expect(await runtime.get('stranded')).toMatchObject({ status: 'parked', error: { code: 'VERSION_INCOMPATIBLE' } });
    await runtime.close();
  });
});
