/**
 * Which archived files a stored value references: the `contentHash` values of
 * the FollowTheMoney entities in it (an object with an `id`, a `schema` and
 * `properties`), wherever they sit (a task job's payload, an entity
 * fragment). Only entities count, so a `contentHash` field of some other
 * record is never taken for an archive reference.
 */
import { CONTENT_HASH } from './job-model.js';

/** Calls `found` with each contentHash an entity inside `value` holds (walked without recursion: stored JSON may nest deep). */
export function contentHashesIn(value: unknown, found: (contentHash: string) => void): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    const record = next as Record<string, unknown>;
    if (isEntity(record)) {
      const hashes = (record.properties as Record<string, unknown>).contentHash;
      if (Array.isArray(hashes)) for (const hash of hashes) if (typeof hash === 'string' && CONTENT_HASH.test(hash)) found(hash);
    }
    for (const key in record) {
      const inner = record[key];
      if (typeof inner === 'object' && inner !== null) pending.push(inner);
    }
  }
}

function isEntity(record: Record<string, unknown>): boolean {
  return typeof record.id === 'string' && typeof record.schema === 'string' && typeof record.properties === 'object' && record.properties !== null;
}
