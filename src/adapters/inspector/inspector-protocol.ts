/**
 * The inspector's wire protocol: JSON text frames over one WebSocket, shared by
 * the server (src/adapters/inspector) and the page (src/inspector-page). Pure
 * types and constants, no runtime imports, so the browser bundle can use them.
 * docs/inspector-protocol.md describes every message. The messages about
 * batch jobs (`dagStats`, `exceptions`, `resolve`, `reprocess`) are the batch-job
 * kind's requests (src/adapters/batch/batch-inspector.ts): listed here for the page.
 */
import type { JournalEntry } from '../../runtime/actor-types.js';

/** Bumped on an incompatible change; sent in the summary. */
export const INSPECTOR_PROTOCOL = 1;

/** Version of XState's inspection shapes (`_version` of `@xstate.*` frames). */
export const INSPECTION_VERSION = '1.0.0';

/** What a token allows: read-only reads, admin also pauses, unpauses, retries, resolves and reprocesses. */
export type Role = 'readOnly' | 'admin';

export type Status = 'active' | 'done' | 'error' | 'stopped' | 'parked';

/** One state node of a machine, by its dotted path (the form records keep: `copying`, `running.waiting`). */
export interface ChartNode {
  path: string;
  key: string;
  /** The parent's path; null for the machine's top states. */
  parent: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** A compound state's initial child path. */
  initial?: string;
  /** Effects (invoked actors' `src`) this state runs. */
  invokes?: string[];
}

/** One transition: from a state node to another, on an event (`always`, `after 500ms`, `done: copy`...). */
export interface ChartEdge {
  source: string;
  target: string;
  label: string;
}

/** A registered machine, drawable: its state nodes and transitions. */
export interface MachineChart {
  name: string;
  version: string;
  initial: string | null;
  nodes: ChartNode[];
  edges: ChartEdge[];
}

/** Actors per machine per state path (the record's `state`); only non-zero entries. */
export type StateCounts = Record<string, Record<string, number>>;
export type StatusCounts = Partial<Record<Status, number>>;

export interface ErrorInfo {
  code: string;
  message: string;
}

/** A page of a longer list. */
export interface Page<T> {
  items: T[];
  offset: number;
  limit: number;
  total: number;
}

/** A top actor (a job) with what the list shows of it. */
export interface JobRow {
  id: string;
  machine: string;
  state: string;
  status: Status;
  paused: boolean;
  /** Actors in the job's tree, itself included (from the index, exact). */
  actors: number;
  /** From the job's own counters when it keeps them, else from its last tree scan; null when unknown yet. */
  progress: { done: number; total: number } | null;
  /** Its state in the CLI's words when its kind has them (a batch job: `finished`, `partial`, `running`...), as `holdfast job ID` prints it. */
  words?: string;
  error?: ErrorInfo;
  /** Actors of the job parked (they wait for a person; the job does not wait for them), by error code. */
  parked?: Record<string, number>;
  updatedAt: number;
}

/** An actor as a row of a tree or a list. */
export interface ActorRow {
  id: string;
  machine: string;
  state: string;
  status: Status;
  parent: string | null;
  root: string;
  /** Direct children (from the index). */
  children: number;
  /** What a person calls it, when its id is no name: a data file's relative path, "batch 0, run 2". */
  label?: string;
  error?: ErrorInfo;
  updatedAt: number;
}

/** One actor in full: its row, its snapshot (omitted past a size cap), its effects and timers. */
export interface ActorView extends ActorRow {
  version: string;
  seq: number;
  paused: boolean;
  snapshot: unknown;
  snapshotOmitted?: string;
  effects: { invokeId: string; src: string; attempt: number; retryAt?: number }[];
  timers: { id: string; due: number }[];
  createdAt: number;
}

/** A job's tree by machine, state and status, counted by a scan of its records (chunked, repeated while it changes). */
export interface JobStats {
  id: string;
  /** Actors in the tree (index count). */
  total: number;
  /** Records the last scan has read so far; equals `total` once `complete`. */
  scanned: number;
  complete: boolean;
  byStatus: StatusCounts;
  byState: StateCounts;
  at: number;
}

