/**
 * A kind of work (data load, watch, batch job, import, process job, task job,
 * or one a host app adds) declared in one place: its machines with the effects
 * they are given and the records they write (`MachineDefinition.records`), how
 * its jobs are described in `holdfast jobs`, `job ID` and the inspector, what
 * `resume` does with them, and how `delete` takes them. The assembly builds
 * its runtime from the kinds; the CLI and the inspector iterate over them and
 * name none. A host module adds its own with `kinds: [defineKind({...})]`.
 */
import type { KindInspector } from '../adapters/inspector/kind-inspector.js';
import type { Output } from '../cli/cli-context.js';
import type { ActorRecord } from '../runtime/actor-types.js';
import type { MachineDefinition } from '../runtime/machine-registry.js';
import type { DeleteOutcome } from '../runtime/job-delete.js';
import type { Runtime } from '../runtime/runtime.js';

/** What the assembly gives a kind to build its machines: its options, and what it opened. */
export interface KindContext {
  /** The assembly's options (`openHoldfast`'s), for the fields a kind reads (`jobServer`, `tasks`, `fetch`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Named services the assembly opened (`storePath`: the store's folder, a hash pool; effects read records through their context): built-in kinds only. */
  readonly services: Readonly<Record<string, unknown>>;
}

/** Facts that tell a job of this kind apart: merged into `jobs --json`; `words` ends its line. */
export interface JobFacts {
  facts?: Record<string, unknown>;
  words?: string;
  /** The job's state as `holdfast job ID` says it (a batch job: `finished`), when its machine's state does not (`idle`). */
  state?: string;
}

/** What `holdfast job ID` prints for a job of this kind besides the common lines. */
export interface JobDetails {
  json?: Record<string, unknown>;
  lines: string[];
}

/** Options `holdfast job ID` passes to a kind's view. */
export interface JobViewOptions {
  stats?: boolean;
  results?: boolean;
  sample?: boolean;
  page: number;
  limit: number;
}

/** What `resume` gives a kind: the open runtime, the assembly's operations, the command's options. */
export interface ResumeContext {
  runtime: Runtime;
  /** Keeps a secret (a Dataverse token) for a URL, never printed. */
  keepToken(url: string, token: string): Promise<void>;
  /** The assembly's services (`batchJobs`). */
  services: Readonly<Record<string, unknown>>;
  /** A new token given to resume (`--token`, `--token-file`, DATAVERSE_KEY), and the one installation it is for. */
  token?: { token: string; only?: string };
  /** How long a load's files may wait for space before the command exits 1. */
  spaceWaitMs?: number;
  startedAt: number;
  /** What each kind's `needsHost` counted before the store opened for writing, by its `key`. */
  counted: Readonly<Record<string, number>>;
  /** What each kind's `peek` read before the store opened for writing, by its `key`. */
  peeked: Readonly<Record<string, unknown>>;
}

/** What a kind's jobs came to after `resume` waited for them. */
export interface ResumedJobs {
  /** JSON summaries, under the kind's `key` in `resume --json`. */
  summaries: unknown[];
  /** What goes under the kind's `key` in `resume --json` instead of `summaries`. */
  json?: unknown;
  /** How many jobs it counts as resumed, when not one a summary. */
  ended?: number;
  lines: string[];
  succeeded: boolean;
}

/** What `holdfast resume` does with a kind's interrupted jobs. */
export interface KindResume {
  /** Its key in `resume --json` (`loads`) and its noun in "resuming 2 load(s)". */
  key: string;
  noun: string;
  /**
   * Read before the store opens for writing: how many of its jobs are interrupted
   * and need the host module to go on (batch runs). Any: the host module is required.
   */
  needsHost?(reader: Runtime): Promise<number>;
  /** Read before the store opens for writing (jobs that may end at open): handed to `start` as `peeked[key]`. */
  peek?(reader: Runtime): Promise<unknown>;
  /**
   * Its interrupted jobs, started again (a waiting load is retried): how many, and `finish`,
   * which waits for them (as their foreground command would) and says how they ended.
   */
  start(context: ResumeContext): Promise<{ count: number; finish(): Promise<ResumedJobs> }>;
  /** With another process owning the store: what it retries through the owner (ids). */
  throughOwner?(reader: Runtime, send: (command: string, args: Record<string, unknown>) => Promise<unknown>, token?: { token: string; only?: string }): Promise<string[]>;
}

