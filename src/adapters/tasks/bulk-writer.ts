/**
 * The bulk writer of one task run: it collects entity fragments, merging
 * fragments of one entity, and flushes them when the run ends. The
 * fragments travel in the task's result and are written by the step that
 * completes the job, in the same commit as the next stage's spawn (records
 * `entities`, keyed `[dataset, entity id, job id]`): a crashed run writes
 * nothing and its re-run writes them once; a task that throws writes nothing.
 */
import { HoldfastError } from '../../errors.js';
import type { FragmentWrite } from '../../machines/task.types.js';
import { entitySchema, type Entity } from './job-model.js';

/** Distinct entities one run may write: they share one commit. Defer the rest as a next stage. */
export const MAX_FRAGMENTS = 100_000;

export interface BulkWriter {
  readonly dataset: string;
  /** Distinct entities collected so far. */
  readonly size: number;
  /** Adds a fragment (an entity, possibly partial). @throws INVALID_INPUT naming every wrong field */
  add(fragment: Entity): void;
}

export interface FlushableWriter extends BulkWriter {
  /** The merged fragments; the writer is empty afterwards. */
  flush(): FragmentWrite[];
}

export function createBulkWriter(dataset: string, max = MAX_FRAGMENTS): FlushableWriter {
  let byId = new Map<string, Entity>();
  return {
    dataset,
    get size() {
      return byId.size;
    },
    add(fragment) {
      const parsed = entitySchema.safeParse(fragment);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(fragment)'}: ${issue.message}`);
        throw new HoldfastError('INVALID_INPUT', `invalid entity fragment: ${problems.join('; ')}`, { details: { problems } });
      }
      const known = byId.get(parsed.data.id);
      if (!known && byId.size >= max) throw new HoldfastError('INVALID_INPUT', `a task run may write ${max} entities; defer the rest as a next stage`);
      byId.set(parsed.data.id, known ? mergeEntities([known, parsed.data]) : parsed.data);
    },
    flush() {
      const fragments = [...byId.values()].map((entity) => ({ dataset, entity }));
      byId = new Map();
      return fragments;
    },
  };
}

/**
 * Fragments of one entity merged: every property's values in first-seen
 * order without repeats; the first fragment's schema and other fields (no
 * FollowTheMoney model here to reconcile schemata: give one id one schema).
 */
export function mergeEntities(fragments: readonly Entity[]): Entity {
  const [first, ...rest] = fragments;
  if (!first) throw new HoldfastError('INVALID_INPUT', 'no fragments to merge');
  const properties: Record<string, string[]> = {};
  for (const fragment of [first, ...rest]) {
    for (const [name, values] of Object.entries(fragment.properties)) {
      const merged = (properties[name] ??= []);
      for (const value of values) if (!merged.includes(value)) merged.push(value);
    }
  }
  return { ...first, properties };
}
