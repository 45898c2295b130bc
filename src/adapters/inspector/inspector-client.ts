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
import type { Ref, Role, ServerMessage } from './inspector-protocol.js';
import { parseCoreMessage, parseKindFields, readMessage, type CoreMessage } from './client-messages.js';
import { actorFrame, eventFrame, snapshotFrame } from './inspection-frames.js';
import type { HubServices, TickView } from './hub-services.js';
import type { InspectorReply, InspectorRequest } from './kind-inspector.js';

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
  /** The job each of the kinds' following requests follows, by request type (`dagStats`: a batch job's DAG). */
  private readonly follows = new Map<string, string>();
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

  /** The job this client follows through a kind's request of `type`. */
  following(type: string): string | undefined {
    return this.follows.get(type);
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

  /** A followed job's view pushed by a kind's request of `type`, if this client follows that job. */
  pushed(type: string, job: string, message: InspectorReply): void {
    if (!this.degraded && this.follows.get(type) === job) this.send(message);
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
    this.follows.clear();
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
    let message: CoreMessage | { type: string; ref: Ref | undefined; request: InspectorRequest; params: unknown };
    try {
      if (isBinary) throw new HoldfastError('BAD_MESSAGE', 'messages are JSON text frames, not binary');
      const value = readMessage(data.toString());
      // A kind's request (a batch job's DAG...) is checked by its kind; the rest by the inspector.
      const request = typeof value.type === 'string' ? this.hub.requests.get(value.type) : undefined;
      message = request ? { type: value.type as string, request, ...parseKindFields(value, (fields) => request.parse(fields)) } : parseCoreMessage(value);
    } catch (error) {
      const failure = toHoldfastError(error, 'BAD_MESSAGE');
      const ref = failure.details?.ref;
      this.fail(typeof ref === 'string' || typeof ref === 'number' ? ref : undefined, failure);
      return;
    }
    void this.enqueue(
      async () => {
        if ('request' in message) this.answer(message.type, message.request, message.params, message.ref);
        else await this.handle(message);
      },
      (error) => this.fail(message.ref, toHoldfastError(error, 'BAD_MESSAGE')),
    );
  }

  private async handle(message: CoreMessage): Promise<void> {
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
  private admit(name: string): void {
    if (this.role !== 'admin') throw new HoldfastError('FORBIDDEN', `${name} needs an admin token; this connection is read-only`);
    if (this.commandsInFlight >= MAX_COMMANDS_IN_FLIGHT) throw new HoldfastError('BAD_MESSAGE', `at most ${MAX_COMMANDS_IN_FLIGHT} commands at a time per connection`);
  }

  /**
   * A kind's request: an admin one is admitted first and counts as in flight until its answer
   * settles; a following one follows its job once answered (null: stops, unanswered).
   */
  private answer(type: string, request: InspectorRequest, params: unknown, ref: Ref | undefined): void {
    const withRef = ref === undefined ? {} : { ref };
    if (request.admin) this.admit(type);
    const job = request.follow?.job(params);
    if (job === null) {
      this.follows.delete(type);
      return;
    }
    // `ref` right after `type`, as in the inspector's own replies.
    const reply = ({ type: replyType, ...rest }: InspectorReply) => this.send({ type: replyType, ...withRef, ...rest });
    const answered = (message: InspectorReply | void) => {
      if (message) reply(message);
      if (job !== undefined) this.follows.set(type, job);
    };
    if (request.admin) this.commandsInFlight++;
    let answer: ReturnType<InspectorRequest['answer']>;
    try {
      answer = request.answer(params, { runtime: this.hub.runtime, role: this.role, reply, fail: (error) => this.fail(ref, toHoldfastError(error, 'INVALID_INPUT')) });
    } catch (error) {
      if (request.admin) this.commandsInFlight--;
      throw error;
    }
    // A synchronous answer goes out at once, so replies keep the order of their requests.
    if (!(answer instanceof Promise)) {
      if (request.admin) this.commandsInFlight--;
      return answered(answer);
    }
    answer
      .then(answered, (error: unknown) => this.fail(ref, toHoldfastError(error, 'INVALID_INPUT')))
      .finally(() => {
        if (request.admin) this.commandsInFlight--;
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
  private send(message: ServerMessage | InspectorReply): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.hub.options.maxBufferedBytes) {
      this.terminate();
      this.hub.onSlowClientDropped(this);
      return;
    }
    this.ws.send(JSON.stringify(message));
  }
}


