/**
 * What a client sees of the hub: one tick's coalesced changes, and the hub's
 * services (views, statistics, aggregates, charts, options). Its own module,
 * so the client needs nothing of the hub that creates it.
 */
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ActorViews } from './actor-views.js';
import type { InspectorClient } from './inspector-client.js';
import type { ResolvedHubOptions } from './hub-options.js';
import type { ActorRow, JobRow, MachineChart } from './inspector-protocol.js';
import type { JobStatsScanner } from './job-stats.js';
import type { InspectorRequest } from './kind-inspector.js';
import type { AggregatesContext, LiveAggregates } from './live-aggregates.js';

/** One actor's changes in one tick, coalesced: the last event, how many steps. */
export interface Change {
  root: string | undefined;
  event: string | undefined;
  steps: number;
  at: number;
}

/** What one tick shows every client; records and rows are read once per tick, lazily (one read shared by every client). */
export interface TickView {
  at: number;
  aggregates: AggregatesContext;
  changes: ReadonlyMap<string, Change>;
  touchedRoots: ReadonlySet<string>;
  newJobs: boolean;
  record(id: string): Promise<ActorRecord | undefined>;
  jobRow(id: string): Promise<JobRow | undefined>;
  actorRow(id: string): Promise<ActorRow | undefined>;
}

/** What a client uses of the hub. */
export interface HubServices {
  readonly runtime: Runtime;
  readonly views: ActorViews;
  readonly stats: JobStatsScanner;
  readonly aggregates: LiveAggregates;
  readonly charts: MachineChart[];
  readonly protocol: number;
  readonly options: ResolvedHubOptions;
  /** The kinds' requests, by message type. */
  readonly requests: ReadonlyMap<string, InspectorRequest>;
  definitionJson(machine: string): string | undefined;
  /** A client closed itself for leaving too much unread: it is no longer served, from now on. */
  onSlowClientDropped(client: InspectorClient): void;
}
