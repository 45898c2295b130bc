/**
 * Journal entries as the store keeps them: a compact array
 * `[event, from, to, at, durationMs?, snapshot?]` under the key (actor, seq),
 * checksummed like every record; `to` is 0 when the step stayed in `from`, and
 * a duration of 0 with no snapshot is left out (format 3: most steps). An
 * import of 100,000 objects writes 1.2 million entries: without the field names
 * each is ~50 bytes instead of ~110, so the journal takes about half the pages.
 * Entries of format 1 (objects with their field names) and 2 still decode.
 */
import { HoldfastError } from '../errors.js';
import { decodeRecord, encodeRecord } from './record-codec.js';
import type { JournalEntry } from './store.js';

type CompactEntry = [event: string, from: string, to: string | 0, at: number, durationMs?: number, snapshot?: JournalEntry['snapshot']];

/** The stored form of an entry; its seq is in the key. */
export function encodeJournalEntry(entry: JournalEntry): Buffer {
  const compact: CompactEntry = [entry.event, entry.from, entry.to === entry.from ? 0 : entry.to, entry.at];
  if (entry.durationMs !== 0 || entry.snapshot !== undefined) compact.push(entry.durationMs);
  if (entry.snapshot !== undefined) compact.push(entry.snapshot);
  return encodeRecord(compact);
}

/** An entry from its key's seq and its stored bytes. Throws RECORD_CORRUPT for a checksum or shape that fails. */
export function decodeJournalEntry(seq: number, bytes: Uint8Array, what: string): JournalEntry {
  const value = decodeRecord<CompactEntry | JournalEntry>(bytes, what);
  if (!Array.isArray(value)) {
    if (typeof value !== 'object' || value === null) throw new HoldfastError('RECORD_CORRUPT', `${what}: entry ${seq} is not a journal entry`);
    return value; // format 1
  }
  const [event, from, to, at, durationMs = 0, snapshot] = value;
  if (typeof event !== 'string' || typeof from !== 'string' || (typeof to !== 'string' && to !== 0) || typeof at !== 'number' || typeof durationMs !== 'number') {
    throw new HoldfastError('RECORD_CORRUPT', `${what}: entry ${seq} is not a journal entry`);
  }
  const entry: JournalEntry = { seq, event, from, to: to === 0 ? from : to, at, durationMs };
  if (snapshot !== undefined) entry.snapshot = snapshot;
  return entry;
}
