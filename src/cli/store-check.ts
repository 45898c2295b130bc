/**
 * What `holdfast verify` checks, and `holdfast backup` checks on its copy:
 * the store's own integrity check (every record's checksum, the index against
 * the actors: Store.checkIntegrity, one read transaction, writes nothing),
 * then each archive file its records reference, found and re-hashed.
 * Problems past the first 10,000 are counted, not kept, so a badly damaged
 * store of millions of records is still checked in bounded memory.
 */
import { contentHashesIn } from '../adapters/tasks/content-references.js';
import { openArchive } from '../adapters/tasks/content-archive.js';
import type { IntegrityKind, IntegrityProblem, Store } from '../runtime/actor-types.js';

export type CheckKind = IntegrityKind | 'archive';

export interface CheckProblem {
  kind: CheckKind;
  id: string;
  problem: string;
}

export interface StoreCheck {
  store: string;
  sound: boolean;
  /** Records read per kind; `archive` is the referenced files checked. */
  checked: Record<CheckKind, number>;
  /** The `records` per collection. */
  collections: Record<string, number>;
  /** Actors parked with an error: a fault of theirs the store holds soundly (`holdfast retry ID`). */
  parked: number;
  /** The first MAX_KEPT problems, in the order found. */
  problems: CheckProblem[];
  problemCount: number;
}

const MAX_KEPT = 10_000;

/** Archive files referenced by a store: contentHash to the first record naming it. */
export type ArchiveReferences = Map<string, string>;

/** Runs the store's integrity check, collecting the archive files its records reference. */
export async function checkRecords(store: Store): Promise<{ check: StoreCheck; references: ArchiveReferences }> {
  const problems: CheckProblem[] = [];
  let problemCount = 0;
  const references: ArchiveReferences = new Map();
  let parked = 0;
  const refer = (by: string) => (hash: string) => {
    if (!references.has(hash)) references.set(hash, by);
  };
  const counts = await store.checkIntegrity({
    problem(problem: IntegrityProblem) {
      problemCount++;
      if (problems.length < MAX_KEPT) problems.push(problem);
    },
    actor(record) {
      if (record.status === 'parked') parked++;
      contentHashesIn(record.snapshot?.context, refer(`actor ${record.id}`));
    },
    record: (collection, key, value) => contentHashesIn(value, refer(`${collection} record ${[key].flat().join('/')}`)),
  });
  const check: StoreCheck = { store: store.path, sound: problemCount === 0, checked: { ...counts.checked, archive: 0 }, collections: counts.collections, parked, problems, problemCount };
  return { check, references };
}

/** Finds and re-hashes each referenced file under `archiveRoot`, adding to `check`. */
export async function checkArchiveFiles(archiveRoot: string, references: ArchiveReferences, check: StoreCheck): Promise<void> {
  const archive = openArchive(archiveRoot);
  const report = (problem: CheckProblem) => {
    check.problemCount++;
    check.sound = false;
    if (check.problems.length < MAX_KEPT) check.problems.push(problem);
  };
  for (const [hash, by] of references) {
    check.checked.archive++;
    if (!(await archive.has(hash))) report({ kind: 'archive', id: hash, problem: `missing from ${archiveRoot} (referenced by ${by})` });
    else if (!(await archive.verify(hash))) report({ kind: 'archive', id: hash, problem: `does not hash to its name: changed or damaged (referenced by ${by})` });
  }
}

/** The whole check of an open store and its archive. */
export async function checkStore(store: Store, archiveRoot: string): Promise<StoreCheck> {
  const { check, references } = await checkRecords(store);
  await checkArchiveFiles(archiveRoot, references, check);
  return check;
}

/** `12 actors, 40 journal, ...` for the human output. */
export function describeCounts(check: StoreCheck): string {
  const { checked } = check;
  return `${checked.actors} actors, ${checked.journal} journal entries, ${checked.inbox} inbox messages, ${checked.timers} timers, ${checked.index} index entries, ${checked.records} records, ${checked.meta} meta, ${checked.archive} archive files`;
}
