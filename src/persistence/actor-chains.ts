/**
 * Steps of one actor in one commit, folded: the store writes an actor's last
 * record of a transaction only (lmdb-store.ts). Pure.
 */
import type { ActorRecord, Mutation } from './store.js';

export type PutActor = Extract<Mutation, { op: 'putActor' }>;

/**
 * Steps of one actor in one commit (a batch counting hundreds of reports per
 * transaction): each `putActor` whose successor names its record as `previous`
 * is superseded, since the transaction keeps only the last value anyway; the
 * last one's index changes are taken from the first one's `previous`. Not
 * across a `deleteActor`, nor where the chain of records is broken.
 * Reads: nothing. Writes: nothing (a plan over `mutations`).
 */
export function actorChains(mutations: readonly Mutation[]): { superseded: Set<number>; firstPrevious: Map<number, { previous: ActorRecord | undefined }> } {
  const superseded = new Set<number>();
  const firstPrevious = new Map<number, { previous: ActorRecord | undefined }>();
  const last = new Map<string, { index: number; record: ActorRecord; first: { previous: ActorRecord | undefined } }>();
  for (let i = 0; i < mutations.length; i++) {
    const mutation = mutations[i]!;
    if (mutation.op === 'deleteActor') {
      last.delete(mutation.record.id);
      continue;
    }
    if (mutation.op !== 'putActor') continue;
    const before = last.get(mutation.record.id);
    if (before !== undefined && mutation.previous === before.record) {
      superseded.add(before.index);
      firstPrevious.delete(before.index);
      firstPrevious.set(i, before.first);
      last.set(mutation.record.id, { index: i, record: mutation.record, first: before.first });
    } else {
      last.set(mutation.record.id, { index: i, record: mutation.record, first: { previous: mutation.previous } });
    }
  }
  return { superseded, firstPrevious };
}
