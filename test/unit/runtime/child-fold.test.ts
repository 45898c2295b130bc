import { describe, expect, it } from 'vitest';
import { createRuntime, openMemoryStore, verifyStore } from '../../../src/index.js';
import { actorId, type ActorId, type ActorRecord, type Mutation, type Store, type SyncStore } from '../../../src/persistence/store.js';
import { FOLDED, foldPass, type FoldedChildren, type FoldPorts } from '../../../src/runtime/child-fold.js';
import { defineMachine } from '../../../src/runtime/machine-registry.js';
import { child, parent } from '../../fixtures/machines.js';

/** The fixture parent, declared foldable: its children's results need no record of their own here. */
const folding = defineMachine({ ...parent, name: 'folding', foldChildren: true });

/** Ports over a bare store: each page one `commit`, as the host's fold does. */
function portsOver(store: SyncStore & Store, onCommit: () => void = () => {}): FoldPorts {
  return {
    store,
    foldable: () => ['folding'],
    held: () => false,
    async removeChildren(_parent: ActorId, children: readonly ActorRecord[], extra: Mutation[]) {
      const mutations: Mutation[] = [...extra];
      for (const record of children) mutations.push({ op: 'deleteActor', record }, { op: 'deleteJournal', actor: record.id });
      await store.commit(mutations, 'commit');
      onCommit();
    },
  };
}

async function finishedJob(machine: 'folding' | 'parent', children: number, id: string) {
  const store = openMemoryStore();
  const runtime = await createRuntime({ store, machines: [folding, parent, child], retention: false });
  await runtime.spawn(machine, { children }, { id });
  await runtime.waitFor(id, (r) => r.status === 'done', 20_000);
  await runtime.whenIdle(20_000);
  return { runtime, store };
}

describe('folding finished children', () => {
  it('folds every final child of a finished foldable parent, a page per commit, and counts them on a folded record', async () => {
    const { runtime } = await finishedJob('folding', 300, 'job');
    const before = (await runtime.get('job'))!;
    const report = await runtime.prune({ olderThanMs: 0 });
    expect(report.folded).toBe(300);
    expect(await runtime.query({ parent: actorId('job') })).toEqual([]);
    expect(await runtime.records.get<FoldedChildren>(FOLDED, 'job')).toMatchObject({ children: 300, states: { done: 300 } });
    // The parent stays as it was: its summary and counts.
    expect(await runtime.get('job')).toEqual(before);
    expect(await runtime.journal(actorId('job/c0'))).toEqual([]);
    const check = await verifyStore(runtime.store);
    expect(check.violations).toEqual([]);
    expect(check.folded).toBe(300);
    expect((await runtime.prune({ olderThanMs: 0 })).folded).toBe(0);
    await runtime.close();
  });

  it('leaves the children of a parent that does not declare foldChildren, and of one finished more recently than the age', async () => {
    const { runtime } = await finishedJob('parent', 5, 'plain');
    await runtime.spawn('folding', { children: 5 }, { id: 'recent' });
    await runtime.waitFor('recent', (r) => r.status === 'done', 20_000);
    await runtime.whenIdle(20_000);
    expect((await runtime.prune({ olderThanMs: 60_000 })).folded).toBe(0);
    expect(await runtime.query({ parent: actorId('recent') })).toHaveLength(5);
    expect((await runtime.prune({ olderThanMs: 0 })).folded).toBe(5);
    expect(await runtime.query({ parent: actorId('plain') })).toHaveLength(5);
    expect(await runtime.records.get(FOLDED, 'plain')).toBeUndefined();
    await runtime.close();
  });

  it('never folds a child that is not final, nor one with children of its own', async () => {
    const { runtime, store } = await finishedJob('folding', 4, 'job');
    await runtime.close();
    // One child parked (a person may retry it), one with a child of its own.
    const parked = { ...store.getActor(actorId('job/c1'))!, status: 'parked' as const, error: { name: 'HoldfastError', code: 'MACHINE_ERROR' as const, message: 'test' } };
    const grandchild = { ...store.getActor(actorId('job/c2'))!, id: actorId('job/c2/g'), parent: actorId('job/c2') };
    await store.commit([{ op: 'putActor', record: parked, previous: store.getActor(actorId('job/c1')) }, { op: 'putActor', record: grandchild }], 'commit');
    const result = await foldPass(portsOver(store), Date.now(), 0);
    expect(result).toEqual({ children: 2, parents: 1 });
    expect([...store.queryActors({ parent: actorId('job') })].map((r) => r.id).sort()).toEqual(['job/c1', 'job/c2']);
    expect(store.getRecord<FoldedChildren>(FOLDED, 'job')?.children).toBe(2);
  });

  it('goes on from where a pass stopped: each page committed with its count, the rest folded by the next pass', async () => {
    const { runtime, store } = await finishedJob('folding', 25, 'job');
    await runtime.close();
    let commits = 0;
    const ports = portsOver(store, () => commits++);
    const first = await foldPass(ports, Date.now(), 0, { page: 7, stopped: () => commits >= 2 });
    expect(first.children).toBe(14);
    expect(store.getRecord<FoldedChildren>(FOLDED, 'job')).toMatchObject({ children: 14, states: { done: 14 } });
    expect(store.countActors({ parent: actorId('job') })).toBe(11);
    expect((await verifyStore(store)).violations).toEqual([]);
    const second = await foldPass(ports, Date.now(), 0, { page: 7 });
    expect(second.children).toBe(11);
    expect(store.getRecord<FoldedChildren>(FOLDED, 'job')).toMatchObject({ children: 25, states: { done: 25 } });
    expect((await verifyStore(store)).folded).toBe(25);
  });

  it('deleting a folded job removes its folded count with it', async () => {
    const { runtime } = await finishedJob('folding', 3, 'job');
    await runtime.prune({ olderThanMs: 0 });
    expect(await runtime.records.get(FOLDED, 'job')).toBeDefined();
    await runtime.delete('job');
    expect(await runtime.records.get(FOLDED, 'job')).toBeUndefined();
    expect((await verifyStore(runtime.store)).violations).toEqual([]);
    await runtime.close();
  });

  it('verifyStore flags a folded count whose parent still runs or whose states do not add up', async () => {
    const store = openMemoryStore();
    const runtime = await createRuntime({ store, machines: [folding, child, parent], retention: false });
    await runtime.spawn('folding', { children: 1, delayMs: 60_000 }, { id: 'running' });
    await runtime.records.put(FOLDED, 'running', { children: 2, states: { done: 1 }, at: 0 });
    const violations = (await verifyStore(runtime.store)).violations.map((v) => v.message);
    expect(violations).toEqual(expect.arrayContaining([expect.stringContaining('folded while it is active'), expect.stringContaining('does not match its states')]));
    await runtime.close();
  });
});
