/**
 * The import graph's shared shapes: what an import batch, its pending objects
 * and its pending links are given, the facts they tell each other, and what
 * their effects take and return. Pure types (docs/import-protocol.md).
 */

/** How the external service names an object it created: any JSON object, such as `{ id: 'b-17' }`. */
export type Identifiers = Record<string, unknown>;

/** What the batch is given: files by absolute path (nothing big is kept in its context). */
export interface ImportBatchInput {
  /** The import, JSON or JSON Lines: pending objects and pending links. */
  file: string;
  /** Which child type may link to which parent type under each tag; without it no link is valid. */
  linkTags?: string;
  /** `http(s)://` URL of the service, or the name of an in-process service the host registered. */
  service: string;
  /** A URL the import-complete event is posted to. */
  onComplete?: string;
  /** Objects created at once (no awaited parents) that may be in flight before the next chunk is spawned. @default 2000 */
  window?: number;
}

/** A problem found by validation, with the line of the file it is on. */
export interface ImportProblem {
  line: number;
  message: string;
}

/** An object or link that failed, and so blocks what depends on it. */
export interface BlockOrigin {
  /** The failed object's id, or `child -> parent` for a link. */
  id: string;
  line: number;
  reason: string;
}

/** An error as a machine stores it. */
export interface ErrorJson {
  code: string;
  message: string;
}

/** One pending object, as planned by validation. Its actor key is `o<index>`. */
export interface PendingObjectPlan {
  index: number;
  id: string;
  type: string;
  line: number;
  /** What to create it with; absent when it already exists. */
  data?: unknown;
  /** Present when it already exists: it is never created. */
  identifiers?: Identifiers;
  /** Dependent links whose child this is: `parent.created` messages to count before creating. */
  awaiting: number;
  /** Links whose child this is; they are keyed `l<index>.<j>`, j < linksAsChild, so no list is kept. */
  linksAsChild: number;
  /** [child object index, link tag] of each dependent link whose parent this is. */
  children: [number, string][];
  /** Keys of the links that wait for this object as their parent (independent or separately created). */
  linksAsParent: string[];
  /** Created as soon as it is spawned (nothing awaited, not existing): counted by the batch's window. */
  ready: boolean;
}

/** One pending link, as planned by validation. Its actor key is `l<child index>.<j>`. */
export interface PendingLinkPlan {
  line: number;
  linkTag: string;
  childId: string;
  parentId: string;
  dependent: boolean;
  separate: boolean;
  /** Ends to hear from: 1 (a dependent link completes with its child) or 2. */
  awaiting: 1 | 2;
}

/** Batch-wide facts every child is spawned with. */
export interface ChildCommon {
  batch: string;
  service: string;
}

export type PendingObjectInput = PendingObjectPlan & ChildCommon;
export type PendingLinkInput = PendingLinkPlan & ChildCommon;

/** A spawn request of the plan, without the batch-wide facts. */
export type PlannedSpawn =
  | { machine: 'pendingObject'; key: string; input: PendingObjectPlan }
  | { machine: 'pendingLink'; key: string; input: PendingLinkPlan };

/** A slice of the plan, spawned in one step of the batch: links first, then objects children-first. */
export interface PlanChunk {
  spawns: PlannedSpawn[];
  /** How many of its objects are `ready`. */
  ready: number;
}

/**
 * A plan chunk as the `importPlan` record keeps it: its links, then its
 * objects, in spawning order, each a run of values in one flat list (field
 * names were two thirds of the plan's bytes, and a small array per spawn half
 * of the plan's heap between loading and its commit).
 */
export interface StoredPlanChunk {
  v: 2;
  /** How many of its objects are `ready`. */
  ready: number;
  /**
   * 7 values a link: child index, j (its key is `l<child index>.<j>`), line,
   * linkTag, childId, parentId, flags (1 dependent, 2 separate).
   */
  links: (number | string)[];
  /**
   * Per object: index, id, type, line, awaiting, linksAsChild, flags (1 ready,
   * 2 exists), its data (or its identifiers when it exists); then the count
   * of its children and as many `child index, link tag` pairs; then the count
   * of the links that wait for it as parent and as many `child index, j` pairs.
   */
  objects: unknown[];
}