/** One journal entry as listed (snapshot sent on demand with `journalEntry`). */
export interface JournalRow extends Omit<JournalEntry, 'snapshot'> {
  /** A snapshot can be shown for this step (kept with the entry, or the actor's current one for its latest step). */
  hasSnapshot: boolean;
}

export interface Throughput {
  /** Steps committed in the last second. */
  stepsPerSecond: number;
  /** Steps since the inspector started. */
  steps: number;
}

/** The machine name of a batch job (issue 5): the page shows its DAG and exception queue. */
export const BATCH_JOB_MACHINE_NAME = 'batchJob';

/** A resolution's value (`resolve`), as JSON: at most this many bytes and this deep (the page checks before sending). */
export const RESOLVE_VALUE_MAX_BYTES = 32 * 1024;
export const RESOLVE_VALUE_MAX_DEPTH = 32;

/**
 * Nesting depth of arrays and objects, without recursion (a hostile value cannot
 * blow the stack); counting stops once past `stopPast`. Shared by the server and the page.
 */
export function nestingDepth(value: unknown, stopPast: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > stopPast) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** One step of a batch job's application DAG, with the steps whose results it takes. */
export interface DagNode {
  name: string;
  after: string[];
}

/** One DAG node's statistics over every batch's current (or last) run. */
export interface DagNodeStats {
  node: string;
  items: number;
  successes: number;
  failures: number;
  totalMs: number;
  p50Ms: number;
  p95Ms: number;
}

/** A batch job's DAG and per-node statistics. */
export interface DagStats {
  id: string;
  application: string;
  /** False when the application is not given to the inspector: nodes come from the statistics, without edges. */
  edgesKnown: boolean;
  nodes: DagNode[];
  /** The step whose output is an item's result; null when the application is not known. */
  result: string | null;
  stats: DagNodeStats[];
  items: number;
  batches: number;
  /** A run is going on or queued. */
  running: boolean;
  /** The job's state in the CLI's words (`finished`, `partial`...), when the batch jobs can tell. */
  state?: string;
  at: number;
}

/** One exception of a batch job's queue, as a row (the input shortened). */
export interface ExceptionRow {
  item: string;
  batch: number;
  step: string;
  error: { code?: string; message: string };
  /** The item's input as JSON, cut past 200 characters. */
  input: string;
  resolved: boolean;
  resolution?: string;
  at: number;
}

/**
 * A page of exceptions. Counting stops after a bounded read: `totalExact` false means "at least `total`".
 * Asked with `after`, `offset` is the one the client gave (display only) and `total` counts from it.
 */
export interface ExceptionPage extends Page<ExceptionRow> {
  open: boolean;
  totalExact: boolean;
  /** Present when rows may follow: the `after` that asks for the next page (the last row's item id, or past a read cut short). */
  next?: string;
}

/** What a finished reprocess did. */
export interface ReprocessSummary {
  batchesRun: number;
  items: number;
  results: number;
  exceptions: number;
  elapsedMs: number;
}

/** XState's inspection shapes, serialised as Stately's inspector reads them. */
interface InspectionBase {
  rootId: string;
  /** The actor id. */
  sessionId: string;
  createdAt: string;
  id: string;
  _version: string;
}
export interface ActorFrame extends InspectionBase {
  type: '@xstate.actor';
  parentId: string | undefined;
  /** The machine's name; `definition` (JSON of the machine) is sent with the first actor of each machine. */
  machine: string;
  definition: string | undefined;
  snapshot: unknown;
}
export interface EventFrame extends InspectionBase {
  type: '@xstate.event';
  sourceId: string | undefined;
  event: { type: string };
}
export interface SnapshotFrame extends InspectionBase {
  type: '@xstate.snapshot';
  event: { type: string };
  snapshot: unknown;
  status: Status;
  /** Steps of this actor folded into this frame by coalescing (one frame per actor per tick). */
  coalesced?: number;
}
export type InspectionFrame = ActorFrame | EventFrame | SnapshotFrame;

