/**
 * How a machine talks to other actors: durable messages addressed by id
 * (DESIGN.md, contract 3). These are XState `emit` actions with reserved types;
 * the runtime writes them in the same commit as the step that emits them and
 * delivers them only after it. Machines stay pure: no actor refs, no I/O.
 */
import { emit, type ActionFunction, type EventObject, type MachineContext, type ParameterizedObject } from 'xstate';

/** Where a message goes: an absolute actor id, the sender's parent, or one of its children by key. */
export type Address = { to: string } | { toParent: true; /** Skip silently when the sender has no parent. */ optional?: boolean } | { toChild: string };

export type SendRequest = { type: 'holdfast.send'; event: EventObject } & Address;

/** A child actor to create in the same commit; its id is `<parent id>/<key>`. */
export interface SpawnRequest {
  type: 'holdfast.spawn';
  machine: string;
  key: string;
  input?: unknown;
  tags?: string[];
}

/** A keyed record written in the same commit (results, exceptions...). `value: null` deletes it. */
export interface RecordRequest {
  type: 'holdfast.record';
  collection: string;
  key: string | number | (string | number)[];
  value: unknown;
}

export type RuntimeRequest = SendRequest | SpawnRequest | RecordRequest;

/** The requests a messaging action emits for the runtime (runtime/step-plan.ts reads them). */
export type SendManyRequest = { type: 'holdfast.sendMany'; messages: (Address & { event: EventObject })[] };
export type SpawnManyRequest = { type: 'holdfast.spawnMany'; spawns: Omit<SpawnRequest, 'type'>[] };
export type RecordManyRequest = { type: 'holdfast.recordMany'; records: Omit<RecordRequest, 'type'>[] };

type Params = ParameterizedObject['params'] | undefined;

/**
 * A messaging action, typed by the machine it is used in: its context, the event of the
 * transition it sits on, its params and the machine's events, as XState's own actions are.
 * What it emits is a request the runtime takes out of the step (step-plan.ts) before anything
 * could hear it, so it adds nothing to the machine's own emitted events.
 */
export type HoldfastAction<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject> =
  ActionFunction<TContext, TExpressionEvent, TEvent, TParams, never, never, never, never, never>;

type Request = RuntimeRequest | SendManyRequest | SpawnManyRequest | RecordManyRequest;

/** An `emit` of one runtime request, built from the action's arguments. */
function request<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  build: Build<TContext, TExpressionEvent, TParams, Request>,
): HoldfastAction<TContext, TExpressionEvent, TParams, TEvent> {
  // The one cast: the request is emitted for the runtime only (see HoldfastAction).
  return emit<TContext, TExpressionEvent, TParams, TEvent, Request>(build) as unknown as HoldfastAction<TContext, TExpressionEvent, TParams, TEvent>;
}

/** What a build function receives: the machine's context, the event of its transition, its own id. */
export interface MessagingArgs<TContext extends MachineContext, TExpressionEvent extends EventObject> {
  context: TContext;
  event: TExpressionEvent;
  self: { id: string };
}

/**
 * The function that builds a request. Its context and event come from the machine the action
 * sits in (NoInfer: never from the build function's own annotations, which may only be wider,
 * naming the fields it reads). An action declared apart from a machine names its types.
 */
type Build<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TResult> = (
  args: MessagingArgs<NoInfer<TContext>, NoInfer<TExpressionEvent>>,
  params: TParams,
) => TResult;

/** Send a durable message: `sendMessage(({ context }) => ({ toParent: true, event: { type: 'file.copied' } }))`. */
export function sendMessage<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  build: Build<TContext, TExpressionEvent, TParams, Address & { event: EventObject }>,
): HoldfastAction<TContext, TExpressionEvent, TParams, TEvent> {
  return request((args, params) => ({ type: 'holdfast.send', ...build(args, params) }));
}

/** Send many durable messages in one action (a batch telling each of its files its outcome). */
export function sendMessages<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  build: Build<TContext, TExpressionEvent, TParams, (Address & { event: EventObject })[]>,
): HoldfastAction<TContext, TExpressionEvent, TParams, TEvent> {
  return request((args, params) => ({ type: 'holdfast.sendMany', messages: build(args, params) }));
}

/** Spawn children durably: one spawn request, or many (a batch spawning its files). */
export function spawnActors<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  build: Build<TContext, TExpressionEvent, TParams, Omit<SpawnRequest, 'type'>[]>,
): HoldfastAction<TContext, TExpressionEvent, TParams, TEvent> {
  return request((args, params) => ({ type: 'holdfast.spawnMany', spawns: build(args, params) }));
}

/** Write a keyed record in the step's commit. */
export function writeRecord<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  build: Build<TContext, TExpressionEvent, TParams, Omit<RecordRequest, 'type'>>,
): HoldfastAction<TContext, TExpressionEvent, TParams, TEvent> {
  return request((args, params) => ({ type: 'holdfast.record', ...build(args, params) }));
}

/** Write many keyed records in the step's commit (a batch's results with its progress). */
export function writeRecords<TContext extends MachineContext, TExpressionEvent extends EventObject, TParams extends Params, TEvent extends EventObject>(
  build: Build<TContext, TExpressionEvent, TParams, Omit<RecordRequest, 'type'>[]>,
): HoldfastAction<TContext, TExpressionEvent, TParams, TEvent> {
  return request((args, params) => ({ type: 'holdfast.recordMany', records: build(args, params) }));
}

/** The event type of `ChildParked`: reserved, so only the runtime sends it. */
export const CHILD_PARKED = 'holdfast.child.parked';

/**
 * What the runtime tells a parent when it parks one of its children that was
 * still running (a corrupt record, an unknown version, a poison actor): a
 * durable message like a child's own final report, so the parent can count the
 * child as failed under its own rules and its job never waits on it.
 * `state` is the child's last state the store knew, when it knew it: a parent
 * tells from it whether the child had already reported.
 */
export interface ChildParked {
  type: typeof CHILD_PARKED;
  /** The child's id, and its key under this parent (`<parent>/<key>`). */
  child: string;
  key: string;
  machine?: string;
  state?: string;
  error: { code: string; message: string };
  at: number;
}
