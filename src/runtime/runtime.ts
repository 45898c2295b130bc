/**
 * `createRuntime`: one runtime over one store. Validates its options at once,
 * recovers every interrupted actor, and exposes spawn / send / get / query /
 * waitFor / subscribe / records / close. Two runtimes may live in one process
 * (on two stores); nothing happens at import.
 */
import { z } from 'zod';
import type { EventObject } from 'xstate';
import { HoldfastError, toHoldfastError } from '../errors.js';
import type { ActorFilter, ActorId, ActorRecord, Durability, InboxMessage, JournalEntry, RecordKey, ScanOptions, Store } from '../persistence/store.js';
import { commitRecordChanges } from './record-writes.js';
import { listOf } from '../persistence/sync-store.js';
import { forEach, isPromise, readsOf, andThen } from './store-reads.js';
import { ActorHost } from './actor-host.js';
import { createIdGenerator, systemClock, type Clock } from './clock.js';
import { Committer } from './committer.js';
import { EffectRunner } from './effect-runner.js';
import { Limiter, type Limits } from './limiter.js';
import { MachineRegistry, type MachineDefinition } from './machine-registry.js';
import type { EventOf, MachineActorId, MachineFilter, MachineList, MachineName, RecordOf, SpawnArgs } from './machine-types.js';
import { startScrub } from './actor-scrub.js';
import { recoverActors } from './recovery.js';
import { DEFAULT_RETENTION_MS, startRetention, type PruneReport } from './retention.js';
import { EventHub, type RuntimeEvent, type RuntimeListener } from './runtime-events.js';
import { deleteJob, finishDeletes, type DeleteOutcome, type JobDeletePorts } from './job-delete.js';
import type { FoldPorts } from './child-fold.js';
import { listedActors, readListedActor } from './listed-actors.js';
import { asyncScan } from './async-views.js';
import { PAUSED } from './job-control.js';
import { RUNTIME_DEFAULTS } from './runtime-defaults.js';
import { TimerQueue } from './timer-queue.js';
import type { RuntimeWorkload } from './runtime-workload.js';
import type { RuntimeDiagnostics } from './runtime-diagnostics.js';

export interface RuntimeOptions<M extends MachineList = MachineList> {
  /** A folder path (opened and owned by the runtime) or an opened Store (closed by its opener). */
  store: string | Store;
  /** The machines it hosts; defined with `defineMachine`, they type `spawn`, `send` and `get` (machine-types.ts). */
  machines: M;
  limits?: Limits;
  /** @default 'flush' (a step counts as done once on disk; survives power loss) */
  durability?: Durability;
  clock?: Clock;
  random?: () => number;
  newId?: (prefix?: string) => string;
  /** Milliseconds `close()` lets running effects finish before aborting them. @default 2000 */
  closeGraceMs?: number;
  /**
   * What each journal entry keeps: `snapshots` (the default) stores the snapshot after every
   * step, so the inspector can show any past moment; `transitions` only the event and states.
   */
  journal?: 'snapshots' | 'transitions';
  /** Resume interrupted actors at open. False for a short command that only writes a record or an event. @default true */
  resume?: boolean;
  /**
   * How long a finished actor keeps its step journal (snapshots included), in milliseconds; its
   * record, output and the records it wrote stay. The owner prunes in the background, in small
   * transactions; `false` keeps every journal for ever. Never touches an actor that is not final.
   * @default 604800000 (7 days)
   */
  retention?: number | false;
  /** Called with errors that belong to no caller (a throwing listener). @default console.error */
  onError?: (error: unknown) => void;
}

const optionsSchema = z.object({
  store: z.union([z.string().min(1), z.object({ commit: z.function() }).passthrough()]),
  machines: z.array(
    z.object({ name: z.string().min(1), version: z.string().min(1), machine: z.object({ id: z.string() }).passthrough() }).passthrough(),
  ),
  limits: z
    .object({ concurrency: z.number().int().positive().optional(), queues: z.record(z.string(), z.number().int().positive()).optional(), perKey: z.number().int().positive().optional() })
    .strict()
    .optional(),
  durability: z.enum(['flush', 'commit']).optional(),
  closeGraceMs: z.number().nonnegative().optional(),
  resume: z.boolean().optional(),
  journal: z.enum(['snapshots', 'transitions']).optional(),
  retention: z.union([z.number().nonnegative().finite(), z.literal(false)]).optional(),
}).passthrough();

