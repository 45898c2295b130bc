/**
 * XState snapshots in and out of the store. Only the JSON part is kept: value,
 * context, status, output, error, history. Invoked children are not: holdfast
 * tracks in-flight effects on the actor record itself, because XState restores
 * an in-flight promise actor by silently running it again (RELIABILITY.md).
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { HoldfastError } from '../errors.js';
import type { PersistedSnapshot } from '../persistence/store.js';
import { inertScope, pureMachine } from './pure-transition.js';

export { stateName } from './state-name.js';

/** The storable form of a snapshot. */
export function persistSnapshot(snapshot: AnyMachineSnapshot): PersistedSnapshot {
  const persisted: PersistedSnapshot = { value: snapshot.value, context: snapshot.context, status: snapshot.status };
  if (snapshot.output !== undefined) persisted.output = snapshot.output;
  if (snapshot.error !== undefined) persisted.error = errorToJson(snapshot.error);
  const history = snapshot.historyValue as Record<string, { id: string }[]> | undefined;
  if (history && Object.keys(history).length > 0) {
    persisted.historyValue = Object.fromEntries(Object.entries(history).map(([key, nodes]) => [key, nodes.map((node) => ({ id: node.id }))]));
  }
  return persisted;
}

/**
 * A live snapshot from its stored form. Throws VERSION_INCOMPATIBLE when the
 * stored state no longer exists in the machine (it changed incompatibly).
 */
export function restoreSnapshot(machine: AnyStateMachine, persisted: PersistedSnapshot): AnyMachineSnapshot {
  try {
    const pure = pureMachine(machine);
    return pure.restoreSnapshot({ ...persisted, children: {} } as never, inertScope(pure) as never) as AnyMachineSnapshot;
  } catch (cause) {
    throw new HoldfastError(
      'VERSION_INCOMPATIBLE',
      `state ${JSON.stringify(persisted.value)} does not exist in machine ${machine.id}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function errorToJson(error: unknown): unknown {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return error;
}
