/**
 * An actor in memory: its record, restored snapshot and mailbox of deliveries
 * (inbox message, external send, effect result, due timer). Shared by the step
 * loop (actor-host.ts), job control and the effect launcher.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { HoldfastError } from '../errors.js';
import type { ActorRecord, Mutation } from '../persistence/store.js';
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
  /**
   * Over a store that reads asynchronously: a step that spawns children by key waits here while
   * the store says whether those ids are taken (`spawnChecks`, the answers, used by that step alone).
   */
  checking?: HeldStep | undefined;
  spawnChecks?: Map<string, boolean | HoldfastError> | undefined;
}

/** A step computed up to its event, waiting for the store's answers before its transition. */
export interface HeldStep {
  delivery: Delivery;
  event: EventObject;
  extra: Mutation[];
  consumedEffect: string | undefined;
}