/** What `spawn` accepts besides the machine and input. */
export interface SpawnOptions {
  id?: string;
  parent?: ActorId;
  tags?: string[];
}

/**
 * A runtime over the machines `M`. Created with definitions of literal names, its `spawn`,
 * `send`, `get` and `waitFor` take only those machines, their inputs and their events, and
 * give records with their context and state types; `Runtime` alone takes any (machine-types.ts).
 */
export interface Runtime<M extends MachineList = MachineList> {
  /**
   * The store it runs over, the port as it was given: for the entry point that opened it and for tests; nothing above the runtime reads it.
   * Its reads may answer by promise (`MaybePromise`, `Scan`): await them, or read through `syncStoreOf(runtime.store)` where the store offers `sync`.
   */
  readonly store: Store;
  /** The store's folder (locks, sockets, secrets live there). */
  readonly location: string;
  /** True over a store opened read-only (a reader beside the owner): it answers queries, and writes nothing. */
  readonly readOnly: boolean;
  /** Starts an actor of a registered machine (by name or definition); resolves once it is durable, with its id. */
  spawn<N extends MachineName<M>>(machine: N | MachineDefinition<N>, ...args: SpawnArgs<M, N, SpawnOptions>): Promise<MachineActorId<N>>;
  /** Delivers an event the actor's machine takes; resolves once the step it causes is on disk. */
  send<N extends MachineName<M> = MachineName<M>>(id: MachineActorId<N> | string, event: EventOf<M, N>): Promise<void>;
  /** The actor's committed record, with its machine's context and state types when its id says the machine. Read through the store's port, so it may wait on the store. */
  get<N extends MachineName<M> = MachineName<M>>(id: MachineActorId<N> | string): Promise<RecordOf<M, N> | undefined>;
  /** Actors of a filter, from the index (paged with `limit` and `offset`); with `machine`, records with that machine's types. Read through the store's port, so it may wait on the store. */
  query<N extends MachineName<M> = MachineName<M>>(filter?: MachineFilter<M, N>): Promise<RecordOf<M, N>[]>;
  /**
   * The actors of a filter, lazily, in index order (`for await`): a view pages through them
   * without an array per call. Like every view below, it may wait on the store (a store over a
   * network); over LMDB or memory it reads through the store's `sync` reads at once.
   */
  actors<N extends MachineName<M> = MachineName<M>>(filter?: MachineFilter<M, N>): AsyncIterable<RecordOf<M, N>>;
  /** Actor ids from the index alone, lazily (`for await`). */
  actorIds(filter: ActorFilter): AsyncIterable<ActorId>;
  /** How many actors match, from the index. */
  count(filter: ActorFilter): Promise<number>;
  /**
   * Actors as views list them, lazily (`for await`): a record that does not decode comes as a
   * parked stand-in (RECORD_CORRUPT) rather than a throw.
   */
  listed(filter: ActorFilter): AsyncIterable<ActorRecord>;
  /** One actor as `listed` gives it (a parked stand-in when its record does not decode), or undefined. */
  listedActor(id: ActorId | string): Promise<ActorRecord | undefined>;
  /** An actor by name, as its machine's `label` gives it (a data file by its path); undefined when it has none. Reads nothing. */
  label(actor: ActorRecord): string | undefined;
  /** Messages waiting in the inbox of `to` (every inbox without it), lazily (`for await`). */
  inbox(to?: ActorId | string): AsyncIterable<InboxMessage>;
  /** An actor's journal entries from `fromSeq`, at most `limit` of them. */
  journal(id: ActorId | string, options?: { fromSeq?: number; limit?: number }): Promise<JournalEntry[]>;
  waitFor<N extends MachineName<M> = MachineName<M>>(id: MachineActorId<N> | string, predicate: (record: RecordOf<M, N>) => boolean, timeoutMs?: number): Promise<RecordOf<M, N>>;
  /** Resolves when nothing is stepping, committing or running (timers may still wait). */
  whenIdle(timeoutMs?: number): Promise<void>;
  subscribe(listener: RuntimeListener): () => void;
  /** What the runtime is doing now (commit backlog, effects per queue, timers, store size); reads only. */
  workload(): RuntimeWorkload;
  /**
   * Its inner state for a stall report (runtime-diagnostics.ts): what the step loop, the committer,
   * the effects and the store are each waiting on. Reads only; the shape may change between releases.
   */
  diagnostics(): RuntimeDiagnostics;
  /** Pauses a job (a top actor and everything under it): running effects finish, nothing new starts. */
  pause(id: ActorId | string): Promise<void>;
  unpause(id: ActorId | string): Promise<void>;
  /** Retries a parked actor (its error cleared, its effects run again), or sends `retry` to an active one. */
  retry(id: ActorId | string): Promise<void>;
  /** True when the job is paused (a reader beside the owner reads the owner's committed pauses). */
  isPaused(id: ActorId | string): Promise<boolean>;
  /**
   * True when this runtime runs the job's active actors: it resumed the store's work at open
   * (then each active actor is its), or one of them is in memory here (stepping, committing,
   * running effects) or waits on a timer here. A runtime opened with `resume: false` runs only
   * what it was sent, so an interrupted job it was not sent anything for is not its.
   * Reads the job's actors, so it may wait on the store.
   */
  hosts(id: ActorId | string): Promise<boolean>;
  /**
   * Deletes a job (a top actor) with everything under it: actors, journals, messages, timers, the
   * records its machines declare (`records`), and what their `onDelete` plans outside the store,
   * given `options`. Resumable: a kill part-way is finished at the next open (job-delete.ts).
   * Refused with JOB_RUNNING while any of its actors is active, unless the job is paused.
   * @throws ACTOR_NOT_FOUND, INVALID_INPUT (not a top job), JOB_RUNNING, or a cleanup's refusal (nothing deleted)
   */
  delete(id: ActorId | string, options?: Readonly<Record<string, unknown>>): Promise<DeleteOutcome>;
  /**
   * Drops now the step journals of actors final for at least `olderThanMs` (default: the
   * `retention` option, else 7 days), as the periodic retention does, and says what went.
   * @throws STORE_LOCKED on a read-only store; RUNTIME_CLOSED
   */
  prune(options?: { olderThanMs?: number }): Promise<PruneReport>;
  records: RecordsApi;
  /** Graceful: no new work, running effects finish or are interrupted, everything flushed, store released. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Keyed records kept beside the actors. Reads may wait on the store, as the runtime's views do. */
export interface RecordsApi {
  get<T = unknown>(collection: string, key: RecordKey): Promise<T | undefined>;
  /** Every record under `prefix`, in key order: for a collection known to be small (else `iterate`). */
  scan<T = unknown>(collection: string, prefix?: RecordKey): Promise<{ key: RecordKey; value: T }[]>;
  /** Records under `prefix` lazily in key order (`for await`), from just after `options.after`: a page is read without an array of the whole collection. */
  iterate<T = unknown>(collection: string, prefix?: RecordKey, options?: ScanOptions): AsyncIterable<{ key: RecordKey; value: T }>;
  put(collection: string, key: RecordKey, value: unknown): Promise<void>;
  delete(collection: string, key: RecordKey): Promise<void>;
  /** Puts and deletes in one transaction (a page of items, a batch of removals). @default durability the runtime's */
  write(changes: readonly RecordChange[], durability?: Durability): Promise<void>;
}

/** One change `records.write` applies. */
export type RecordChange = { op: 'putRecord'; collection: string; key: RecordKey; value: unknown } | { op: 'deleteRecord'; collection: string; key: RecordKey };

/** Throws INVALID_OPTIONS naming every problem at once. */
export function validateRuntimeOptions(options: RuntimeOptions): void {
  const parsed = optionsSchema.safeParse(options);
  if (parsed.success) return;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
  throw new HoldfastError('INVALID_OPTIONS', `invalid runtime options: ${problems.join('; ')}`, { details: { problems } });
}

/** How the entry point that opened the store hands it over. */
export interface RuntimeWiring {
  store: Store;
  /** Close the store with the runtime (it was opened for it). */
  ownsStore: boolean;
  /** Runs at the end of close (releases process-wide hooks). */
  onClose?: () => void;
}

/**
 * Starts a runtime over an opened store and resumes every actor that was not final.
 * Entry points call this through `createRuntime` (src/index.ts), which opens the store.
 */
export function startRuntime(options: RuntimeOptions, wiring: RuntimeWiring): Runtime & { reportStorageFull(error: unknown): void; finishDeletes(): Promise<number> } {
  validateRuntimeOptions(options);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const newId = options.newId ?? createIdGenerator(clock);
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const { store: port, ownsStore } = wiring;
  // The runtime reads through the store's synchronous reads when it has them (no promise per read
  // on the step loop's path) and awaits the port's otherwise (store-reads.ts).
  const store = readsOf(port);
  const registry = new MachineRegistry(options.machines);
  const events = new EventHub(onError);
  const committer = new Committer(store, options.durability ?? RUNTIME_DEFAULTS.durability, clock, {
    storageFull: (error) => events.publish({ type: 'runtime.storageFull', error: error.toJSON(), at: clock.now() }),
    storageRecovered: () => events.publish({ type: 'runtime.storageRecovered', at: clock.now() }),
    committed: (steps, durationMs) => {
      if (events.size > 0) events.publish({ type: 'runtime.committed', steps, durationMs, at: clock.now() });
    },
  });
  const limiter = new Limiter({ concurrency: RUNTIME_DEFAULTS.concurrency, ...options.limits });
  // Effects are asynchronous already: they read through the port, as a store over a network answers.
  const effects = new EffectRunner(limiter, clock, {
    get: (collection, key) => port.getRecord(collection, key),
    iterate: (collection, prefix) => port.scanRecords(collection, prefix),
    write: (changes, durability) => commitRecordChanges(store, changes, durability),
  });
  let host: ActorHost;
  const timers = new TimerQueue(clock, (timer) => host.deliverTo(timer.actor, { kind: 'timer', id: timer.id, due: timer.due, event: timer.event }));
  host = new ActorHost({ store, registry, committer, effects, timers, events, clock, random, journalSnapshots: options.journal !== 'transitions', onError });
  // Pauses first, then recovery: at once over a store with `sync`, else awaited by `finishDeletes` (createRuntime) before the runtime is handed out.
  const paused = forEach(store.scanRecords(PAUSED), ({ key }) => host.restorePause(String(key)));
  const recovered = andThen(paused, () => (options.resume !== false ? recoverActors({ store, host, timers, events, clock }) : undefined));
  const ready: Promise<void> | undefined = isPromise(recovered) ? recovered : undefined;
  // Its failure reaches createRuntime through finishDeletes; this keeps it from also counting as unhandled.
  ready?.catch(() => {});
  // Damaged records of finished work are found in the background, never delaying open (actor-scrub.ts).
  const scrub = options.resume !== false && !store.readOnly ? startScrub(store, (id) => host.parkIfUnreadable(id), onError) : undefined;
  // Periodic retention only in an owner that runs the store's work; any writer can prune on request.
  const retention = store.readOnly
    ? undefined
    : startRetention(store, clock, { olderThanMs: options.resume === false ? false : (options.retention ?? DEFAULT_RETENTION_MS), fold: foldPorts() }, {
        onError,
        onPruned: (report) => events.publish({ type: 'runtime.pruned', entries: report.entries, actors: report.actors, snapshots: report.snapshots, folded: report.folded, bytes: report.bytes, olderThanMs: report.olderThanMs, ms: report.ms, at: clock.now() }),
      });

  /** Retention folds the children of machines that declare `foldChildren` (child-fold.ts), through the host's commits. */
  function foldPorts(): FoldPorts {
    return {
      store,
      foldable: () => registry.all().filter((definition) => definition.foldChildren === true).map((definition) => definition.name),
      held: (id) => host.holds(id),
      removeChildren: (parent, children, extra) => host.foldChildren(parent, children, extra),
    };
  }

  const resolveDefinition = (machine: string | MachineDefinition) => (typeof machine === 'string' ? registry.get(machine) : registry.get(machine.name));
  let closed: Promise<void> | undefined;
  /** Pending waitFor calls: close() ends them, so no timer outlives the runtime. */
  const waits = new Set<(error: unknown) => void>();

  const deletePorts: JobDeletePorts = {
    store,
    registry,
    now: () => clock.now(),
    removeActors: (root, actors, extra) => host.deleteJob(root as ActorId, actors, extra),
    commit: (owner, mutations) => host.commitMutations(owner as ActorId, mutations),
  };

  const runtime: Runtime & { reportStorageFull(error: unknown): void; finishDeletes(): Promise<number> } = {
    store: port,
    location: store.path,
    readOnly: store.readOnly,
    // After recovery has read the store (createRuntime awaits this before handing the runtime out).
    finishDeletes: async () => {
      if (ready) await ready;
      return store.readOnly ? 0 : finishDeletes(deletePorts);
    },
    reportStorageFull: (error) => events.publish({ type: 'runtime.storageFull', error: toHoldfastError(error, 'STORAGE_FULL').toJSON(), at: clock.now() }),
    async spawn(machine, input, spawnOptions = {}) {
      assertOpen();
      const definition = resolveDefinition(machine);
      const id = (spawnOptions.id ?? newId()) as ActorId;
      let parent = spawnOptions.parent ? store.getActor(spawnOptions.parent) : undefined;
      if (isPromise(parent)) parent = await parent;
      if (spawnOptions.parent && !parent) throw new HoldfastError('ACTOR_NOT_FOUND', `no parent actor ${spawnOptions.parent}`);
      const record = await host.spawn(definition, id, input ?? {}, {
        ...(parent ? { parent: parent.id, root: parent.root } : {}),
        ...(spawnOptions.tags ? { tags: spawnOptions.tags } : {}),
      });
      return record.id;
    },
    send(id, event) {
      assertOpen();
      return host.send(id as ActorId, validateEvent(event));
    },
    get: async (id) => port.getActor(id as ActorId),
    query: (filter = {}) => listOf(port.queryActors(filter)),
    actors: (filter = {}) => asyncScan(store.queryActors(filter)) as AsyncIterable<never>,
    actorIds: (filter) => asyncScan(store.actorIds(filter)),
    count: async (filter) => store.countActors(filter),
    listed: (filter) => listedActors(store, filter),
    listedActor: (id) => readListedActor(store, id),
    inbox: (to) => asyncScan(store.inbox(to as ActorId | undefined)),
    label: (actor) => (registry.has(actor.machine) ? registry.get(actor.machine).label?.(actor) : undefined),
    journal: (id, journalOptions) => listOf(store.journal(id as ActorId, journalOptions)),
    waitFor(id, predicate, timeoutMs = 30_000) {
      if (closed) return Promise.reject(new HoldfastError('RUNTIME_CLOSED', 'the runtime is closed'));
      return new Promise((resolve, reject) => {
        let settled = false;
        // The seq of the last record read: a step's event comes once its commit landed, so a record
        // read then already shows every step up to it, and a step at or below it needs no new read.
        let seenSeq = -1;
        const check = () => {
          let read: ActorRecord | undefined | Promise<ActorRecord | undefined>;
          try {
            read = store.getActor(id as ActorId);
          } catch {
            return; // a record that does not decode is being parked: its parked record will
          }
          if (isPromise(read)) read.then(match, () => {}); // a read that fails is as one that does not decode
          else match(read);
        };
        const match = (record: ActorRecord | undefined) => {
          if (settled) return; // an answer that came after another matched, or after a timeout
          if (record !== undefined) seenSeq = record.seq;
          let matched: boolean;
          try {
            matched = record !== undefined && predicate(record);
          } catch (error) {
            return cancel(error); // the caller's predicate threw: hand its error back
          }
          if (matched) {
            finish();
            resolve(record!);
          }
        };
        const timer = clock.setTimeout(() => {
          cancel(new HoldfastError('WAIT_TIMEOUT', `actor ${id} did not reach the awaited condition within ${timeoutMs} ms`, { details: { id: String(id), timeoutMs } }));
        }, timeoutMs);
        const unsubscribe = events.subscribe((event) => {
          if (!('id' in event) || event.id !== id) return;
          if (event.type === 'actor.stepped' && event.seq <= seenSeq) return; // the record read already shows it
          check();
        });
        const finish = () => {
          settled = true;
          clock.clearTimeout(timer);
          unsubscribe();
          waits.delete(cancel);
        };
        const cancel = (error: unknown) => {
          finish();
          reject(error);
        };
        waits.add(cancel);
        check();
      });
    },
    whenIdle(timeoutMs = 60_000) {
      const deadline = clock.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const poll = () => {
          if (host.quiet) return resolve();
          if (clock.now() > deadline) return reject(new HoldfastError('WAIT_TIMEOUT', `runtime not idle within ${timeoutMs} ms`));
          setTimeout(poll, 5); // not unref'd: an awaited whenIdle keeps the process alive
        };
        poll();
      });
    },
    subscribe: (listener) => events.subscribe(listener),
    workload: () => ({ commitBacklog: committer.backlog, queues: limiter.queueDepths(), timers: timers.size, store: store.stats?.() }),
    diagnostics: () => ({
      at: new Date(clock.now()).toISOString(),
      host: host.diagnostics(),
      committer: committer.diagnostics(performance.now()),
      effects: { running: effects.size, runningSlots: effects.runningSlots(), limiter: { active: limiter.active, waiting: limiter.waiting, queues: limiter.queueDepths() } },
      timers: timers.size,
      store: store.diagnostics?.(),
    }),
    pause(id) {
      assertOpen();
      const root = rootOf(id);
      return isPromise(root) ? root.then((r) => host.pause(r)) : host.pause(root);
    },
    unpause(id) {
      assertOpen();
      const root = rootOf(id);
      return isPromise(root) ? root.then((r) => host.unpause(r)) : host.unpause(root);
    },
    async retry(id) {
      assertOpen();
      let record: ActorRecord | undefined;
      try {
        record = await store.getActor(id as ActorId);
      } catch (error) {
        throw cannotRetry(String(id), (await store.identityOf(id as ActorId))?.root ?? String(id), toHoldfastError(error, 'RECORD_CORRUPT').reason);
      }
      if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id: String(id) } });
      if (record.status === 'parked' && !record.snapshot) throw cannotRetry(record.id, record.root, record.error?.message ?? 'its record was unreadable');
      if (record.status === 'parked' && record.error?.details?.parentTold === true) {
        throw new HoldfastError(
          'INVALID_EVENT',
          `actor ${id} was parked while it ran and its parent ${record.parent ?? ''} counted it as failed; retrying it would report it twice: run its job again instead (holdfast job ${record.root})`,
          { details: { id: String(id), parent: record.parent ?? null, job: record.root } },
        );
      }
      if (record.status === 'parked') return host.unpark(record);
      if (record.status === 'active') return host.send(record.id, { type: 'retry' });
      throw new HoldfastError('INVALID_EVENT', `actor ${id} is ${record.status}: there is nothing to retry`);
    },
    // A reader beside the owner sees the owner's pauses as they are committed, not as they were at open.
    isPaused: async (id) => (store.readOnly ? (await store.getRecord(PAUSED, String(id))) !== undefined : host.isPaused(String(id))),
    async hosts(id) {
      const record = await store.getActor(id as ActorId);
      if (!record) return false;
      const active = await listOf(store.queryActors({ root: record.root, status: 'active' }));
      return active.length > 0 && (options.resume !== false || active.some((actor) => host.holds(actor.id)));
    },
    async delete(id, deleteOptions = {}) {
      assertOpen();
      const record = await store.getActor(id as ActorId);
      if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id: String(id) } });
      if (record.root !== record.id) throw new HoldfastError('INVALID_INPUT', `${id} belongs to job ${record.root}: delete the job`, { details: { id: String(id), job: record.root } });
      const records = await listOf(store.queryActors({ root: record.id }));
      const active = records.filter((actor) => actor.status === 'active').length;
      if (active > 0 && !host.isPaused(record.id)) {
        throw new HoldfastError('JOB_RUNNING', `job ${id} has ${active} active actor(s): pause it (holdfast pause ${id}) or let it finish, then delete it`, { details: { id: String(id), active } });
      }
      return deleteJob(deletePorts, record.id, records, deleteOptions);
    },
    async prune(pruneOptions = {}) {
      assertOpen();
      if (!retention) throw new HoldfastError('STORE_LOCKED', `store ${store.path} is open read-only`);
      const olderThanMs = pruneOptions.olderThanMs ?? (options.retention === false ? undefined : options.retention) ?? DEFAULT_RETENTION_MS;
      return retention.prune(olderThanMs);
    },
    records: {
      get: async (collection, key) => store.getRecord(collection, key),
      scan: <T>(collection: string, prefix?: RecordKey) => listOf(store.scanRecords<T>(collection, prefix)),
      iterate: (collection, prefix, scanOptions) => asyncScan(store.scanRecords(collection, prefix, scanOptions)),
      write: (changes, durability) => commitRecordChanges(store, changes, durability ?? options.durability ?? RUNTIME_DEFAULTS.durability),
      put: (collection, key, value) => commitRecordChanges(store, [{ op: 'putRecord', collection, key, value }], options.durability ?? RUNTIME_DEFAULTS.durability),
      delete: (collection, key) => commitRecordChanges(store, [{ op: 'deleteRecord', collection, key }], options.durability ?? RUNTIME_DEFAULTS.durability),
    },
    close() {
      closed ??= (async () => {
        host.closing = true;
        scrub?.stop();
        await retention?.stop();
        const graceUntil = clock.now() + (options.closeGraceMs ?? RUNTIME_DEFAULTS.closeGraceMs);
        while (effects.size > 0 && clock.now() < graceUntil) await new Promise((r) => setTimeout(r, 10));
        effects.cancelAll('the runtime closed; the effect runs again after a restart');
        timers.close();
        await committer.drain();
        for (const cancel of [...waits]) cancel(new HoldfastError('RUNTIME_CLOSED', 'the runtime closed before the awaited condition was reached'));
        try {
          if (ownsStore) await store.close();
        } finally {
          wiring.onClose?.();
        }
      })();
      return closed;
    },
    [Symbol.asyncDispose]() {
      return runtime.close();
    },
  };

  /** A job is paused as a whole: its top actor's id. */
  function rootOf(id: ActorId | string): ActorId | Promise<ActorId> {
    return andThen(store.getActor(id as ActorId), (record) => {
      if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id: String(id) } });
      return record.root;
    });
  }

  function assertOpen(): void {
    if (closed) throw new HoldfastError('RUNTIME_CLOSED', 'the runtime is closed');
    if (store.readOnly) throw new HoldfastError('INVALID_OPTIONS', 'this view of the store is read-only');
  }

  return runtime;
}