/** What `delete` gives a kind that needs more than `runtime.delete`. */
export interface DeleteContext {
  runtime: Runtime;
  keepToken(url: string, token: string): Promise<void>;
  services: Readonly<Record<string, unknown>>;
}

/** What a kind's inspector is built with: the runtime, and the services the assembly opened (`batchJobs`, `applications`). */
export interface InspectorContext {
  runtime: Runtime;
  services: Readonly<Record<string, unknown>>;
}

export interface WorkKind {
  /** Stable name, the kind `holdfast jobs` shows (its top machine's name for the built-in ones). */
  name: string;
  /** In words, as `holdfast delete` names it: `data load`, `batch job`. */
  title: string;
  /** The machines whose top actors are this kind's jobs. */
  jobs: readonly string[];
  /** Every machine name it registers (its jobs' and their children's), so a reader finds an actor's kind without building machines. */
  actors: readonly string[];
  /** Its machine definitions, with their effects and the records they write. */
  machines(context: KindContext): MachineDefinition[];
  /** Limit queues its effects count against, with their concurrency. */
  queues?(context: KindContext): Record<string, number>;
  /** Facts of one of its jobs for `holdfast jobs` and the inspector's job list; `reader` reads what its record does not hold (its views are promises). */
  describe?(job: ActorRecord, reader: Runtime): Promise<JobFacts>;
  /** One of its actors by name (a data file by its path, a batch by its number), for the inspector: from the records alone, so it stays synchronous. */
  label?(actor: ActorRecord, parent: ActorRecord | undefined): string | undefined;
  /** One of its actors in a line of `holdfast job ID` (`file a.csv of load L`), with what `--json` adds. */
  words?(actor: ActorRecord, parent: ActorRecord | undefined): { line: string; json?: Record<string, unknown> } | undefined;
  /** More of one of its jobs for `holdfast job ID` (a load's files, a page at a time). */
  details?(reader: Runtime, job: ActorRecord, options: JobViewOptions): Promise<JobDetails | undefined>;
  /** A whole view of its own for `holdfast job ID` (a batch job's record and statistics); exit code. */
  view?(reader: Runtime, id: string, options: JobViewOptions, out: Output): Promise<number>;
  /**
   * Its part in the inspector: requests the page may send about its jobs, routed by type
   * (a batch job's DAG statistics, exception queue, resolve, reprocess), and its jobs' rows in its words.
   */
  inspector?(context: InspectorContext): KindInspector;
  resume?: KindResume;
  /** A delete that needs more than `runtime.delete` (a load's token and pause, a batch job's run check). */
  delete?(context: DeleteContext, id: string, options: Readonly<Record<string, unknown>>): Promise<DeleteOutcome>;
  /** Runs once the runtime is open and resuming (task jobs queued for this process are woken). */
  wake?(runtime: Runtime, context: KindContext): Promise<unknown>;
}

/** Declares a kind of work (a host module's `kinds`, or a built-in one). */
export function defineKind(kind: WorkKind): WorkKind {
  return kind;
}

/** The kinds' inspectors, for `startInspector(runtime, { inspectors })`. */
export function inspectorsOf(kinds: readonly WorkKind[], context: InspectorContext): KindInspector[] {
  return kinds.flatMap((kind) => (kind.inspector ? [kind.inspector(context)] : []));
}

/** The kind whose jobs run `machine`, by the kinds' `jobs`. */
export function kindOfJob(kinds: readonly WorkKind[], machine: string): WorkKind | undefined {
  return kinds.find((kind) => kind.jobs.includes(machine));
}

/** The kind that registers `machine` (any of its actors). */
export function kindOfActor(kinds: readonly WorkKind[], machine: string): WorkKind | undefined {
  return kinds.find((kind) => kind.actors.includes(machine));
}
