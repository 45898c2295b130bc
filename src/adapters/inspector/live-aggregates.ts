/**
 * The inspector's live aggregates, kept in an @xstate/store (DESIGN.md): actors
 * per machine and state, per status, and throughput. Counted once from the
 * store's index (ids only, no record is decoded: about 0.4 s for a million
 * actors here; the count is awaited, as the runtime's views are, and `ready`
 * resolves once the first has landed), then moved by the runtime's events. Events only add to a plain
 * tally (O(1) in the runtime's listener); the tally enters the store once per
 * tick. The count is redone from the index when the runtime is quiet, which
 * repairs what events cannot tell (a write seen before its event, an unpark).
 */
import { createStore } from '@xstate/store';
import type { Runtime } from '../../runtime/runtime.js';

/** The index queries the counts need: the runtime's. */
type IndexReader = Pick<Runtime, 'actorIds' | 'count'>;
import type { MachineDefinition } from '../../runtime/machine-registry.js';
import type { RuntimeEvent } from '../../runtime/runtime-events.js';
import type { StateCounts, Status, StatusCounts } from './inspector-protocol.js';
import { statePathsOf } from './machine-charts.js';

/** Where the actors of a machine go whose state no registered version has (an old version's states). */
export const OTHER_STATE = '(other)';
const STATUSES: readonly Status[] = ['active', 'done', 'error', 'stopped', 'parked'];
/** Throughput is the steps of the ticks in this window. */
const WINDOW_MS = 1_000;

export interface AggregatesContext {
  counts: StateCounts;
  statusCounts: StatusCounts;
  actors: number;
  /** Steps since the inspector started. */
  steps: number;
  stepsPerSecond: number;
  /** Steps per tick over the last second: [time, steps]. */
  window: [number, number][];
  /** Bumped when counts change, so each client sends them only when they moved. */
  countsVersion: number;
}

/** Counts every machine's actors per state and every status, from the index alone. */
export async function countFromIndex(store: IndexReader, machines: readonly MachineDefinition[]): Promise<Pick<AggregatesContext, 'counts' | 'statusCounts' | 'actors'>> {
  const counts: StateCounts = {};
  for (const definition of machines) {
    const byState: Record<string, number> = {};
    let known = 0;
    for (const state of statePathsOf(definition.machine)) {
      let n = 0;
      for await (const _ of store.actorIds({ machine: definition.name, state })) n++;
      if (n > 0) byState[state] = n;
      known += n;
    }
    const other = (await store.count({ machine: definition.name })) - known;
    if (other > 0) byState[OTHER_STATE] = other;
    counts[definition.name] = byState;
  }
  const statusCounts: StatusCounts = {};
  let actors = 0;
  for (const status of STATUSES) {
    const n = await store.count({ status });
    if (n > 0) statusCounts[status] = n;
    actors += n;
  }
  return { counts, statusCounts, actors };
}

type Tally = Map<string, Map<string, number>>;

const bump = (tally: Tally, machine: string, state: string, by: number) => {
  let byState = tally.get(machine);
  if (!byState) tally.set(machine, (byState = new Map()));
  byState.set(state, (byState.get(state) ?? 0) + by);
};

