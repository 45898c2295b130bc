/**
 * XState's pure transition functions, without their per-call cost: xstate's own
 * `transition()` builds a throwaway actor (and so an initial snapshot) on every
 * call; here one inert scope per machine is built once and reused. Everything
 * is synchronous, so one shared action buffer is safe.
 * Compute the next snapshot, commit it, then run its effects: XState splits an
 * action into a pure and an executing part; holdfast splits across the disk.
 */
import { createActor, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';

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
  const scope = inertScope(machine);
  (scope.self as { id: string }).id = actorId;
  collected = [];
  return scope;
}

/** The next snapshot and the actions to execute, for one event. */
export function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject, actorId = ''): [AnyMachineSnapshot, ExecutableAction[]] {
  const scope = enter(machine, actorId);
  const next = machine.transition(snapshot, event, scope as never) as AnyMachineSnapshot;
  const actions = collected;
  collected = [];
  return [next, actions];
}

/** The initial snapshot and its actions. */
export function pureInitialTransition(machine: AnyStateMachine, input: unknown, actorId = ''): [AnyMachineSnapshot, ExecutableAction[]] {
  const scope = enter(machine, actorId);
  const next = machine.getInitialSnapshot(scope as never, input) as AnyMachineSnapshot;
  const actions = collected;
  collected = [];
  return [next, actions];
}

/** The invoke ids of every active state node: the effects this snapshot wants running. */
export function activeInvokeIds(snapshot: AnyMachineSnapshot): Set<string> {
  const ids = new Set<string>();
  for (const node of (snapshot as unknown as { _nodes: { invoke: { id: string }[] }[] })._nodes) {
    for (const invoke of node.invoke) ids.add(invoke.id);
  }
  return ids;
}
