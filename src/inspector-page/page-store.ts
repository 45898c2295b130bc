/**
 * The page's client state, an @xstate/store (DESIGN.md): everything the views
 * draw, changed only by events (server messages and the person's clicks).
 */
import { createStore } from '@xstate/store';
import type {
  ActorRow,
  ActorView,
  DagStats,
  ExceptionPage,
  JobRow,
  JobStats,
  JournalRow,
  MachineChart,
  Page,
  Role,
  ServerMessage,
  StateCounts,
  StatusCounts,
  Throughput,
} from '../adapters/inspector/inspector-protocol.js';

export interface JournalEntryShown {
  id: string;
  entry: JournalRow;
  snapshot: unknown;
  source: 'journal' | 'current' | 'none';
}

/** Where a page of the exception queue starts: after an item id (null: the queue's start), shown at `offset`. */
export interface ExceptionsCursor {
  after: string | null;
  offset: number;
}

/** A page of the exception queue with the cursor it was asked with and those of the pages before it (nearest last). */
export interface ExceptionsShown {
  id: string;
  page: ExceptionPage;
  at: ExceptionsCursor;
  back: ExceptionsCursor[];
}

export interface PageState {
  /** `revoked`: the server's tokens were rotated; the page stops reconnecting and says where to go. */
  connection: 'connecting' | 'open' | 'closed' | 'revoked';
  role: Role | null;
  degraded: string | null;
  tickMs: number;
  machines: MachineChart[];
  counts: StateCounts;
  statusCounts: StatusCounts;
  actors: number;
  throughput: Throughput;
  /** [time (s), steps/s] samples for the chart, oldest first. */
  samples: [number, number][];
  jobs: Page<JobRow> | null;
  selectedJob: string | null;
  /** The actor asked for (its view arrives later, in `actor`): what the address names. */
  selectedActor: string | null;
  jobStats: JobStats | null;
  /** The open path in the job's tree: the job, then the actors opened under it; children of the last are listed. */
  path: string[];
  children: Page<ActorRow> | null;
  actor: ActorView | null;
  journal: { id: string; entries: JournalRow[]; seq: number } | null;
  entry: JournalEntryShown | null;
  machine: string | null;
  error: string | null;
  /** The selected batch job's DAG statistics and a page of its exception queue. */
  dag: DagStats | null;
  exceptions: ExceptionsShown | null;
  /** Open exceptions only (else resolved ones too). */
  exceptionsOpen: boolean;
  /** What the last resolve or reprocess did. */
  batchNote: string | null;
}

/** 60 s of samples at the default tick. */
const MAX_SAMPLES = 600;

type Summary = Extract<ServerMessage, { type: 'summary' }>;
type Update = Extract<ServerMessage, { type: 'update' }>;

const initial: PageState = {
  connection: 'connecting',
  role: null,
  degraded: null,
  tickMs: 100,
  machines: [],
  counts: {},
  statusCounts: {},
  actors: 0,
  throughput: { stepsPerSecond: 0, steps: 0 },
  samples: [],
  jobs: null,
  selectedJob: null,
  selectedActor: null,
  jobStats: null,
  path: [],
  children: null,
  actor: null,
  journal: null,
  entry: null,
  machine: null,
  error: null,
  dag: null,
  exceptions: null,
  exceptionsOpen: true,
  batchNote: null,
};

const replaceRows = <T extends { id: string }>(page: Page<T> | null, rows: readonly T[] | undefined): Page<T> | null => {
  if (!page || !rows || rows.length === 0) return page;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return { ...page, items: page.items.map((item) => byId.get(item.id) ?? item) };
};

const sample = (samples: [number, number][], at: number, value: number): [number, number][] => {
  const next = samples.length >= MAX_SAMPLES ? samples.slice(samples.length - MAX_SAMPLES + 1) : samples.slice();
  next.push([at / 1000, value]);
  return next;
};

/** The machines the store holds actors of (the statechart tabs), in the server's order. */
export function heldMachines(machines: readonly MachineChart[], counts: StateCounts): MachineChart[] {
  return machines.filter((machine) => Object.values(counts[machine.name] ?? {}).some((n) => n > 0));
}

