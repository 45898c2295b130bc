/**
 * A Store that counts what the runtime commits, passed to createRuntime in
 * place of the folder: steps per transaction tell whether group commit works.
 */
import type { Durability, Mutation, Store } from '../../src/persistence/store.js';

export interface CommitStats {
  commits: number;
  mutations: number;
  /** Wall time spent inside store.commit (encoding, transaction and flush). */
  commitMs: number;
}

export function countingStore(inner: Store): { store: Store; stats: CommitStats } {
  const stats: CommitStats = { commits: 0, mutations: 0, commitMs: 0 };
  const commit = async (mutations: readonly Mutation[], durability: Durability, onWritten?: () => void) => {
    const started = performance.now();
    stats.commits++;
    stats.mutations += mutations.length;
    try {
      await inner.commit(mutations, durability, onWritten);
    } finally {
      stats.commitMs += performance.now() - started;
    }
  };
  const bound = new Map<PropertyKey, unknown>();
  const store = new Proxy(inner, {
    get(target, property) {
      if (property === 'commit') return commit;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      // Bind once: getActor runs on every spawn.
      if (!bound.has(property)) bound.set(property, (value as (...args: unknown[]) => unknown).bind(target));
      return bound.get(property);
    },
  });
  return { store, stats };
}
