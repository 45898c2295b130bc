/**
 * The runtime's event stream, for the inspector, the CLI's progress and tests.
 * Events are published only after the commit that makes them true.
 */
import type { SerializedError } from '../errors.js';
import type { ActorId, ActorStatus } from '../persistence/store.js';

export type RuntimeEvent =
  | { type: 'actor.spawned'; id: ActorId; machine: string; parent?: ActorId; state: string; at: number }
  | { type: 'actor.stepped'; id: ActorId; machine: string; event: string; from: string; to: string; status: ActorStatus; seq: number; at: number }
  | { type: 'actor.parked'; id: ActorId; error: SerializedError; at: number }
  | { type: 'actor.emitted'; id: ActorId; event: { type: string; [key: string]: unknown }; at: number }
  | { type: 'effect.started'; id: ActorId; invokeId: string; src: string; attempt: number; at: number }
  | { type: 'effect.finished'; id: ActorId; invokeId: string; src: string; attempt: number; durationMs: number; at: number }
  | { type: 'effect.failed'; id: ActorId; invokeId: string; src: string; attempt: number; error: SerializedError; willRetry: boolean; at: number }
  | { type: 'runtime.storageFull'; error: SerializedError; at: number }
  | { type: 'runtime.storageRecovered'; at: number }
  /** A group commit of `steps` steps became durable, `durationMs` after it was handed to the store. */
  | { type: 'runtime.committed'; steps: number; durationMs: number; at: number }
  | { type: 'runtime.recovered'; actors: number; effects: number; inbox: number; timers: number; parked: number; ms: number; at: number }
  /** A retention pass dropped the journals of actors final for longer than the retention (retention.ts). */
  | { type: 'runtime.pruned'; entries: number; actors: number; snapshots: number; folded: number; bytes: number; olderThanMs: number; ms: number; at: number };

export type RuntimeListener = (event: RuntimeEvent) => void;

/** A set of listeners; a throwing listener is reported once and removed, never stops the runtime. */
export class EventHub {
  private readonly listeners = new Set<RuntimeListener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: RuntimeListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  publish(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.listeners.delete(listener);
        this.onListenerError(error);
      }
    }
  }
}
