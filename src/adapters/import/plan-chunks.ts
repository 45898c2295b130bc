/**
 * The plan of an import in chunks, as the `importPlan` records keep it: each
 * pending link and object a run of values in a flat list (StoredPlanChunk)
 * rather than an object with field names. For issue 6's 300,000 spawns that
 * is 18 MB of store instead of 57, and 30 MB of heap between loading and the
 * commit instead of 90 (an object per spawn, or a small array per spawn, cost
 * that). Reading a chunk turns it back into the PlanChunk the batch spawns; a
 * chunk written by the release before this form (`{ spawns, ready }`) is read
 * as it is, so a batch stored mid-spawn resumes.
 */
import { NonRetryableError } from '../../errors.js';
import {
  linkKey,
  objectKey,
  type Identifiers,
  type PendingObjectPlan,
  type PlanChunk,
  type PlannedSpawn,
  type StoredPlanChunk,
} from '../../machines/import.types.js';

/** Link flags in rows and tables. */
export const DEPENDENT = 1;
export const SEPARATE = 2;
/** Object flags in rows. */
const READY = 1;
const EXISTS = 2;

/** What validation found, in compact tables: the objects by index, and the valid links in file order. */
export interface PlanTables {
  ids: readonly string[];
  type(index: number): string;
  line(index: number): number;
  exists(index: number): boolean;
  /** Its identifiers when it exists, else the data to create it with. */
  payload(index: number): unknown;
  links: { count: number; child: Int32Array; parent: Int32Array; line: Int32Array; flags: Int32Array; tag(link: number): string };
  /** Object indexes, each parent of a dependent link before its child. */
  order: Int32Array;
}

/** The plan of an import as the batch stores it: `count` chunks, each made when asked. */
export interface PlanChunks {
  readonly count: number;
  /** Chunk `n` (0 <= n < count), made from the tables: the whole plan of 1,000,000 objects was 216 MB of heap at once. */
  chunk(n: number): StoredPlanChunk;
}

/**
 * Cuts the plan into chunks of `chunkSize` spawns: links first, then objects
 * children-first (each object after every object that depends on it), so a
 * message is never sent to an actor not yet spawned.
 */
export function planChunks(tables: PlanTables, chunkSize: number): PlanChunks {
  const count = tables.ids.length;
  const { child, parent, flags, line, tag } = tables.links;
  const links = tables.links.count;
  const linksAsChild = new Int32Array(count);
  const awaiting = new Int32Array(count);
  const j = new Int32Array(links);
  for (let k = 0; k < links; k++) {
    j[k] = linksAsChild[child[k]!]!++;
    if (flags[k]! & DEPENDENT) awaiting[child[k]!]!++;
  }
  // Per parent, in file order: its dependent links (children) and the links that wait for it.
  const children = groupByParent(count, parent, links, (k) => (flags[k]! & DEPENDENT) !== 0);
  const waiting = groupByParent(count, parent, links, (k) => (flags[k]! & DEPENDENT) === 0 || (flags[k]! & SEPARATE) !== 0);
  const spawns = links + tables.order.length;

  const pushLink = (chunk: StoredPlanChunk, k: number) => {
    const c = child[k]!;
    chunk.links.push(c, j[k]!, line[k]!, tag(k), tables.ids[c]!, tables.ids[parent[k]!]!, flags[k]! & (DEPENDENT | SEPARATE));
  };
  const pushObject = (chunk: StoredPlanChunk, index: number) => {
    const exists = tables.exists(index);
    const ready = awaiting[index] === 0 && !exists;
    const out = chunk.objects;
    out.push(index, tables.ids[index]!, tables.type(index), tables.line(index), awaiting[index]!, linksAsChild[index]!, (ready ? READY : 0) | (exists ? EXISTS : 0), tables.payload(index));
    out.push(children.start[index + 1]! - children.start[index]!);
    for (let at = children.start[index]!; at < children.start[index + 1]!; at++) out.push(child[children.links[at]!]!, tag(children.links[at]!));
    out.push(waiting.start[index + 1]! - waiting.start[index]!);
    for (let at = waiting.start[index]!; at < waiting.start[index + 1]!; at++) out.push(child[waiting.links[at]!]!, j[waiting.links[at]!]!);
    if (ready) chunk.ready++;
  };
  return {
    count: Math.ceil(spawns / chunkSize),
    chunk(n) {
      const chunk: StoredPlanChunk = { v: 2, ready: 0, links: [], objects: [] };
      const end = Math.min(spawns, (n + 1) * chunkSize);
      for (let spawn = n * chunkSize; spawn < end; spawn++) {
        if (spawn < links) pushLink(chunk, spawn);
        else pushObject(chunk, tables.order[tables.order.length - 1 - (spawn - links)]!);
      }
      return chunk;
    },
  };
}

