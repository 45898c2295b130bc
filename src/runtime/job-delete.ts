/**
 * Deleting a job, owned by the runtime: its actors, journals, messages, timers
 * and every record its machines declare they write (`MachineDefinition.records`),
 * plus the work outside the store a machine asks for (`onDelete`: a data load's
 * copies). Resumable with nothing kept above the runtime:
 *
 * 1. plans are made (a cleanup may refuse the delete; nothing is deleted then);
 * 2. one commit removes the actors and writes the marker (`deletingJobs`, key:
 *    the job) holding the record scopes and the plans;
 * 3. the records in those scopes go, in bounded commits;
 * 4. the plans are carried out (repeatable), and the marker goes.
 *
 * A kill after 2 leaves the marker; the next open of the store finishes from it
 * (`finishDeletes`), before anything else runs. Scopes are evaluated after the
 * actors went, so a record a step committed just before the delete is found.
 * Keys read: `deletingJobs` [job]; the records of the scopes.
 */
import { HoldfastError } from '../errors.js';
import type { ActorRecord, MaybePromise, Mutation, RecordKey, Store } from '../persistence/store.js';
import { asyncScan } from './async-views.js';
import { FOLDED } from './child-fold.js';
import type { MachineRegistry } from './machine-registry.js';
import { forEach, andThen } from './store-reads.js';

/** Deletes under way, by job id: written with the actors' removal, removed with the last step. */
export const DELETING_JOBS = 'deletingJobs';

/**
 * Records an actor writes besides its snapshot, as data, so a delete cut short can
 * find them again without the actor: one key, every key under a prefix, or (a scan of
 * the whole collection) the keys whose part `keyPart` or whose value's `field` equals a string.
 */
export type RecordScope =
  | { collection: string; key: RecordKey }
  | { collection: string; prefix: RecordKey }
  | { collection: string; keyPart: number; equals: string }
  | { collection: string; field: string; equals: string };

/** What a machine's `records` is given: the actor as it was before the delete. */
export interface WritingActor {
  id: string;
  machine: string;
  context: unknown;
}

/**
 * Keyed reads a cleanup plans from. They may wait on the store (a store over a network), as the
 * runtime's views do: a cleanup awaits `get` and reads `scan` with `for await`.
 */
export interface RecordReader {
  get<T = unknown>(collection: string, key: RecordKey): Promise<T | undefined>;
  /** Records under `prefix` lazily in key order (no array of the collection). */
  scan<T = unknown>(collection: string, prefix?: RecordKey): AsyncIterable<{ key: RecordKey; value: T }>;
}

/**
 * Work outside the store that deleting a job holding this machine's actors does.
 * `plan` runs before anything is deleted (it may throw to refuse the delete) and
 * returns a JSON-safe plan (undefined: nothing to do); `finish` carries it out after
 * the actors went, and again after a kill, so it must be safe to repeat.
 */
export interface DeleteCleanup {
  plan(job: string, actors: readonly ActorRecord[], records: RecordReader, options: Readonly<Record<string, unknown>>): Promise<unknown>;
  finish(plan: unknown): Promise<Record<string, unknown>>;
}

/** What a delete removed; a cleanup's answer is added (a data load's `copies`). */
export type DeleteOutcome = { records: number; actors: number } & Record<string, unknown>;

interface DeleteMarker {
  at: number;
  actors: number;
  scopes: RecordScope[];
  plans: { machine: string; plan: unknown }[];
}

/** Mutations per transaction when removing records: bounds one transaction's size. */
const CHUNK = 5_000;

/** What the delete needs of the runtime: its store for reads, its commit path, its machines. */
export interface JobDeletePorts {
  /** Read at once through its `sync` reads when it has them, else awaited (store-reads.ts); a cleanup's reader reads it too. */
  store: Store;
  registry: MachineRegistry;
  now(): number;
  /** Removes the actors (effects cancelled, timers dropped) with `extra` in the same commit. */
  removeActors(root: string, actors: ActorRecord[], extra: Mutation[]): Promise<void>;
  /** Commits record mutations through the runtime's committer. */
  commit(owner: string, mutations: Mutation[]): Promise<void>;
}

/** The scopes every actor of the job declares, as the registry's machines say. */
export function scopesOf(actors: readonly ActorRecord[], registry: MachineRegistry): RecordScope[] {
  const scopes: RecordScope[] = [];
  for (const actor of actors) {
    const definition = registry.has(actor.machine) ? registry.get(actor.machine) : undefined;
    if (definition?.records) scopes.push(...definition.records({ id: String(actor.id), machine: actor.machine, context: actor.snapshot?.context }));
    if (definition?.foldChildren) scopes.push({ collection: FOLDED, key: String(actor.id) }); // its count of folded children
  }
  return scopes;
}

