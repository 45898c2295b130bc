/**
 * The inspector's WebSocket side, without an HTTP server of its own (`ws` in
 * noServer mode): an HTTP server checks the token, Host and Origin and hands
 * the upgrade here with the token's role. It listens to the runtime's events,
 * coalesces them per tick (at most one update per actor per tick), and fans
 * the tick out to every client; heartbeats drop dead peers.
 *
 * The runtime's listener only tallies (a few map operations per event), and
 * does nothing more while no client is connected: the runtime keeps its pace.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HoldfastError } from '../../errors.js';
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { MachineDefinition } from '../../runtime/machine-registry.js';
import type { RuntimeEvent } from '../../runtime/runtime-events.js';
import type { Runtime } from '../../runtime/runtime.js';
import { ActorRoots } from './actor-roots.js';
import { ActorViews } from './actor-views.js';
import { CORE_TYPES } from './client-messages.js';
import { FollowedPushes } from './followed-pushes.js';
import { HUB_DEFAULTS, type InspectorHubOptions, type ResolvedHubOptions } from './hub-options.js';
import type { Change, HubServices, TickView } from './hub-services.js';
import { InspectorClient } from './inspector-client.js';
import { INSPECTOR_PROTOCOL, type ActorRow, type JobRow, type MachineChart, type Role } from './inspector-protocol.js';
import { JobStatsScanner } from './job-stats.js';
import { routeInspectors, type InspectorReply, type InspectorRequest } from './kind-inspector.js';
import { LiveAggregates } from './live-aggregates.js';
import { chartOf } from './machine-charts.js';

export type { InspectorHubOptions, ResolvedHubOptions } from './hub-options.js';

export interface InspectorStats {
  clients: { role: Role; bufferedAmount: number; degraded: boolean }[];
  /** Clients closed because they left more than `maxBufferedBytes` unread. */
  droppedSlow: number;
  /** Clients closed by the heartbeat. */
  droppedDead: number;
}

export class InspectorHub implements HubServices {
  readonly views: ActorViews;
  readonly stats: JobStatsScanner;
  readonly aggregates: LiveAggregates;
  readonly charts: MachineChart[];
  readonly protocol = INSPECTOR_PROTOCOL;
  readonly options: ResolvedHubOptions;
  readonly requests: ReadonlyMap<string, InspectorRequest>;
  /** The kinds' requests that follow jobs, with when each followed job is due a push. */
  private readonly follows = new Map<string, { request: InspectorRequest; pushes: FollowedPushes }>();
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<InspectorClient>();
  /** The token each connection was opened with, so that rotated tokens close theirs. */
  private readonly credentials = new Map<InspectorClient, string>();
  private readonly roots: ActorRoots;
  private readonly definitions = new Map<string, MachineDefinition>();
  private readonly definitionCache = new Map<string, string>();
  private readonly unsubscribe: () => void;
  private readonly ticker: NodeJS.Timeout;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onError: (error: unknown) => void;
  private changes = new Map<string, Change>();
  private newJobs = false;
  private lastEventAt = 0;
  private lastRecountAt = 0;
  private countsDirty = false;
  private droppedSlow = 0;
  private droppedDead = 0;
  private closed: Promise<void> | undefined;
  /** The tick under way, if any. */
  private ticking: Promise<void> | undefined;