/** The links chosen by `keep`, grouped by parent in file order: parent i's are links[start[i]..start[i + 1]). */
function groupByParent(count: number, parent: Int32Array, links: number, keep: (link: number) => boolean): { start: Int32Array; links: Int32Array } {
  const start = new Int32Array(count + 1);
  for (let k = 0; k < links; k++) if (keep(k)) start[parent[k]! + 1]!++;
  for (let i = 0; i < count; i++) start[i + 1]! += start[i]!;
  const grouped = new Int32Array(start[count]!);
  const cursor = start.slice(0, count);
  for (let k = 0; k < links; k++) if (keep(k)) grouped[cursor[parent[k]!]!++] = k;
  return { start, links: grouped };
}

/**
 * A stored chunk as the batch spawns it.
 * @throws NonRetryableError RECORD_CORRUPT when it is neither form
 */
export function decodePlanChunk(value: unknown, what: string): PlanChunk {
  const corrupt = (why: string) => new NonRetryableError(`${what} cannot be read: ${why}`, { code: 'RECORD_CORRUPT' });
  if (typeof value !== 'object' || value === null) throw corrupt('not an object');
  const stored = value as Partial<StoredPlanChunk> & Partial<PlanChunk>;
  if (Array.isArray(stored.spawns) && typeof stored.ready === 'number') return stored as PlanChunk; // written before StoredPlanChunk
  if (stored.v !== 2 || !Array.isArray(stored.links) || !Array.isArray(stored.objects) || typeof stored.ready !== 'number') throw corrupt('unknown form');
  const { links, objects } = stored;
  if (links.length % 7 !== 0) throw corrupt('its links are cut short');
  const spawns: PlannedSpawn[] = [];
  for (let at = 0; at < links.length; at += 7) {
    const [child, j, line, linkTag, childId, parentId, flags] = links.slice(at, at + 7) as [number, number, number, string, string, string, number];
    const dependent = (flags & DEPENDENT) !== 0;
    const separate = (flags & SEPARATE) !== 0;
    spawns.push({ machine: 'pendingLink', key: linkKey(child, j), input: { line, linkTag, childId, parentId, dependent, separate, awaiting: dependent && !separate ? 1 : 2 } });
  }
  let at = 0;
  const count = (): number => {
    const n = objects[at++];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || at + 2 * n > objects.length) throw corrupt('an object is cut short');
    return n;
  };
  while (at < objects.length) {
    if (at + 9 > objects.length) throw corrupt('an object is cut short');
    const [index, id, type, line, awaiting, linksAsChild, flags, payload] = objects.slice(at, (at += 8)) as [number, string, string, number, number, number, number, unknown];
    const children: [number, string][] = [];
    for (let n = count(); n > 0; n--, at += 2) children.push([objects[at] as number, objects[at + 1] as string]);
    const linksAsParent: string[] = [];
    for (let n = count(); n > 0; n--, at += 2) linksAsParent.push(linkKey(objects[at] as number, objects[at + 1] as number));
    const input: PendingObjectPlan = { index, id, type, line, awaiting, linksAsChild, children, linksAsParent, ready: (flags & READY) !== 0 };
    if (flags & EXISTS) input.identifiers = payload as Identifiers;
    else input.data = payload;
    spawns.push({ machine: 'pendingObject', key: objectKey(index), input });
  }
  return { spawns, ready: stored.ready };
}
