/**
 * What the inspector shows of actors, read through the runtime in pages: ids
 * come from the index (no record decoded to skip an offset), then only the
 * page's records are read. Never every actor.
 */
import type { ActorId, ActorRecord, JournalEntry } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import { parkedByCode } from '../../runtime/listed-actors.js';
import { HoldfastError } from '../../errors.js';
import type { ActorRow, ActorView, JobRow, JobStats, JournalRow, Page } from './inspector-protocol.js';
import type { JobWords } from './kind-inspector.js';


/** Larger snapshots are left out of an actor view (the page shows their size instead). */
const MAX_SNAPSHOT_CHARS = 256 * 1024;

export const MAX_PAGE = 200;

/** The first `count` ids after skipping `skip`, read from the index only. */
async function slice(ids: AsyncIterable<ActorId>, skip: number, count: number): Promise<ActorId[]> {
  const out: ActorId[] = [];
  if (count <= 0) return out;
  let index = 0;
  for await (const id of ids) {
    if (index++ < skip) continue;
    out.push(id);
    if (out.length === count) break;
  }
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
/** Counter names that mean "this many items have reported", summed when a context has no `done`. */
const DONE_COUNTERS = ['copied', 'skipped', 'failed', 'completed', 'processed', 'succeeded'];

/** A job's progress from its own counters (`progress`, `counts.total` with `done` or reported counters, `total`/`done`). */
export function progressFromContext(context: unknown): { done: number; total: number } | null {
  if (!isObject(context)) return null;
  const explicit = context.progress;
  if (isObject(explicit) && isCount(explicit.total) && isCount(explicit.done)) return { done: explicit.done, total: explicit.total };
  for (const source of [context.counts, context]) {
    if (!isObject(source) || !isCount(source.total)) continue;
    if (isCount(source.done)) return { done: source.done, total: source.total };
    const parts = DONE_COUNTERS.map((name) => source[name]).filter(isCount);
    if (parts.length > 0) return { done: parts.reduce((a, b) => a + b, 0), total: source.total };
  }
  return null;
}

/** A job's progress from a scan of its tree: descendants at rest over descendants. */
export function progressFromStats(stats: JobStats, job: ActorRecord): { done: number; total: number } | null {
  if (!stats.complete) return null;
  const atRest = (stats.byStatus.done ?? 0) + (stats.byStatus.error ?? 0) + (stats.byStatus.stopped ?? 0);
  const total = stats.total - 1;
  if (total <= 0) return null;
  return { done: Math.max(0, atRest - (job.status === 'active' || job.status === 'parked' ? 0 : 1)), total };
}

/**
 * Index counts of big trees cost time (about 40 ms per million keys here), and a
 * busy job's row is rebuilt every tick: each count is reused for a while, longer
 * the more it cost (50 times its cost, at least `minMs`).
 */
class CountCache {
  private readonly entries = new Map<string, { value: number; until: number }>();

  constructor(private readonly minMs = 1_000, private readonly maxEntries = 10_000) {}

  async get(key: string, count: () => Promise<number>): Promise<number> {
    const now = performance.now();
    const cached = this.entries.get(key);
    if (cached && cached.until > now) return cached.value;
    const value = await count();
    const cost = performance.now() - now;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: now + Math.max(this.minMs, cost * 50) });
    return value;
  }
}

export class ActorViews {
  private readonly counts = new CountCache();

  constructor(
    private readonly runtime: Runtime,
    private readonly statsOf: (root: string) => JobStats | undefined,
    /** A kind's own words and progress for a job row (its inspector's `describeJob`), now or later. */
    private readonly describe: (record: ActorRecord) => JobWords | undefined | Promise<JobWords | undefined> = () => undefined,
  ) {}

  /** Top actors, newest first (ids sort by creation time). */
  async jobsPage(offset: number, limit: number): Promise<Page<JobRow>> {
    const total = await this.runtime.count({ topOnly: true });
    const end = Math.max(0, total - offset);
    const start = Math.max(0, end - limit);
    const ids = (await slice(this.runtime.actorIds({ topOnly: true }), start, end - start)).reverse();
    return { items: await rowsOf(ids, (id) => this.jobRow(id)), offset, limit, total };
  }

  async jobRow(id: string): Promise<JobRow | undefined> {
    const record = await this.read(id);
    if (!record) return undefined;
    const stats = this.statsOf(record.id);
    const described = await this.describe(record);
    const progress = described?.progress ?? progressFromContext(record.snapshot?.context) ?? (stats ? progressFromStats(stats, record) : null);
    return {
      id: record.id,
      machine: record.machine,
      state: record.state,
      status: record.status,
      paused: await this.runtime.isPaused(record.id),
      actors: await this.counts.get(`r:${record.id}`, () => this.runtime.count({ root: record.id })),
      progress,
      ...(described ? { words: described.words } : {}),
      ...(record.error ? { error: { code: record.error.code, message: record.error.message } } : {}),
      ...(await this.parkedIn(record.id)),
      updatedAt: record.updatedAt,
    };
  }

  /** The job's parked actors by code, from the index of parked actors (few: each waits for a person). */
  private async parkedIn(root: string): Promise<{ parked?: Record<string, number> }> {
    const parked = [];
    for await (const id of this.runtime.actorIds({ status: 'parked' })) {
      const record = await this.read(id);
      if (record && record.root === root && record.id !== root) parked.push(record);
    }
    return parked.length > 0 ? { parked: parkedByCode(parked) } : {};
  }

