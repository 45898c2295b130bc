/**
 * What every item source yields: items with stable ids, and the limits that
 * keep a hostile source (a 100 MB line, a huge CSV field) from exhausting memory.
 */
import { HoldfastError } from '../../../errors.js';

/** A source of items for `--source app:NAME`, registered by a host module: an async (or plain) iterable of item values or `{ id, value }`. */
export type HostSource = () => AsyncIterable<unknown> | Iterable<unknown>;

/** One item of a source (the same shape as `ItemInput` of src/adapters/batch/application.ts). */
export interface SourceItem {
  id: string;
  value: unknown;
}

/**
 * The longest line (JSONL) or record (CSV) a source accepts: 16 MB. Larger is
 * refused with the line number rather than buffered, so memory stays bounded.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** `dir:` items carry the file's text when it is at most this large and valid UTF-8. */
export const MAX_INLINE_TEXT_BYTES = 64 * 1024;

/** The longest item id accepted (ids become store keys). */
export const MAX_ID_LENGTH = 1_000;

/** An item id from a record's field: a non-empty string or a finite number. */
export function idFromField(record: unknown, field: string, where: string): string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new HoldfastError('INVALID_INPUT', `${where}: not an object, so it has no id field "${field}"`);
  }
  const value = (record as Record<string, unknown>)[field];
  if (value === undefined || value === null || value === '') throw new HoldfastError('INVALID_INPUT', `${where}: the id field "${field}" is missing or empty`);
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
    throw new HoldfastError('INVALID_INPUT', `${where}: the id field "${field}" must be a string or a number, got ${typeof value}`);
  }
  const id = String(value);
  if (id.length > MAX_ID_LENGTH) throw new HoldfastError('INVALID_INPUT', `${where}: the id in "${field}" is longer than ${MAX_ID_LENGTH} characters`);
  return id;
}

/** An item with where it came from (a line or record number, or a position), for error messages. */
export type PlacedItem = SourceItem & { line: number };

/**
 * Refuses a second item with an id already seen, naming both places.
 *
 * Given `rescan` (a file source, which can be read again), it keeps only a
 * 53-bit hash per id (about 40 bytes: 1,000,000 ids ~ 40 MB rather than
 * ~160 MB for the ids themselves); a hash seen before is confirmed by reading
 * the source again up to that item, which also finds where the first one was.
 * Without `rescan` (a host module's iterable) it keeps the ids.
 */
export async function* uniqueIds(items: AsyncIterable<PlacedItem>, where: (line: number) => string, rescan?: () => AsyncIterable<PlacedItem>): AsyncGenerator<PlacedItem> {
  const duplicate = (id: string, line: number, first: number) =>
    new HoldfastError('INVALID_INPUT', `duplicate id ${JSON.stringify(id)} at ${where(line)} (first at ${where(first)})`);
  if (!rescan) {
    const seen = new Map<string, number>();
    for await (const item of items) {
      const first = seen.get(item.id);
      if (first !== undefined) throw duplicate(item.id, item.line, first);
      seen.set(item.id, item.line);
      yield item;
    }
    return;
  }
  const hashes = new Set<number>();
  for await (const item of items) {
    const hash = hash53(item.id);
    if (hashes.has(hash)) {
      const first = await firstLineOf(rescan(), item.id, item.line);
      if (first !== undefined) throw duplicate(item.id, item.line, first);
    }
    hashes.add(hash);
    yield item;
  }
}

async function firstLineOf(items: AsyncIterable<PlacedItem>, id: string, before: number): Promise<number | undefined> {
  for await (const item of items) {
    if (item.line >= before) return undefined;
    if (item.id === id) return item.line;
  }
  return undefined;
}

/** cyrb53: a fast 53-bit string hash (public domain, bryc). */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Drops the `line` each item carried for error messages. */
export async function* withoutLines(items: AsyncIterable<PlacedItem>): AsyncGenerator<SourceItem> {
  for await (const item of items) yield { id: item.id, value: item.value };
}
