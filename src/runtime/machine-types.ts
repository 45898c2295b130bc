/**
 * What a runtime's `spawn`, `send`, `get` and `waitFor` accept and give, read
 * from the machine definitions it was created with (types only, nothing runs).
 * A runtime over definitions with literal names (`defineMachine({ name: 'counter', ... })`)
 * refuses, at compile time, a machine it does not have, an input of the wrong shape
 * and an event its machine does not take; one over definitions named at run time
 * (`MachineDefinition[]`: a host's kinds, the CLI's assembly) takes any, as before.
 * A record read by a plain id or an unfiltered query is typed as one of the runtime's
 * machines: true of a store only these machines write to, not of one shared with a
 * process that runs others (there, filter by `machine`, or use an untyped `Runtime`).
 */
import type { AnyStateMachine, ContextFrom, EventFromLogic, InputFrom, StateValue, StateValueFrom } from 'xstate';
import type { ActorFilter, ActorId, ActorRecord, PersistedSnapshot } from '../persistence/store.js';
import type { MachineDefinition } from './machine-registry.js';

/** The machine definitions a runtime hosts, as `createRuntime`'s `machines` gives them. */
export type MachineList = readonly MachineDefinition[];

/** The names a runtime's machines answer to (`string` when a definition is named at run time). */
export type MachineName<M extends MachineList> = M[number]['name'];

/** True when some definition's name is only known at run time: then any name, input and event is taken. */
type IsOpen<M extends MachineList> = string extends MachineName<M> ? true : false;

/** The XState machine registered under `N`. */
export type MachineNamed<M extends MachineList, N extends string> = Extract<M[number], { name: N }>['machine'];

declare const machineOf: unique symbol;

/**
 * An actor id that remembers its machine: `spawn` returns one, so `send` and `get`
 * know the actor's events and context. A plain id (a string, `actorId(...)`) still
 * passes wherever an id does; it is then taken as any of the runtime's machines.
 */
export type MachineActorId<N extends string = string> = ActorId & { readonly [machineOf]?: N };

/** The input `spawn` takes for `N`: optional when the machine's input may be undefined (or is not declared). */
export type SpawnInput<M extends MachineList, N extends string> = IsOpen<M> extends true ? unknown : InputFrom<MachineNamed<M, N>>;

/** `spawn`'s arguments after the machine: the input (required when the machine needs one), then options. */
export type SpawnArgs<M extends MachineList, N extends string, O> =
  IsOpen<M> extends true ? [input?: unknown, options?: O]
  : undefined extends SpawnInput<M, N> ? [input?: SpawnInput<M, N>, options?: O]
  : [input: SpawnInput<M, N>, options?: O];

/** An event as it may come from outside: a JSON object with a string type. */
export interface ExternalEvent {
  type: string;
  [key: string]: unknown;
}

/** The events `send` takes for an actor of `N` (of any of the runtime's machines when `N` is their union). */
export type EventOf<M extends MachineList, N extends string> = IsOpen<M> extends true ? ExternalEvent : N extends MachineName<M> ? EventFromLogic<MachineNamed<M, N>> : never;

/**
 * A machine's state values, as XState's `matches` takes them (a parent state alone is among
 * them); XState's own `StateValue` for a machine whose states it does not type.
 */
export type StateValueOf<TMachine extends AnyStateMachine> = [StateValueFrom<TMachine>] extends [never] ? StateValue : StateValueFrom<TMachine>;

/** A stored snapshot whose context and state value have the machine's types (`record.state` stays the dotted path). */
export interface MachineSnapshot<TMachine extends AnyStateMachine> extends PersistedSnapshot {
  value: StateValueOf<TMachine>;
  context: ContextFrom<TMachine>;
}

/** An actor's record when its machine is known: `machine` names it, the snapshot has its types. */
export interface MachineActorRecord<N extends string, TMachine extends AnyStateMachine> extends ActorRecord {
  id: MachineActorId<N>;
  machine: N;
  snapshot: MachineSnapshot<TMachine> | null;
}

/** A query's filter: `machine` one of the runtime's machines (any name over machines named at run time). */
export type MachineFilter<M extends MachineList, N extends string> = IsOpen<M> extends true ? ActorFilter : Omit<ActorFilter, 'machine'> & { machine?: N };

/**
 * What `get` gives for an actor of `N`: its machine's record, or, when `N` is the union of
 * the runtime's machines (a plain id), a union told apart by `record.machine`.
 */
export type RecordOf<M extends MachineList, N extends string> = IsOpen<M> extends true ? ActorRecord : N extends MachineName<M> ? MachineActorRecord<N, MachineNamed<M, N>> : never;
