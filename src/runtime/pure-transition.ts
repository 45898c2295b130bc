/**
 * XState's pure transition functions, without their per-call cost: xstate's own
 * `transition()` builds a throwaway actor (and so an initial snapshot) on every
 * call; here one inert scope per machine is built once and reused. Everything
 * is synchronous, so one shared action buffer is safe.
 * Compute the next snapshot, commit it, then run its effects: XState splits an
 * action into a pure and an executing part; holdfast splits across the disk.
 */
import { createActor, emit, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

/** An action XState would execute, as returned by its pure transition. */
export interface ExecutableAction {
  type: string;
  params?: unknown;
  exec?: ((...args: unknown[]) => unknown) | undefined;
  info?: unknown;
}

interface InertScope {
  self: unknown;
  system: unknown;
  actionExecutor: (action: ExecutableAction) => void;
  [key: string]: unknown;
}

let collected: ExecutableAction[] = [];
const scopes = new WeakMap<AnyStateMachine, InertScope>();
const twins = new WeakMap<AnyStateMachine, AnyStateMachine>();

/** The type of the event a pure machine emits to start an invoke (see `pureMachine`); turned back into a spawn. */
const INVOKE_START = 'holdfast.invoke';

/** Invoke ids of the state nodes of pure machines whose invokes became entry actions, by node id. */
const movedInvokes = new WeakMap<AnyStateMachine, Map<string, string[]>>();

/**
 * The machine holdfast transitions with: the same states, transitions and
 * implementations, but entering a state does not build an XState Actor
 * (mailbox, observers, scope closures) per invoke that holdfast throws away:
 * that was ~6 % of a step's CPU and 11 % of its allocations. Each invoke of a
 * named effect becomes an entry action, placed where XState would spawn it
 * (after the state's own entry actions), that emits its id, src and input,
 * computed from the same context, event and self (returned as the
 * `xstate.spawnChild` action XState would have given); its onDone and onError
 * become the state's transitions on `xstate.done.actor.<id>` and
 * `xstate.error.actor.<id>`, as XState defines them. Invokes of inline logic
 * or with onSnapshot are left as they are. Snapshots made from it carry it.
 */
export function pureMachine(machine: AnyStateMachine): AnyStateMachine {
  let twin = twins.get(machine);
  if (!twin) {
    const moved = new Map<string, string[]>();
    const Machine = machine.constructor as new (config: unknown, implementations: unknown) => AnyStateMachine;
    twin = new Machine(withInvokesAsEntries(machine.root as unknown as NodeLike, moved), machine.implementations);
    movedInvokes.set(twin, moved);
    twins.set(machine, twin);
    twins.set(twin, twin);
  }
  return twin;
}

interface InvokeDefinition {
  id: string;
  src: unknown;
  input?: unknown;
  onDone?: unknown;
  onError?: unknown;
  onSnapshot?: unknown;
}

interface NodeLike {
  id: string;
  config: Record<string, unknown>;
  states: Record<string, NodeLike>;
  invoke: InvokeDefinition[];
}

/** A state node's config with its named invokes turned into entry actions and transitions, its children likewise. */
function withInvokesAsEntries(node: NodeLike, moved: Map<string, string[]>): Record<string, unknown> {
  const config: Record<string, unknown> = { ...node.config };
  const states = node.config.states as Record<string, unknown> | undefined;
  if (states) config.states = Object.fromEntries(Object.keys(states).map((key) => [key, withInvokesAsEntries(node.states[key]!, moved)]));
  const invokes = node.invoke;
  if (invokes.length === 0 || invokes.some((invoke) => typeof invoke.src !== 'string' || invoke.onSnapshot !== undefined)) return config;
  const on: Record<string, unknown> = { ...(config.on as Record<string, unknown> | undefined) };
  for (const invoke of invokes) {
    if (invoke.onDone !== undefined) on[`xstate.done.actor.${invoke.id}`] = invoke.onDone;
    if (invoke.onError !== undefined) on[`xstate.error.actor.${invoke.id}`] = invoke.onError;
  }
  const entry = config.entry === undefined ? [] : Array.isArray(config.entry) ? config.entry : [config.entry];
  const starts = invokes.map(({ id, src, input }) =>
    emit((args: unknown) => ({ type: INVOKE_START, id, src, input: typeof input === 'function' ? (input as (a: unknown) => unknown)(args) : input })),
  );
  delete config.invoke;
  config.on = on;
  config.entry = [...entry, ...starts];
  moved.set(node.id, invokes.map((invoke) => invoke.id));
  return config;
}

/** The reusable inert actor scope of a machine (also used to restore snapshots). */
export function inertScope(machine: AnyStateMachine): InertScope {
  let scope = scopes.get(machine);
  if (!scope) {
    const self = createActor(machine);
    scope = {
      self,
      system: self.system,
      id: '',
      sessionId: '',
      defer: () => {},
      logger: () => {},
      stopChild: () => {},
      emit: () => {},
      actionExecutor: (action) => void collected.push(action),
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/**
 * The scope's `self` carries the durable actor id while a transition runs, so
 * a machine can name itself (`({ self }) => self.id`) in inputs and messages.
 */
function enter(machine: AnyStateMachine, actorId: string): InertScope {
  const scope = inertScope(pureMachine(machine));
  (scope.self as { id: string }).id = actorId;
  collected = [];
  return scope;
}

/** The next snapshot and the actions to execute, for one event. */
export function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject, actorId = ''): [AnyMachineSnapshot, ExecutableAction[]] {
  const scope = enter(machine, actorId);
  const next = pureMachine(machine).transition(snapshot, event, scope as never) as AnyMachineSnapshot;
  const actions = asSpawns(collected);
  collected = [];
  return [next, actions];
}

/** The initial snapshot and its actions. */
export function pureInitialTransition(machine: AnyStateMachine, input: unknown, actorId = ''): [AnyMachineSnapshot, ExecutableAction[]] {
  const scope = enter(machine, actorId);
  const next = pureMachine(machine).getInitialSnapshot(scope as never, input) as AnyMachineSnapshot;
  const actions = asSpawns(collected);
  collected = [];
  return [next, actions];
}

/** The actions as XState would give them: an invoke's emitted start becomes its `xstate.spawnChild` (without an actor). */
function asSpawns(actions: ExecutableAction[]): ExecutableAction[] {
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i]!;
    if (action.type !== 'xstate.emit') continue;
    const event = (action.params as { event?: { type?: unknown; id?: unknown; src?: unknown; input?: unknown } } | undefined)?.event;
    if (event?.type !== INVOKE_START) continue;
    actions[i] = { type: 'xstate.spawnChild', params: { id: event.id, src: event.src, input: event.input }, info: action.info, exec: undefined };
  }
  return actions;
}

/** The invoke ids of every active state node: the effects this snapshot wants running. */
export function activeInvokeIds(snapshot: AnyMachineSnapshot): Set<string> {
  const ids = new Set<string>();
  const moved = movedInvokes.get(snapshot.machine);
  for (const node of (snapshot as unknown as { _nodes: { id: string; invoke: { id: string }[] }[] })._nodes) {
    for (const invoke of node.invoke) ids.add(invoke.id);
    const entries = moved?.get(node.id);
    if (entries) for (const id of entries) ids.add(id);
  }
  return ids;
}
