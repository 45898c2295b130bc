/**
 * One inspector connection: what it looks at (a jobs page, a children page, a
 * followed job, subscriptions), what it is allowed (its token's role), and how
 * much it has not read yet. Over `highWaterBytes` unread it drops to summaries
 * and is told (`degraded`); under `lowWaterBytes` again it is told `recovered`;
 * over `maxBufferedBytes` it is closed. The runtime never waits for it.
 */
import WebSocket from 'ws';
import { HoldfastError, toHoldfastError } from '../../errors.js';
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { ClientMessage, CommandName, Ref, Role, ServerMessage } from './inspector-protocol.js';
import { DEFAULT_EXCEPTIONS_PAGE, type BatchViews } from './batch-views.js';
import { parseClientMessage } from './client-messages.js';
import { actorFrame, eventFrame, snapshotFrame } from './inspection-frames.js';
import type { HubServices, TickView } from './hub-services.js';

const DEFAULT_PAGE = 50;
/** Degraded clients get at most one summary a second. */
const DEGRADED_SUMMARY_MS = 1_000;
/** An idle client still gets throughput (zeros) this often, so its chart moves. */
const IDLE_UPDATE_MS = 1_000;
const MAX_COMMANDS_IN_FLIGHT = 8;

export class InspectorClient {
  alive = true;
  private degraded = false;
  private closed = false;
  private jobs = { offset: 0, limit: DEFAULT_PAGE, ids: new Set<string>() };
  private children: { parent: string; offset: number; limit: number; ids: Set<string> } | undefined;
  private followed: string | undefined;
  /** The batch job whose DAG statistics this client follows. */
  private dagJob: string | undefined;
  private readonly subscriptions = new Map<string, 'actor' | 'subtree'>();
  /** Actors whose `@xstate.actor` frame this client has had; machines whose definition it has had. */
  private readonly introduced = new Set<string>();
  private readonly definitionsSent = new Set<string>();
  private countsVersion = -1;
  private lastUpdateAt = 0;
  private lastStepsPerSecond = -1;
  private commandsInFlight = 0;
  /**
   * The client's work in order: its summary, each message's answer, each tick. Views read the
   * runtime asynchronously, so one waits for the one before: answers keep the order of the
   * messages, and a tick never interleaves with a page being read.
   */
  private queue: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    readonly role: Role,
    private readonly hub: HubServices,
  ) {
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    this.queue = this.sendSummary().catch((error: unknown) => this.fail(undefined, toHoldfastError(error, 'BAD_MESSAGE')));
  }

  /** Runs `work` after everything queued before it; resolves when it is done (never rejects). */
  private enqueue(work: () => Promise<void>, onError: (error: unknown) => void): Promise<void> {
    this.queue = this.queue.then(work).catch(onError);
    return this.queue;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isDegraded(): boolean {
    return this.degraded;
  }

  get followedJob(): string | undefined {
    return this.followed;
  }

  get followedDag(): string | undefined {
    return this.dagJob;
  }

  /** Called once per tick with what changed since the last; resolves once this client's share is sent. */
  tick(view: TickView, onError: (error: unknown) => void): Promise<void> {
    return this.enqueue(() => this.sendTick(view), onError);
  }

  private async sendTick(view: TickView): Promise<void> {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    const buffered = this.ws.bufferedAmount;
    const { highWaterBytes, lowWaterBytes } = this.hub.options;
    if (this.degraded && buffered <= lowWaterBytes) {
      this.degraded = false;
      this.send({ type: 'recovered' });
    } else if (!this.degraded && buffered > highWaterBytes) {
      this.degraded = true;
      this.send({ type: 'degraded', reason: `${buffered} bytes unread: summaries only until the client catches up`, bufferedAmount: buffered });
    }
    if (this.degraded) {
      if (view.at - this.lastUpdateAt >= DEGRADED_SUMMARY_MS && buffered <= highWaterBytes * 2) await this.sendUpdate(view, true);
      return;
    }
    await this.sendUpdate(view, false);
    await this.sendFrames(view);
  }

  /** Job stats published by a scan of a job this client follows. */
  jobStats(message: Extract<ServerMessage, { type: 'jobStats' }>): void {
    if (!this.degraded && this.followed === message.stats.id) this.send(message);
  }

  /** DAG statistics pushed for a batch job this client follows. */
  dagStats(message: Extract<ServerMessage, { type: 'dagStats' }>): void {
    if (!this.degraded && this.dagJob === message.dag.id) this.send(message);
  }

  ping(): void {
    this.alive = false;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.closed = true;
    this.ws.terminate();
  }

  /** Cleans up what this client holds in the hub (called when its socket closes). */
  detach(): void {
    this.closed = true;
    if (this.followed !== undefined) this.hub.stats.unwatch(this.followed);
    this.followed = undefined;
    this.dagJob = undefined;
  }

  private async sendSummary(): Promise<void> {
    await this.hub.aggregates.ready; // the first count from the index
    const jobs = await this.hub.views.jobsPage(0, this.jobs.limit);
    this.hub.aggregates.flush(Date.now()); // what happened since the last tick, too
    const aggregates = this.hub.aggregates.context;
    this.jobs.ids = new Set(jobs.items.map((job) => job.id));
    this.countsVersion = aggregates.countsVersion;
    this.send({
      type: 'summary',
      protocol: this.hub.protocol,
      role: this.role,
      tickMs: this.hub.options.tickMs,
      machines: this.hub.charts,
      counts: aggregates.counts,
      statusCounts: aggregates.statusCounts,
      actors: aggregates.actors,
      jobs,
      throughput: { stepsPerSecond: aggregates.stepsPerSecond, steps: aggregates.steps },
      at: Date.now(),
    });
  }

  private async sendUpdate(view: TickView, summaryOnly: boolean): Promise<void> {
    const aggregates = view.aggregates;
    const update: Extract<ServerMessage, { type: 'update' }> = {
      type: 'update',
      at: view.at,
      throughput: { stepsPerSecond: aggregates.stepsPerSecond, steps: aggregates.steps },
    };
    let worth = aggregates.stepsPerSecond !== this.lastStepsPerSecond || view.at - this.lastUpdateAt >= IDLE_UPDATE_MS;
    if (aggregates.countsVersion !== this.countsVersion) {
      this.countsVersion = aggregates.countsVersion;
      Object.assign(update, { counts: aggregates.counts, statusCounts: aggregates.statusCounts, actors: aggregates.actors });
      worth = true;
    }
    if (!summaryOnly) {
      const jobs = (await Promise.all([...view.touchedRoots].filter((root) => this.jobs.ids.has(root)).map((root) => view.jobRow(root)))).flatMap((row) => row ?? []);
      if (jobs.length > 0) update.jobs = jobs;
      if (view.newJobs && this.jobs.offset === 0) update.jobsStale = true;
      if (this.children) {
        const children = this.children;
        const changed = (await Promise.all([...view.changes.keys()].filter((id) => children.ids.has(id)).map((id) => view.actorRow(id)))).flatMap((row) => row ?? []);
        if (changed.length > 0) update.changed = changed;
      }
      worth ||= update.jobs !== undefined || update.changed !== undefined || update.jobsStale === true;
    }
    if (!worth) return;
    this.lastUpdateAt = view.at;
    this.lastStepsPerSecond = aggregates.stepsPerSecond;
    this.send(update);
  }

  /** Inspection frames of the subscribed actors that changed: at most one snapshot per actor per tick. */
  private async sendFrames(view: TickView): Promise<void> {
    if (this.subscriptions.size === 0) return;
    let budget = this.hub.options.maxFramesPerTick;
    for (const [id, change] of view.changes) {
      if (!this.covers(id, change.root)) continue;
      if (budget <= 0) break;
      const record = await view.record(id);
      if (!record) continue;
      this.introduce(record);
      if (change.event !== undefined) {
        this.send(eventFrame(record, change.event, change.at));
        this.send(snapshotFrame(record, change.event, change.at, change.steps));
      }
      budget--;
      if (this.ws.bufferedAmount > this.hub.options.highWaterBytes) break; // the next tick degrades it
    }
  }

  private covers(id: string, root: string | undefined): boolean {
    if (this.subscriptions.get(id) !== undefined) return true;
    if (root !== undefined && this.subscriptions.get(root) === 'subtree') return true;
    for (const [subscribed, scope] of this.subscriptions) {
      if (scope === 'subtree' && id.startsWith(`${subscribed}/`)) return true;
    }
    return false;
  }

  private introduce(record: ActorRecord): void {
    if (this.introduced.has(record.id)) return;
    if (this.introduced.size >= 10_000) this.introduced.clear();
    this.introduced.add(record.id);
    const withDefinition = !this.definitionsSent.has(record.machine);
    this.definitionsSent.add(record.machine);
    this.send(actorFrame(record, withDefinition ? this.hub.definitionJson(record.machine) : undefined));
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closed) return;
    let message: ClientMessage;
    try {
      if (isBinary) throw new HoldfastError('BAD_MESSAGE', 'messages are JSON text frames, not binary');
      message = parseClientMessage(data.toString());
    } catch (error) {
      const failure = toHoldfastError(error, 'BAD_MESSAGE');
      const ref = failure.details?.ref;
      this.fail(typeof ref === 'string' || typeof ref === 'number' ? ref : undefined, failure);
      return;
    }
    void this.enqueue(
      () => this.handle(message),
      (error) => this.fail(message.ref, toHoldfastError(error, 'BAD_MESSAGE')),
    );
  }

  private async handle(message: ClientMessage): Promise<void> {
    const { views } = this.hub;
    const ref = message.ref === undefined ? {} : { ref: message.ref };
    switch (message.type) {
      case 'jobs': {
        const page = await views.jobsPage(message.offset ?? 0, message.limit ?? DEFAULT_PAGE);
        this.jobs = { offset: page.offset, limit: page.limit, ids: new Set(page.items.map((job) => job.id)) };
        return this.send({ type: 'jobs', ...ref, page });
      }
      case 'children': {
        const page = await views.childrenPage(message.id, message.offset ?? 0, message.limit ?? DEFAULT_PAGE);
        this.children = { parent: message.id, offset: page.offset, limit: page.limit, ids: new Set(page.items.map((row) => row.id)) };
        return this.send({ type: 'children', ...ref, id: message.id, page });
      }
      case 'actor':
        return this.send({ type: 'actor', ...ref, actor: await views.actorView(message.id) });
      case 'jobStats':
        return this.follow(message.id, message.ref);
      case 'journal': {
        const { entries, seq } = await views.journal(message.id, message.beforeSeq, message.limit ?? DEFAULT_PAGE);
        return this.send({ type: 'journal', ...ref, id: message.id, entries, seq });
      }
      case 'journalEntry':
        return this.send({ type: 'journalEntry', ...ref, id: message.id, ...(await views.journalEntry(message.id, message.seq)) });
      case 'subscribe':
        return this.subscribe(message.id, message.scope, message.ref);
      case 'unsubscribe':
        this.subscriptions.delete(message.id);
        return this.send({ type: 'unsubscribed', ...ref, id: message.id });
      case 'pause':
      case 'unpause':
      case 'retry':
        return this.command(message.type, message.id, message.ref);
      case 'dagStats':
        return this.followDag(message.id, message.ref);
      case 'exceptions': {
        const page = await this.batchViews().exceptions(message.id, { offset: message.offset ?? 0, limit: message.limit ?? DEFAULT_EXCEPTIONS_PAGE, open: message.open ?? true, after: message.after });
        return this.send({ type: 'exceptions', ...ref, id: message.id, page });
      }
      case 'resolve':
        return this.resolve(message.id, message.item, message.value, message.ref);
      case 'reprocess':
        return this.reprocess(message.id, message.ref);
      case 'ping':
        return this.send({ type: 'pong', ...ref, at: Date.now() });
    }
  }

  private async follow(id: string | null, ref: Ref | undefined): Promise<void> {
    if (this.followed !== undefined) this.hub.stats.unwatch(this.followed);
    this.followed = id ?? undefined;
    if (id === null) return;
    const record = await this.hub.views.read(id);
    if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id } });
    const stats = this.hub.stats.watch(id) ?? { id, total: await this.hub.runtime.count({ root: record.root }), scanned: 0, complete: false, byStatus: {}, byState: {}, at: Date.now() };
    this.send({ type: 'jobStats', ...(ref === undefined ? {} : { ref }), stats });
  }

  private async subscribe(id: string, scope: 'actor' | 'subtree', ref: Ref | undefined): Promise<void> {
    if (!this.subscriptions.has(id) && this.subscriptions.size >= this.hub.options.maxSubscriptions) {
      throw new HoldfastError('BAD_MESSAGE', `at most ${this.hub.options.maxSubscriptions} subscriptions per connection; unsubscribe first`);
    }
    const record = await this.hub.views.read(id);
    if (!record) throw new HoldfastError('ACTOR_NOT_FOUND', `no actor ${id}`, { details: { id } });
    this.subscriptions.set(id, scope);
    this.send({ type: 'subscribed', ...(ref === undefined ? {} : { ref }), id, scope });
    this.introduced.delete(id);
    this.introduce(record);
    this.send(snapshotFrame(record, 'holdfast.subscribed', record.updatedAt, 0));
  }

  /** @throws FORBIDDEN for a read-only token, BAD_MESSAGE past the commands in flight */
  private admit(name: CommandName): void {
    if (this.role !== 'admin') throw new HoldfastError('FORBIDDEN', `${name} needs an admin token; this connection is read-only`);
    if (this.commandsInFlight >= MAX_COMMANDS_IN_FLIGHT) throw new HoldfastError('BAD_MESSAGE', `at most ${MAX_COMMANDS_IN_FLIGHT} commands at a time per connection`);
  }

  private batchViews(): BatchViews {
    if (!this.hub.batch) throw new HoldfastError('NOT_AVAILABLE', 'batch jobs are not given to this inspector (option `batchJobs`)');
    return this.hub.batch;
  }

  private async followDag(id: string | null, ref: Ref | undefined): Promise<void> {
    if (id === null) {
      this.dagJob = undefined;
      return;
    }
    const dag = await this.batchViews().dag(id);
    this.dagJob = id;
    this.send({ type: 'dagStats', ...(ref === undefined ? {} : { ref }), dag });
  }

  private resolve(id: string, item: string, value: unknown, ref: Ref | undefined): void {
    this.admit('resolve');
    const batch = this.batchViews();
    this.commandsInFlight++;
    batch
      .resolve(id, item, value)
      .then(async () => this.send({ type: 'command', ...(ref === undefined ? {} : { ref }), command: 'resolve', id, item, ok: true, paused: await this.hub.runtime.isPaused(id) }))
      .catch((error: unknown) => this.fail(ref, toHoldfastError(error, 'INVALID_INPUT')))
      .finally(() => this.commandsInFlight--);
  }

  /**
   * Answers once the run is requested, not when it ends (it may take hours):
   * then `reprocessed` with its summary, or an error frame, with the same ref.
   */
  private reprocess(id: string, ref: Ref | undefined): void {
    this.admit('reprocess');
    const run = this.batchViews().reprocess(id);
    const withRef = ref === undefined ? {} : { ref };
    let answered = false;
    let failed = false;
    const started = () => {
      if (answered || failed) return;
      answered = true;
      this.send({ type: 'command', ...withRef, command: 'reprocess', id, ok: true, paused: false });
    };
    this.commandsInFlight++;
    run.then(
      (summary) => {
        started();
        this.send({ type: 'reprocessed', ...withRef, id, summary });
      },
      (error: unknown) => {
        failed = true;
        this.fail(ref, toHoldfastError(error, 'INVALID_INPUT'));
      },
    );
    // The library checks a request (job, application, pause) before its first await: a refusal has settled by the next turn.
    setImmediate(() => {
      this.commandsInFlight--;
      started();
    });
  }

  private command(name: 'pause' | 'unpause' | 'retry', id: string, ref: Ref | undefined): void {
    this.admit(name);
    this.commandsInFlight++;
    const { runtime } = this.hub;
    runtime[name](id)
      .then(async () => {
        const record = await this.hub.views.read(id);
        this.send({ type: 'command', ...(ref === undefined ? {} : { ref }), command: name, id, ok: true, paused: record ? await runtime.isPaused(record.root) : false });
      })
      .catch((error: unknown) => this.fail(ref, toHoldfastError(error, 'INVALID_EVENT')))
      .finally(() => this.commandsInFlight--);
  }

  private fail(ref: Ref | undefined, error: HoldfastError): void {
    this.send({ type: 'error', ...(ref === undefined ? {} : { ref }), code: error.code, message: error.reason });
  }

  /** Sends unless the socket is gone; closes a client whose unread data passed the hard cap. */
  private send(message: ServerMessage): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.hub.options.maxBufferedBytes) {
      this.hub.onSlowClientDropped();
      this.terminate();
      return;
    }
    this.ws.send(JSON.stringify(message));
  }
}