function createAggregatesStore(initial: AggregatesContext) {
  return createStore({
    context: initial,
    on: {
      counted: (context, event: { counts: StateCounts; statusCounts: StatusCounts; actors: number }) => ({
        ...context,
        counts: event.counts,
        statusCounts: event.statusCounts,
        actors: event.actors,
        countsVersion: context.countsVersion + 1,
      }),
      ticked: (context, event: { at: number; steps: number; states: Tally; statuses: Map<Status, number>; spawned: number }) => {
        const window = context.window.filter(([at]) => at > event.at - WINDOW_MS);
        if (event.steps > 0) window.push([event.at, event.steps]);
        const stepsPerSecond = window.reduce((sum, [, steps]) => sum + steps, 0);
        if (event.states.size === 0 && event.statuses.size === 0 && event.spawned === 0) {
          return { ...context, steps: context.steps + event.steps, stepsPerSecond, window };
        }
        const counts: StateCounts = { ...context.counts };
        for (const [machine, deltas] of event.states) {
          const byState = { ...counts[machine] };
          for (const [state, delta] of deltas) {
            const n = Math.max(0, (byState[state] ?? 0) + delta);
            if (n === 0) delete byState[state];
            else byState[state] = n;
          }
          counts[machine] = byState;
        }
        const statusCounts: StatusCounts = { ...context.statusCounts };
        for (const [status, delta] of event.statuses) {
          const n = Math.max(0, (statusCounts[status] ?? 0) + delta);
          if (n === 0) delete statusCounts[status];
          else statusCounts[status] = n;
        }
        return {
          ...context,
          counts,
          statusCounts,
          actors: context.actors + event.spawned,
          steps: context.steps + event.steps,
          stepsPerSecond,
          window,
          countsVersion: context.countsVersion + 1,
        };
      },
    },
  });
}

export type AggregatesStore = ReturnType<typeof createAggregatesStore>;

/** Live aggregates: `record` in the runtime's listener, `flush` once per tick, `recount` when quiet. */
export class LiveAggregates {
  readonly store: AggregatesStore;
  private states: Tally = new Map();
  private statuses = new Map<Status, number>();
  private steps = 0;
  private spawned = 0;
  /** Machines counted per state: those the inspector was given. */
  private readonly known: ReadonlySet<string>;
  /** The count under way: one at a time, so an older count never lands after a newer one. */
  private counting: Promise<void> | undefined;
  /** Resolves once the first count from the index has landed (a client's first summary waits for it). */
  readonly ready: Promise<void>;

  constructor(
    private readonly source: IndexReader,
    private readonly machines: readonly MachineDefinition[],
    onError: (error: unknown) => void = () => {},
  ) {
    this.known = new Set(machines.map((definition) => definition.name));
    this.store = createAggregatesStore({ counts: {}, statusCounts: {}, actors: 0, steps: 0, stepsPerSecond: 0, window: [], countsVersion: 0 });
    this.ready = this.recount().catch(onError);
  }

  /** Tallies one runtime event; cheap, called for every event. */
  record(event: RuntimeEvent): void {
    switch (event.type) {
      case 'actor.spawned':
        this.spawned++;
        this.bumpStatus('active', 1);
        if (this.known.has(event.machine)) bump(this.states, event.machine, event.state, 1);
        return;
      case 'actor.stepped':
        this.steps++;
        if (event.status !== 'active') {
          this.bumpStatus('active', -1);
          this.bumpStatus(event.status, 1);
        }
        if (event.from !== event.to && this.known.has(event.machine)) {
          bump(this.states, event.machine, event.from, -1);
          bump(this.states, event.machine, event.to, 1);
        }
        return;
      case 'actor.parked':
        this.bumpStatus('active', -1);
        this.bumpStatus('parked', 1);
        return;
      default:
        return;
    }
  }

  /** Moves the tally into the store; true when counts changed. */
  flush(at: number): boolean {
    const changed = this.states.size > 0 || this.statuses.size > 0 || this.spawned > 0;
    this.store.trigger.ticked({ at, steps: this.steps, states: this.states, statuses: this.statuses, spawned: this.spawned });
    this.states = new Map();
    this.statuses = new Map();
    this.steps = 0;
    this.spawned = 0;
    return changed;
  }

  /**
   * Counts again from the index (call when quiet: nothing committed and unannounced). A count
   * already under way is the one awaited: none starts beside it.
   */
  recount(): Promise<void> {
    this.counting ??= countFromIndex(this.source, this.machines)
      .then((counted) => void this.store.trigger.counted(counted))
      .finally(() => (this.counting = undefined));
    return this.counting;
  }

  get context(): AggregatesContext {
    return this.store.getSnapshot().context;
  }

  private bumpStatus(status: Status, by: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + by);
  }
}