export function createPageStore() {
  return createStore({
    context: initial,
    on: {
      connecting: (context) => ({ ...context, connection: 'connecting' as const }),
      closed: (context) => (context.connection === 'revoked' ? context : { ...context, connection: 'closed' as const }),
      revoked: (context) => ({ ...context, connection: 'revoked' as const }),
      summary: (context, event: { summary: Summary }) => {
        const s = event.summary;
        return {
          ...context,
          connection: 'open' as const,
          degraded: null,
          role: s.role,
          tickMs: s.tickMs,
          machines: s.machines,
          counts: s.counts,
          statusCounts: s.statusCounts,
          actors: s.actors,
          throughput: s.throughput,
          samples: sample(context.samples, s.at, s.throughput.stepsPerSecond),
          jobs: s.jobs,
          machine: context.machine ?? heldMachines(s.machines, s.counts)[0]?.name ?? s.machines[0]?.name ?? null,
        };
      },
      update: (context, event: { update: Update }) => {
        const u = event.update;
        const actor = context.actor && u.changed?.find((row) => row.id === context.actor!.id);
        return {
          ...context,
          throughput: u.throughput,
          samples: sample(context.samples, u.at, u.throughput.stepsPerSecond),
          counts: u.counts ?? context.counts,
          statusCounts: u.statusCounts ?? context.statusCounts,
          actors: u.actors ?? context.actors,
          jobs: replaceRows(context.jobs, u.jobs),
          children: replaceRows(context.children, u.changed),
          actor: actor && context.actor ? { ...context.actor, state: actor.state, status: actor.status } : context.actor,
        };
      },
      jobs: (context, event: { page: Page<JobRow> }) => ({ ...context, jobs: event.page }),
      selectJob: (context, event: { id: string }) => ({
        ...context,
        selectedJob: event.id,
        selectedActor: event.id,
        path: [event.id],
        jobStats: null,
        children: null,
        actor: null,
        journal: null,
        entry: null,
        dag: null,
        exceptions: null,
        batchNote: null,
      }),
      openNode: (context, event: { path: string[] }) => ({ ...context, path: event.path, children: null }),
      children: (context, event: { id: string; page: Page<ActorRow> }) =>
        context.path[context.path.length - 1] === event.id ? { ...context, children: event.page } : context,
      jobStats: (context, event: { stats: JobStats }) => (context.selectedJob === event.stats.id ? { ...context, jobStats: event.stats } : context),
      selectActor: (context, event: { id: string }) =>
        context.actor?.id === event.id ? { ...context, selectedActor: event.id } : { ...context, selectedActor: event.id, actor: null, journal: null, entry: null },
      /** Nothing selected (back to the address without a job). */
      deselect: (context) => ({ ...context, selectedJob: null, selectedActor: null, path: [], jobStats: null, children: null, actor: null, journal: null, entry: null, dag: null, exceptions: null, batchNote: null }),
      actor: (context, event: { actor: ActorView }) => ({
        ...context,
        actor: event.actor,
        // A newly selected actor shows its machine's chart; a refresh of the same one leaves the person's choice.
        machine: context.actor?.id !== event.actor.id && context.machines.some((m) => m.name === event.actor.machine) ? event.actor.machine : context.machine,
      }),
      actorSnapshot: (context, event: { id: string; snapshot: unknown; status: ActorView['status']; state: string }) =>
        context.actor?.id === event.id ? { ...context, actor: { ...context.actor, snapshot: event.snapshot, status: event.status, state: event.state } } : context,
      journal: (context, event: { id: string; entries: JournalRow[]; seq: number }) =>
        context.actor?.id === event.id ? { ...context, journal: { id: event.id, entries: event.entries, seq: event.seq } } : context,
      entry: (context, event: { entry: JournalEntryShown }) => (context.actor?.id === event.entry.id ? { ...context, entry: event.entry } : context),
      selectMachine: (context, event: { name: string }) => ({ ...context, machine: event.name }),
      degraded: (context, event: { reason: string }) => ({ ...context, degraded: event.reason }),
      recovered: (context) => ({ ...context, degraded: null }),
      error: (context, event: { message: string | null }) => ({ ...context, error: event.message }),
      dagStats: (context, event: { dag: DagStats }) => (context.selectedJob === event.dag.id ? { ...context, dag: event.dag } : context),
      exceptions: (context, event: ExceptionsShown) => (context.selectedJob === event.id ? { ...context, exceptions: { id: event.id, page: event.page, at: event.at, back: event.back } } : context),
      exceptionsFilter: (context, event: { open: boolean }) => ({ ...context, exceptionsOpen: event.open }),
      batchNote: (context, event: { id: string; note: string }) => (context.selectedJob === event.id ? { ...context, batchNote: event.note } : context),
    },
  });
}

export type PageStore = ReturnType<typeof createPageStore>;