/** Correlates a reply with its request: any short string or number the client chose. */
export type Ref = string | number;

export type ClientMessage =
  | { type: 'jobs'; ref?: Ref; offset?: number; limit?: number }
  | { type: 'children'; ref?: Ref; id: string; offset?: number; limit?: number }
  | { type: 'actor'; ref?: Ref; id: string }
  | { type: 'jobStats'; ref?: Ref; id: string | null }
  | { type: 'journal'; ref?: Ref; id: string; beforeSeq?: number; limit?: number }
  | { type: 'journalEntry'; ref?: Ref; id: string; seq: number }
  | { type: 'subscribe'; ref?: Ref; id: string; scope: 'actor' | 'subtree' }
  | { type: 'unsubscribe'; ref?: Ref; id: string }
  | { type: 'pause' | 'unpause' | 'retry'; ref?: Ref; id: string }
  | { type: 'dagStats'; ref?: Ref; id: string | null }
  | { type: 'exceptions'; ref?: Ref; id: string; offset?: number; limit?: number; open?: boolean; after?: string }
  | { type: 'resolve'; ref?: Ref; id: string; item: string; value: unknown }
  | { type: 'reprocess'; ref?: Ref; id: string }
  | { type: 'ping'; ref?: Ref };

/** A client message without its `ref` (a connection adds one per request). */
export type ClientRequest = ClientMessage extends infer M ? (M extends ClientMessage ? Omit<M, 'ref'> : never) : never;

export type CommandName = 'pause' | 'unpause' | 'retry' | 'resolve' | 'reprocess';

export type ServerMessage =
  | {
      type: 'summary';
      protocol: number;
      role: Role;
      tickMs: number;
      machines: MachineChart[];
      counts: StateCounts;
      statusCounts: StatusCounts;
      actors: number;
      jobs: Page<JobRow>;
      throughput: Throughput;
      at: number;
    }
  | {
      type: 'update';
      at: number;
      throughput: Throughput;
      counts?: StateCounts;
      statusCounts?: StatusCounts;
      actors?: number;
      /** Rows of the client's jobs page that changed this tick. */
      jobs?: JobRow[];
      /** Rows of the client's children page that changed this tick. */
      changed?: ActorRow[];
      /** The job list changed shape (a job was added): ask for the page again. */
      jobsStale?: true;
    }
  | { type: 'jobs'; ref?: Ref; page: Page<JobRow> }
  | { type: 'children'; ref?: Ref; id: string; page: Page<ActorRow> }
  | { type: 'actor'; ref?: Ref; actor: ActorView }
  | { type: 'jobStats'; ref?: Ref; stats: JobStats }
  | { type: 'journal'; ref?: Ref; id: string; entries: JournalRow[]; seq: number }
  | { type: 'journalEntry'; ref?: Ref; id: string; entry: JournalRow; snapshot: unknown; source: 'journal' | 'current' | 'none' }
  | { type: 'subscribed'; ref?: Ref; id: string; scope: 'actor' | 'subtree' }
  | { type: 'unsubscribed'; ref?: Ref; id: string }
  | { type: 'command'; ref?: Ref; command: CommandName; id: string; ok: true; paused: boolean; item?: string }
  | { type: 'dagStats'; ref?: Ref; dag: DagStats }
  | { type: 'exceptions'; ref?: Ref; id: string; page: ExceptionPage }
  | { type: 'reprocessed'; ref?: Ref; id: string; summary: ReprocessSummary }
  | { type: 'pong'; ref?: Ref; at: number }
  | { type: 'degraded'; reason: string; bufferedAmount: number }
  | { type: 'recovered' }
  | { type: 'error'; ref?: Ref; code: string; message: string }
  | InspectionFrame;