/** A parked actor whose record could not be read has no snapshot to run from: say what can be done instead. */
function cannotRetry(id: string, root: string, reason: string): HoldfastError {
  const job = root === id ? `delete it (holdfast delete ${id})` : `delete its job (holdfast delete ${root})`;
  return new HoldfastError(
    'RECORD_CORRUPT',
    `actor ${id} cannot be retried: its record could not be read (${reason}), so there is no snapshot to run from; its stored bytes are kept in the setAside records. ${job[0]!.toUpperCase()}${job.slice(1)}, or restore the store from a backup`,
    { details: { id, job: root } },
  );
}

/** Events from outside are plain JSON objects with a string type, of bounded size. */
function validateEvent(event: unknown): EventObject {
  if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof (event as { type?: unknown }).type !== 'string') {
    throw new HoldfastError('INVALID_EVENT', 'an event is an object with a string `type`');
  }
  const type = (event as EventObject).type;
  if (type.startsWith('xstate.') || type.startsWith('holdfast.')) throw new HoldfastError('INVALID_EVENT', `event type ${type} is reserved`);
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (cause) {
    throw new HoldfastError('INVALID_EVENT', 'event is not JSON-serialisable', { cause });
  }
  if (json.length > 1_000_000) throw new HoldfastError('INVALID_EVENT', `event is ${json.length} bytes; the limit is 1,000,000`);
  return JSON.parse(json, (key, value) => (key === '__proto__' ? undefined : value)) as EventObject;
}

export type { RuntimeEvent, PruneReport, RuntimeWorkload, RuntimeDiagnostics };
