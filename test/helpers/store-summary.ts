/** A short account of a store's state, for the message of a crash test whose last run did not end. */
import { openLmdbStore } from '../../src/index.js';

/** Actors by machine, status and state, the inbox, the timers and any corrupt record, in a few lines. */
export async function summariseStore(path: string): Promise<string> {
  let store;
  try {
    store = openLmdbStore(path, { readOnly: true });
  } catch (error) {
    return `store did not open: ${(error as Error).message}`;
  }
  try {
    const counts = new Map<string, number>();
    for (const actor of store.queryActors({})) {
      const effects = Object.keys(actor.effects).length;
      const key = `${actor.machine} ${actor.status} ${actor.state}${effects ? ` (${effects} effects)` : ''}${actor.recoveries ? ` (${actor.recoveries} recoveries)` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const inbox = [...store.inbox()];
    const timers = [...store.timers()];
    const lines = [...counts].sort().map(([key, count]) => `  ${count} × ${key}`);
    lines.push(`  inbox: ${inbox.length}${inbox.length ? ` (first to ${inbox[0]!.to})` : ''}`);
    lines.push(`  timers: ${timers.length}${timers.length ? ` (first due ${new Date(timers[0]!.due).toISOString()}, now ${new Date().toISOString()})` : ''}`);
    const corrupt = store.corruptActors();
    if (corrupt.length) lines.push(`  corrupt: ${corrupt.map((entry) => entry.id).join(', ')}`);
    return lines.join('\n');
  } finally {
    await store.close();
  }
}