/**
 * What loading an import yields: problems (nothing is sent), or the size of
 * its plan, whose chunks the batch then stores part by part (`PlanPart`): the
 * whole plan of a large import does not fit in memory at once. `problems`
 * lists the first MAX_LISTED_PROBLEMS by line (10,000); `problemCount` counts
 * them all (absent from a result stored by the release before it, whose list
 * was whole). `fingerprint` tells the file planned (its size and time, and the
 * plan's counts): a part planned again after a restart must come from the same.
 */
export type LoadResult = { ok: false; problems: ImportProblem[]; problemCount: number } | { ok: true; objects: number; links: number; chunks: number; fingerprint: string };

/** Chunks `from` to `to` (exclusive) of a plan, read to be stored. */
export interface PlanPartRequest {
  file: string;
  linkTags?: string | undefined;
  from: number;
  to: number;
  fingerprint: string;
}
export interface PlanPart {
  chunks: StoredPlanChunk[];
}

/** How a pending object or link ended. */
export type Outcome = 'complete' | 'error' | 'blocked';

/** The batch's counts of one kind of child. */
export interface OutcomeCounts {
  total: number;
  complete: number;
  error: number;
  blocked: number;
}

/** Facts objects tell their dependants, links and batch. */
export type ParentCreated = { type: 'parent.created'; parent: number; linkTag: string; identifiers: Identifiers };
export type ParentFailed = { type: 'parent.failed'; origin: BlockOrigin };
export type EndCreated = { type: 'end.created'; end: 'child' | 'parent'; identifiers: Identifiers };
export type EndFailed = { type: 'end.failed'; end: 'child' | 'parent'; origin: BlockOrigin };
export type ObjectSettled = { type: 'object.settled'; outcome: Outcome; ready: boolean };
export type LinkSettled = { type: 'link.settled'; outcome: Outcome };

/**
 * The service's answer to a request it accepted (202), sent to the pending
 * object or link by `holdfast serve`'s `POST /import/callbacks`, or by a host app.
 */
export type ServiceCallback = { type: 'service.callback'; identifiers: Identifiers } | { type: 'service.callback'; error: { message: string; code?: string } };

/** What a create effect returns: the new identifiers (200), or that a callback will follow (202). */
export type ServiceAnswer = { identifiers: Identifiers } | { accepted: true };

/** The `createObject` effect's input: the adapter adds the parents' identifiers from records. */
export interface CreateObjectInput {
  /** The pending object's actor id: the idempotency key of every request for it. */
  key: string;
  batch: string;
  index: number;
  service: string;
  type: string;
  data: unknown;
}

/** The `createLink` effect's input: both ends' identifiers, as received. */
export interface CreateLinkInput {
  key: string;
  service: string;
  linkTag: string;
  child: Identifiers;
  parent: Identifiers;
}

/** The import-complete event: emitted on the runtime's event stream and posted with `onComplete`. */
export interface ImportCompleted {
  type: 'import.completed';
  batch: string;
  outcome: 'complete' | 'error';
  objects: OutcomeCounts;
  links: OutcomeCounts;
}

/** Records the import keeps beside its actors. */
export const IMPORT_RECORDS = {
  /** [batch, chunk] -> StoredPlanChunk (or a PlanChunk, as written before it), deleted once spawned */
  plan: 'importPlan',
  /** batch -> ImportProblem[] (the first 10,000 by line; the batch's context keeps the first few and counts all) */
  problems: 'importProblems',
  /** [batch, child index, parent index, link tag] -> { linkTag, identifiers } */
  parents: 'importParents',
} as const;

/** Machine names, as registered and stored on every actor. */
export const PENDING_OBJECT_MACHINE = 'pendingObject';
export const PENDING_LINK_MACHINE = 'pendingLink';
export const IMPORT_BATCH_MACHINE = 'importBatch';

/** Actor keys under the batch: `o<object index>`, `l<child index>.<j>`. */
export const objectKey = (index: number) => `o${index}`;
export const linkKey = (childIndex: number, j: number) => `l${childIndex}.${j}`;
