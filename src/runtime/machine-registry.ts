/**
 * Machines known to a runtime, by name, with their version and the options of
 * the effects they invoke. The runtime hosts any machine and knows no adapter:
 * effect implementations arrive with the machine, through `machine.provide()`.
 */
import type { AnyStateMachine } from 'xstate';
import { HoldfastError } from '../errors.js';
import type { ActorRecord } from '../persistence/store.js';
import type { DeleteCleanup, RecordScope, WritingActor } from './job-delete.js';

/** How one named effect runs: retries, timeout, and which limits it counts against. */
export interface EffectOptions {
  /** Attempts before the effect fails for good. @default 5 */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, with full jitter. @default 200 */
  backoffMs?: number;
  /** Longest retry delay. @default 30_000 */
  maxBackoffMs?: number;
  /** An attempt that runs longer is aborted and counts as failed. @default none */
  timeoutMs?: number;
  /** The limit queue it counts against (see `limits.queues`): a name, or one chosen per input (a job's own queue). */
  queue?: string | ((input: unknown) => string | undefined);
  /** A key it counts against (see `limits.perKey`), such as a user or a dataset. */
  key?: (input: unknown) => string | undefined;
}

/**
 * A machine as registered with a runtime. `N` and `TMachine` keep the literal name and the
 * machine's types, from which a runtime types `spawn`, `send` and `get` (machine-types.ts).
 */
export interface MachineDefinition<N extends string = string, TMachine extends AnyStateMachine = AnyStateMachine> {
  /** Stable name stored on every actor. */
  name: N;
  /** Stored on every actor; a changed version continues old actors whose states still exist. */
  version: string;
  machine: TMachine;
  effects?: Record<string, EffectOptions>;
  /** What its journal entries keep; overrides the runtime's `journal` (a machine with a million tiny actors keeps transitions). */
  journal?: 'snapshots' | 'transitions';
  /** Times an actor may be found mid-effect at open before it is parked as poison. @default 5 */
  maxRecoveries?: number;
  /** The keyed records an actor of it writes besides its snapshot: deleting its job removes them (job-delete.ts). */
  records?: (actor: WritingActor) => readonly RecordScope[];
  /** Work outside the store that deleting a job holding its actors does (a data load's copies). */
  onDelete?: DeleteCleanup;
  /**
   * Its finished actors' finished children may be folded by retention (child-fold.ts): once it has
   * been final for the retention period, their records, index entries and journals go and a
   * `folded` record counts them. Only for a machine whose children's results live in records.
   */
  foldChildren?: true;
  /** An actor of it by name, for views (a data file by its path): the runtime only passes it on (`runtime.label`). */
  label?: (actor: ActorRecord) => string | undefined;
}

/**
 * Declare a machine for a runtime: a name, a version, the machine and its effect options.
 * Keeps the literal name and the machine's types, so a runtime created with it checks
 * `spawn('name', input)`, `send(id, event)` and `get(id)` against them.
 */
export function defineMachine<const N extends string, TMachine extends AnyStateMachine>(definition: MachineDefinition<N, TMachine>): MachineDefinition<N, TMachine> {
  return definition;
}

export class MachineRegistry {
  private readonly byName = new Map<string, MachineDefinition>();

  constructor(definitions: readonly MachineDefinition[]) {
    for (const definition of definitions) this.byName.set(definition.name, definition);
  }

  get(name: string): MachineDefinition {
    const definition = this.byName.get(name);
    if (!definition) throw new HoldfastError('UNKNOWN_MACHINE', `no machine named ${name} is registered`, { details: { machine: name } });
    return definition;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): MachineDefinition[] {
    return [...this.byName.values()];
  }
}
