/**
 * Import test helpers: graphs (a small catalogue, fan-in, chains), the files
 * that describe them, a runtime with the import machines, and the invariants
 * every settled import must hold (RELIABILITY.md I2, I4, I5).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importMachines, type ImportOptions } from '../../../src/adapters/import/import-machines.js';
import { createRuntime, openLmdbStore, verifyStore, type ActorRecord, type Runtime, type SyncStore, type StoreViolation } from '../../../src/index.js';
import type { ImportBatchContext } from '../../../src/machines/import-batch.machine.js';
import type { ImportBatchInput } from '../../../src/machines/import.types.js';

export type ObjectLine = { kind?: 'object'; id: string; type: string; data?: unknown; identifiers?: Record<string, unknown> };
export type LinkLine = { kind?: 'link'; child: string; parent: string; linkTag: string; linkType: 'dependent' | 'independent'; separateDependentLinkCreate?: boolean };
export interface Graph {
  objects: ObjectLine[];
  links: LinkLine[];
}

export const LINK_TAGS = {
  writtenBy: [{ child: 'book', parent: 'author' }],
  publishedBy: [{ child: 'book', parent: 'publisher' }],
  partOf: [{ child: 'chapter', parent: 'book' }],
  cites: [{ child: 'book', parent: 'book' }],
  next: [{ child: 'node', parent: 'node' }],
  gathers: [{ child: 'hub', parent: 'node' }],
};

export const object = (id: string, type: string, data: unknown = { name: id }): ObjectLine => ({ kind: 'object', id, type, data });
export const existing = (id: string, type: string, externalId = `ext-${id}`): ObjectLine => ({ kind: 'object', id, type, identifiers: { id: externalId } });
export const dependent = (child: string, parent: string, linkTag: string, separate?: boolean): LinkLine => ({
  kind: 'link',
  child,
  parent,
  linkTag,
  linkType: 'dependent',
  ...(separate === undefined ? {} : { separateDependentLinkCreate: separate }),
});
export const independent = (child: string, parent: string, linkTag: string): LinkLine => ({ kind: 'link', child, parent, linkTag, linkType: 'independent' });

/** One child (a hub) with `parents` dependent parents: it is created once, after all of them, with all their identifiers. */
export function fanIn(parents: number): Graph {
  const objects = [object('child', 'hub'), ...Array.from({ length: parents }, (_, i) => object(`p${i}`, 'node'))];
  return { objects, links: Array.from({ length: parents }, (_, i) => dependent('child', `p${i}`, 'gathers')) };
}

/** n0 <- n1 <- ... : each node a dependent child of the one before. */
export function chain(depth: number): Graph {
  const objects = Array.from({ length: depth }, (_, i) => object(`n${i}`, 'node'));
  const links = Array.from({ length: depth - 1 }, (_, i) => dependent(`n${i + 1}`, `n${i}`, 'next'));
  return { objects, links };
}

/** Writes the graph as JSON Lines (objects first) or as a JSON document; returns the paths. */
export function writeImport(folder: string, graph: Graph, options: { format?: 'jsonl' | 'json'; linkTags?: unknown; name?: string } = {}): { file: string; linkTags: string } {
  const name = options.name ?? 'import';
  const file = join(folder, `${name}.${options.format ?? 'jsonl'}`);
  if (options.format === 'json') writeFileSync(file, JSON.stringify({ objects: graph.objects, links: graph.links }, null, 2));
  else writeFileSync(file, [...graph.objects, ...graph.links].map((line) => JSON.stringify(line)).join('\n') + '\n');
  const linkTags = join(folder, `${name}.link-tags.json`);
  writeFileSync(linkTags, JSON.stringify(options.linkTags ?? LINK_TAGS, null, 2));
  return { file, linkTags };
}

export interface ImportRuntime {
  runtime: Runtime;
  store: SyncStore;
  close(): Promise<void>;
}

/** A runtime with the import machines over a store in `folder` (durability 'commit': tests need no fsync). */
export async function openImportRuntime(folder: string, options: ImportOptions & { concurrency?: number } = {}): Promise<ImportRuntime> {
  const store = openLmdbStore(join(folder, 'store'));
  const runtime = await createRuntime({
    store,
    machines: importMachines({ retry: { backoffMs: 20, maxBackoffMs: 200 }, ...options }),
    limits: { concurrency: options.concurrency ?? 64 },
    durability: 'commit',
  });
  return {
    runtime,
    store,
    close: async () => {
      await runtime.close();
      await store.close();
    },
  };
}

/** Spawns a batch and waits until it is final. */
export async function runImport(runtime: Runtime, input: ImportBatchInput, options: { id?: string; timeoutMs?: number } = {}): Promise<ActorRecord> {
  const id = await runtime.spawn('importBatch', input, { id: options.id ?? 'batch' });
  return runtime.waitFor(id, (record) => record.status !== 'active', options.timeoutMs ?? 30_000);
}

export const contextOf = (record: ActorRecord) => record.snapshot!.context as ImportBatchContext;

/** Children of a batch counted by `machine:state`, as `holdfast job ID` shows them. */
export function childStates(store: SyncStore, batch: string): Record<string, number> {
  const states: Record<string, number> = {};
  for (const child of store.queryActors({ parent: batch as never })) states[`${child.machine}:${child.state}`] = (states[`${child.machine}:${child.state}`] ?? 0) + 1;
  return states;
}

/** I5 for imports: a batch's counts equal a recount of its children's final states. */
export function importCounts(record: ActorRecord, store: SyncStore): StoreViolation[] {
  if (record.machine !== 'importBatch' || record.status !== 'done') return [];
  const context = record.snapshot!.context as ImportBatchContext;
  const states = childStates(store, record.id);
  const violations: StoreViolation[] = [];
  for (const [machine, counts] of [['pendingObject', context.objects], ['pendingLink', context.links]] as const) {
    if (context.error?.code === 'IMPORT_INVALID') continue;
    for (const state of ['complete', 'error', 'blocked'] as const) {
      const recount = states[`${machine}:${state}`] ?? 0;
      if (recount !== counts[state]) violations.push({ invariant: 'I5', id: record.id, message: `${machine} ${state}: counted ${counts[state]}, recount ${recount}` });
    }
    const all = Object.entries(states).filter(([key]) => key.startsWith(`${machine}:`)).reduce((n, [, v]) => n + v, 0);
    if (all !== counts.total) violations.push({ invariant: 'I5', id: record.id, message: `${machine}: total ${counts.total}, spawned ${all}` });
  }
  return violations;
}

/** Every store invariant, with the import's counts, over a settled store. */
export async function verifyImportStore(store: SyncStore): Promise<StoreViolation[]> {
  return (await verifyStore(store, { expectSettled: true, checks: importCounts })).violations;
}