  constructor(
    readonly runtime: Runtime,
    options: InspectorHubOptions = {},
  ) {
    this.options = { ...HUB_DEFAULTS, ...withoutUndefined(options) };
    this.onError = options.onError ?? ((error) => console.error(error));
    const machines = options.machines ?? [];
    for (const definition of machines) this.definitions.set(definition.name, definition);
    this.charts = machines.map(chartOf);
    this.roots = new ActorRoots(runtime);
    this.stats = new JobStatsScanner(runtime, (stats) => {
      for (const client of this.clients) if (client.followedJob === stats.id) client.jobStats({ type: 'jobStats', stats });
    });
    const routed = routeInspectors(options.inspectors ?? [], CORE_TYPES);
    this.requests = routed.requests;
    for (const [type, request] of routed.requests) if (request.follow) this.follows.set(type, { request, pushes: new FollowedPushes(request.follow.everyMs) });
    this.views = new ActorViews(runtime, (root) => this.stats.get(root), routed.describeJob);
    // Counted from the index while events are tallied: what falls between is repaired by the next quiet recount.
    this.aggregates = new LiveAggregates(runtime, machines, this.onError);
    this.unsubscribe = runtime.subscribe((event) => this.onEvent(event));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
    this.ticker = setInterval(() => this.tick(), this.options.tickMs).unref();
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs).unref();
  }

  /** False when the connection limit is reached (refuse the upgrade with 503). */
  get accepting(): boolean {
    return this.closed === undefined && this.clients.size < this.options.maxClients;
  }

  /** Completes an upgrade the HTTP layer has authorised, with the token's role (and the token, for `closeWhere`). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, role: Role, token?: string): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connect(ws, role, token));
  }

  /** Closes, with `code` and `reason`, every connection opened with a token that `stale` names (rotated tokens). */
  closeWhere(stale: (token: string | undefined) => boolean, code: number, reason: string): number {
    let closed = 0;
    for (const client of this.clients) {
      if (!stale(this.credentials.get(client))) continue;
      client.close(code, reason);
      closed++;
    }
    return closed;
  }

  inspect(): InspectorStats {
    return {
      clients: [...this.clients].map((client) => ({ role: client.role, bufferedAmount: client.bufferedAmount, degraded: client.isDegraded })),
      droppedSlow: this.droppedSlow,
      droppedDead: this.droppedDead,
    };
  }

  definitionJson(machine: string): string | undefined {
    const cached = this.definitionCache.get(machine);
    if (cached !== undefined) return cached;
    const definition = this.definitions.get(machine);
    if (!definition) return undefined;
    const json = JSON.stringify(definition.machine.toJSON());
    this.definitionCache.set(machine, json);
    return json;
  }

  onSlowClientDropped(client: InspectorClient): void {
    this.droppedSlow++;
    // Gone from the list at once, not when its socket's 'close' comes (later, on a busy machine):
    // the count and the list agree, and nothing more is prepared for it meanwhile.
    this.forget(client);
  }

  /** Closes every connection (1001) and stops listening to the runtime. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      clearInterval(this.ticker);
      clearInterval(this.heartbeat);
      this.unsubscribe();
      this.stats.close();
      for (const client of this.clients) client.close(1001, 'inspector closing');
      const deadline = Date.now() + 1_000;
      while (this.clients.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      for (const client of this.clients) client.terminate();
      this.clients.clear();
      this.credentials.clear();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.closed;
  }

  private connect(ws: WebSocket, role: Role, token: string | undefined): void {
    if (this.closed) return void ws.terminate();
    ws.on('error', () => {}); // a protocol error (oversize, bad frame) closes the socket; 'close' cleans up
    let client: InspectorClient;
    try {
      client = new InspectorClient(ws, role, this);
    } catch (error) {
      this.onError(error);
      return void ws.terminate();
    }
    this.clients.add(client);
    if (token !== undefined) this.credentials.set(client, token);
    ws.on('close', () => this.forget(client));
  }

  private forget(client: InspectorClient): void {
    this.clients.delete(client);
    this.credentials.delete(client);
    client.detach();
  }

  private onEvent(event: RuntimeEvent): void {
    this.aggregates.record(event);
    this.lastEventAt = Date.now();
    this.countsDirty = true;
    if (this.clients.size === 0) return;
    switch (event.type) {
      case 'actor.spawned':
        this.roots.spawned(event.id, event.parent);
        if (event.parent === undefined) this.newJobs = true;
        return this.note(event.id, 'xstate.init', event.at);
      case 'actor.stepped':
        return this.note(event.id, event.event, event.at);
      case 'actor.parked':
        return this.note(event.id, 'holdfast.parked', event.at);
      default:
        return;
    }
  }

  private note(id: string, event: string, at: number): void {
    const change = this.changes.get(id);
    if (change) {
      change.event = event;
      change.steps++;
      change.at = at;
    } else {
      this.changes.set(id, { root: undefined, event, steps: 1, at });
    }
  }

  /**
   * One tick, its reads awaited. Ticks never overlap: one that falls due while the last is still
   * reading is skipped, and its changes wait in `changes` for the next.
   */
  private tick(): void {
    if (this.ticking) return;
    this.ticking = this.refresh().finally(() => (this.ticking = undefined));
  }

  private async refresh(): Promise<void> {
    try {
      const at = Date.now();
      this.aggregates.flush(at);
      const changes = this.changes;
      const newJobs = this.newJobs;
      this.changes = new Map();
      this.newJobs = false;
      this.recountWhenQuiet(at);
      if (this.clients.size === 0) return;
      const touchedRoots = new Set<string>();
      for (const [id, change] of changes) {
        change.root = await this.roots.of(id);
        if (change.root === undefined) continue;
        touchedRoots.add(change.root);
        this.stats.touched(change.root);
      }
      this.stats.tick();
      this.pushFollowed(touchedRoots, at);
      const view = this.viewOf(at, changes, touchedRoots, newJobs);
      await Promise.all([...this.clients].map((client) => client.tick(view, this.onError)));
    } catch (error) {
      this.onError(error);
    }
  }

  private viewOf(at: number, changes: Map<string, Change>, touchedRoots: Set<string>, newJobs: boolean): TickView {
    const records = new Map<string, Promise<ActorRecord | undefined>>();
    const jobRows = new Map<string, Promise<JobRow | undefined>>();
    const actorRows = new Map<string, Promise<ActorRow | undefined>>();
    const memo = <T>(cache: Map<string, T>, id: string, read: () => T): T => {
      if (!cache.has(id)) cache.set(id, read());
      return cache.get(id) as T;
    };
    const record = (id: string) => memo(records, id, () => this.views.read(id));
    return {
      at,
      aggregates: this.aggregates.context,
      changes,
      touchedRoots,
      newJobs,
      record,
      jobRow: (id) => memo(jobRows, id, () => this.views.jobRow(id)),
      actorRow: (id) => memo(actorRows, id, async () => this.views.actorRow(id, await record(id))),
    };
  }

  /** The views of the jobs clients follow through a kind's request (a batch job's DAG statistics), when due. */
  private pushFollowed(touchedRoots: ReadonlySet<string>, at: number): void {
    for (const [type, { request, pushes }] of this.follows) {
      const followed = new Set<string>();
      for (const client of this.clients) {
        const job = client.following(type);
        if (job !== undefined) followed.add(job);
      }
      for (const job of pushes.due(touchedRoots, followed, at)) {
        const send = (message: InspectorReply) => {
          for (const client of this.clients) client.pushed(type, job, message);
        };
        // A job deleted while followed has nothing more to show; anything else is reported.
        const failed = (error: unknown) => {
          if (!(error instanceof HoldfastError && error.code === 'JOB_NOT_FOUND')) this.onError(error);
        };
        try {
          const message = request.follow!.push(job);
          if (message instanceof Promise) message.then(send, failed);
          else send(message);
        } catch (error) {
          failed(error);
        }
      }
    }
  }

  /** Events cannot tell everything (a write seen before its event, an unpark): count again when quiet. */
  private recountWhenQuiet(at: number): void {
    if (!this.countsDirty || at - this.lastEventAt < this.options.quietMs || at - this.lastRecountAt < this.options.recountEveryMs) return;
    this.countsDirty = false;
    this.lastRecountAt = at;
    this.aggregates.recount().catch(this.onError);
  }

  private beat(): void {
    for (const client of this.clients) {
      if (client.alive) {
        client.ping();
        continue;
      }
      this.droppedDead++;
      this.clients.delete(client);
      this.credentials.delete(client);
      client.detach();
      client.terminate();
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