/** Deletes a job already checked deletable (a top actor, nothing running); see the file header. */
export async function deleteJob(ports: JobDeletePorts, root: string, actors: ActorRecord[], options: Readonly<Record<string, unknown>>): Promise<DeleteOutcome> {
  const plans: DeleteMarker['plans'] = [];
  const reader = recordReader(ports.store);
  for (const machine of new Set(actors.map((actor) => actor.machine))) {
    const cleanup = ports.registry.has(machine) ? ports.registry.get(machine).onDelete : undefined;
    const plan = cleanup ? await cleanup.plan(root, actors, reader, options) : undefined;
    if (plan !== undefined) plans.push({ machine, plan });
  }
  const marker: DeleteMarker = { at: ports.now(), actors: actors.length, scopes: scopesOf(actors, ports.registry), plans };
  await ports.removeActors(root, actors, [{ op: 'putRecord', collection: DELETING_JOBS, key: root, value: marker }]);
  return finishDelete(ports, root, marker);
}

/** Steps 3 and 4 of a delete, from its marker: records, outside work, marker. Repeatable. */
async function finishDelete(ports: JobDeletePorts, root: string, marker: DeleteMarker): Promise<DeleteOutcome> {
  const keys = await recordsIn(ports.store, marker.scopes);
  for (let at = 0; at < keys.length; at += CHUNK) {
    await ports.commit(root, keys.slice(at, at + CHUNK).map(({ collection, key }) => ({ op: 'deleteRecord', collection, key })));
  }
  let outside: Record<string, unknown> = {};
  for (const { machine, plan } of marker.plans) {
    const cleanup = ports.registry.has(machine) ? ports.registry.get(machine).onDelete : undefined;
    if (!cleanup) throw new HoldfastError('UNKNOWN_MACHINE', `the delete of job ${root} needs machine ${machine} to finish, and no machine of that name is registered`, { details: { job: root, machine } });
    outside = { ...outside, ...(await cleanup.finish(plan)) };
  }
  await ports.commit(root, [{ op: 'deleteRecord', collection: DELETING_JOBS, key: root }]);
  return { ...outside, records: keys.length, actors: marker.actors };
}

/**
 * Finishes every delete a kill cut short (their markers), at open, before any actor
 * runs. A marker whose machine is not registered here is left for a runtime that has it.
 * Resolves with how many were finished.
 */
export async function finishDeletes(ports: JobDeletePorts): Promise<number> {
  let finished = 0;
  const markers: { key: RecordKey; value: DeleteMarker }[] = [];
  await forEach(ports.store.scanRecords<DeleteMarker>(DELETING_JOBS), (marker) => void markers.push(marker));
  for (const { key, value } of markers) {
    const job = String(key);
    if (!Array.isArray(value?.scopes)) continue; // not a marker this runtime wrote
    if (value.plans.some(({ machine }) => !ports.registry.has(machine))) continue;
    await finishDelete(ports, job, value);
    finished++;
  }
  return finished;
}

/** Every existing record in the scopes, once each; whole-collection scopes are grouped, one scan per collection. */
export function recordsIn(store: Pick<Store, 'getRecord' | 'scanRecords'>, scopes: readonly RecordScope[]): MaybePromise<{ collection: string; key: RecordKey }[]> {
  const found = new Map<string, { collection: string; key: RecordKey }>();
  const add = (collection: string, key: RecordKey): void => void found.set(JSON.stringify([collection, key]), { collection, key });
  const byKeyPart = new Map<string, Map<number, Set<string>>>();
  const byField = new Map<string, Map<string, Set<string>>>();
  const scoped = forEach(scopes, (scope) => {
    if ('key' in scope) {
      return andThen(store.getRecord(scope.collection, scope.key), (value) => {
        if (value !== undefined) add(scope.collection, scope.key);
      });
    } else if ('prefix' in scope) {
      return forEach(store.scanRecords(scope.collection, scope.prefix), ({ key }) => add(scope.collection, key));
    } else if ('keyPart' in scope) {
      const parts = byKeyPart.get(scope.collection) ?? new Map<number, Set<string>>();
      byKeyPart.set(scope.collection, parts.set(scope.keyPart, (parts.get(scope.keyPart) ?? new Set()).add(scope.equals)));
    } else {
      const fields = byField.get(scope.collection) ?? new Map<string, Set<string>>();
      byField.set(scope.collection, fields.set(scope.field, (fields.get(scope.field) ?? new Set()).add(scope.equals)));
    }
  });
  const byKey = andThen(scoped, () =>
    forEach([...byKeyPart], ([collection, parts]) =>
      forEach(store.scanRecords(collection), ({ key }) => {
        if (Array.isArray(key) && [...parts].some(([part, values]) => values.has(String(key[part])))) add(collection, key);
      }),
    ),
  );
  const byValue = andThen(byKey, () =>
    forEach([...byField], ([collection, fields]) =>
      forEach(store.scanRecords<Record<string, unknown> | undefined>(collection), ({ key, value }) => {
        if ([...fields].some(([field, values]) => values.has(String(value?.[field])))) add(collection, key);
      }),
    ),
  );
  return andThen(byValue, () => [...found.values()]);
}

/** The store's keyed reads for a cleanup, lazily (no array per scan): a promise per read, which planning a delete can afford. */
export function recordReader(store: Pick<Store, 'getRecord' | 'scanRecords'>): RecordReader {
  return {
    get: async (collection, key) => store.getRecord(collection, key),
    scan: (collection, prefix) => asyncScan(store.scanRecords(collection, prefix)),
  };
}