  /** Direct children of an actor, in id order. */
  async childrenPage(parent: string, offset: number, limit: number): Promise<Page<ActorRow>> {
    const filter = { parent: parent as ActorId };
    const total = await this.runtime.count(filter);
    const ids = await slice(this.runtime.actorIds(filter), offset, limit);
    return { items: await rowsOf(ids, (id) => this.actorRow(id)), offset, limit, total };
  }

  /** An actor's row; `given` is its record when the caller read it already. */
  async actorRow(id: string, given?: ActorRecord): Promise<ActorRow | undefined> {
    const record = given ?? (await this.read(id));
    if (!record) return undefined;
    return {
      id: record.id,
      machine: record.machine,
      state: record.state,
      status: record.status,
      parent: record.parent ?? null,
      root: record.root,
      children: await this.counts.get(`p:${record.id}`, () => this.runtime.count({ parent: record.id })),
      ...this.labelOf(record),
      ...(record.error ? { error: { code: record.error.code, message: record.error.message } } : {}),
      updatedAt: record.updatedAt,
    };
  }

  /** One actor in full. @throws ACTOR_NOT_FOUND */
  async actorView(id: string): Promise<ActorView> {
    const record = await this.read(id);
    if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id } });
    const row = (await this.actorRow(id, record))!;
    const json = JSON.stringify(record.snapshot);
    const omitted = json !== undefined && json.length > MAX_SNAPSHOT_CHARS;
    return {
      ...row,
      version: record.version,
      seq: record.seq,
      paused: await this.runtime.isPaused(record.root),
      snapshot: omitted ? null : record.snapshot,
      ...(omitted ? { snapshotOmitted: `snapshot of ${json.length} characters is over the ${MAX_SNAPSHOT_CHARS} shown` } : {}),
      effects: Object.entries(record.effects).map(([invokeId, effect]) => ({
        invokeId,
        src: effect.src,
        attempt: effect.attempt,
        ...(effect.retryAt !== undefined ? { retryAt: effect.retryAt } : {}),
      })),
      timers: Object.entries(record.timers).map(([timerId, due]) => ({ id: timerId, due })),
      createdAt: record.createdAt,
    };
  }

  /** The newest `limit` journal entries before `beforeSeq`, newest first. @throws ACTOR_NOT_FOUND */
  async journal(id: string, beforeSeq: number | undefined, limit: number): Promise<{ entries: JournalRow[]; seq: number }> {
    const record = await this.read(id);
    if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id } });
    const end = Math.min(beforeSeq ?? record.seq + 1, record.seq + 1);
    const fromSeq = Math.max(0, end - limit);
    const entries = (await this.runtime.journal(id, { fromSeq, limit: end - fromSeq }))
      .filter((entry) => entry.seq < end)
      .map((entry) => journalRow(entry, record))
      .reverse();
    return { entries, seq: record.seq };
  }

  /** One journal entry with the snapshot at that moment, when one is known. @throws ACTOR_NOT_FOUND */
  async journalEntry(id: string, seq: number): Promise<{ entry: JournalRow; snapshot: unknown; source: 'journal' | 'current' | 'none' }> {
    const record = await this.read(id);
    const entry = record ? (await this.runtime.journal(id, { fromSeq: seq, limit: 1 }))[0] : undefined;
    if (!record || !entry || entry.seq !== seq) throw new HoldfastError('ACTOR_NOT_FOUND', `no journal entry ${seq} of actor ${id}`, { details: { id, seq } });
    if (entry.snapshot !== undefined) return { entry: journalRow(entry, record), snapshot: entry.snapshot, source: 'journal' };
    if (entry.seq === record.seq) return { entry: journalRow(entry, record), snapshot: record.snapshot, source: 'current' };
    return { entry: journalRow(entry, record), snapshot: null, source: 'none' };
  }

  /** An actor by the name its kind gives it (a data file by its path, a batch by its number); nothing for an id that is its own name. */
  private labelOf(record: ActorRecord): { label?: string } {
    const label = this.runtime.label(record);
    return label ? { label } : {};
  }

  /** A record, or undefined when missing or undecodable (corrupt records are parked and listed elsewhere). */
  /** An actor's record; one that does not decode is shown as parked (RECORD_CORRUPT) where the index puts it. */
  read(id: string): Promise<ActorRecord | undefined> {
    return this.runtime.listedActor(id);
  }
}

/** The rows of a page's ids, in order, without the ids that are gone. */
async function rowsOf<T>(ids: readonly string[], row: (id: string) => Promise<T | undefined>): Promise<T[]> {
  const rows: T[] = [];
  for (const id of ids) {
    const found = await row(id);
    if (found !== undefined) rows.push(found);
  }
  return rows;
}

function journalRow(entry: JournalEntry, record: ActorRecord): JournalRow {
  return {
    seq: entry.seq,
    event: entry.event,
    from: entry.from,
    to: entry.to,
    at: entry.at,
    durationMs: entry.durationMs,
    hasSnapshot: entry.snapshot !== undefined || entry.seq === record.seq,
  };
}
