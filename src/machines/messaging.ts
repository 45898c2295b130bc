/**
 * How a machine talks to other actors: durable messages addressed by id
 * (DESIGN.md, contract 3). These are XState `emit` actions with reserved types;
 * the runtime writes them in the same commit as the step that emits them and
 * delivers them only after it. Machines stay pure: no actor refs, no I/O.
 */
import { emit, type EventObject } from 'xstate';

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

/* eslint-disable @typescript-eslint/no-explicit-any -- XState's action argument types are deeply generic; these helpers accept any machine's. */
type Args<TContext, TEvent> = { context: TContext; event: TEvent; self: { id: string } };
type Expr = (args: any, params: any) => any;
/** An action usable in any machine's entry, exit or transition actions. */
export type HoldfastAction = any;

/** Send a durable message: `sendMessage(({ context }) => ({ toParent: true, event: { type: 'file.copied' } }))`. */
export function sendMessage<TContext = any, TEvent extends EventObject = any>(
  build: (args: Args<TContext, TEvent>, params: any) => Address & { event: EventObject },
): HoldfastAction {
  return emit(((args: Args<TContext, TEvent>, params: unknown) => ({ type: 'holdfast.send', ...build(args, params) })) as Expr);
}

/** Send many durable messages in one action (a batch telling each of its files its outcome). */
export function sendMessages<TContext = any, TEvent extends EventObject = any>(
  build: (args: Args<TContext, TEvent>) => (Address & { event: EventObject })[],
): HoldfastAction {
  return emit(((args: Args<TContext, TEvent>) => ({ type: 'holdfast.sendMany', messages: build(args) })) as Expr);
}

/** Spawn children durably: one spawn request, or many (a batch spawning its files). */
export function spawnActors<TContext = any, TEvent extends EventObject = any>(
  build: (args: Args<TContext, TEvent>) => Omit<SpawnRequest, 'type'>[],
): HoldfastAction {
  return emit(((args: Args<TContext, TEvent>) => ({ type: 'holdfast.spawnMany', spawns: build(args) })) as Expr);
}

/** Write a keyed record in the step's commit. */
export function writeRecord<TContext = any, TEvent extends EventObject = any>(build: (args: Args<TContext, TEvent>) => Omit<RecordRequest, 'type'>): HoldfastAction {
  return emit(((args: Args<TContext, TEvent>) => ({ type: 'holdfast.record', ...build(args) })) as Expr);
}

/** Write many keyed records in the step's commit (a batch's results with its progress). */
export function writeRecords<TContext = any, TEvent extends EventObject = any>(build: (args: Args<TContext, TEvent>) => Omit<RecordRequest, 'type'>[]): HoldfastAction {
  return emit(((args: Args<TContext, TEvent>) => ({ type: 'holdfast.recordMany', records: build(args) })) as Expr);
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
