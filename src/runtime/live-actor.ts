/**
 * An actor in memory: its record, restored snapshot and mailbox of deliveries
 * (inbox message, external send, effect result, due timer). Shared by the step
 * loop (actor-host.ts), job control and the effect launcher.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { HoldfastError } from '../errors.js';
import type { ActorRecord } from '../persistence/store.js';
import type { EffectOutcome } from './effect-runner.js';
import type { MachineDefinition } from './machine-registry.js';

export type Delivery =
  | { kind: 'inbox'; seq: number; event: EventObject }
  | { kind: 'external'; event: EventObject; resolve: () => void; reject: (error: HoldfastError) => void }
  | { kind: 'effect'; invokeId: string; key: string; outcome: EffectOutcome; durationMs: number }
  | { kind: 'timer'; id: string; due: number; event: EventObject };

export interface LiveActor {
  record: ActorRecord;
  /** Inbox messages handed to this live actor, so a message read again from the store is not stepped twice. */
  seenInbox?: Set<number>;
  definition: MachineDefinition;
  snapshot: AnyMachineSnapshot;
  mailbox: Delivery[];
  queued: boolean;
  pendingCommits: number;
}
