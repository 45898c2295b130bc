/** The inspector hub's options and their defaults. */
import type { MachineDefinition } from '../../runtime/machine-registry.js';
import type { KindInspector } from './kind-inspector.js';

export interface InspectorHubOptions {
  /** The machines registered with the runtime (it does not expose them): their charts and per-state counts. @default [] */
  machines?: readonly MachineDefinition[];
  /** Coalescing period: at most one update per actor per tick. @default 100 */
  tickMs?: number;
  /** A peer that has not answered the previous ping by the next is dropped. @default 30_000 */
  heartbeatMs?: number;
  /** Largest message a client may send; a larger one closes the connection (1009). @default 65_536 */
  maxPayloadBytes?: number;
  /** Unread bytes past which a client drops to summaries and is told. @default 1 MiB */
  highWaterBytes?: number;
  /** Unread bytes under which a degraded client gets everything again. @default 64 KiB */
  lowWaterBytes?: number;
  /** Unread bytes past which a client is closed: the bound on what the server buffers for one client. @default 8 MiB */
  maxBufferedBytes?: number;
  /** Connections at once; more are refused before the upgrade (503). @default 64 */
  maxClients?: number;
  /** Subscriptions per connection. @default 16 */
  maxSubscriptions?: number;
  /** Actors' inspection frames per client per tick; the rest of a tick's changes are skipped. @default 200 */
  maxFramesPerTick?: number;
  /** Counts are redone from the index after this long without events. @default 2_000 */
  quietMs?: number;
  /** ...and at most this often. @default 30_000 */
  recountEveryMs?: number;
  /** Errors that belong to no client (a failing tick). @default console.error */
  onError?: (error: unknown) => void;
  /**
   * What the kinds of work add (`inspectorsOf(kinds, ...)` in src/kinds, or one kind's, as
   * `batchJobInspector(runtime, batchJobs, applications)`): the requests they answer (a batch
   * job's DAG statistics, exception queue, resolve, reprocess) and their jobs' words. A request
   * of a type none registers is refused (BAD_MESSAGE). @default []
   */
  inspectors?: readonly KindInspector[];
}

export type ResolvedHubOptions = Required<Omit<InspectorHubOptions, 'machines' | 'onError' | 'inspectors'>>;

/** The hub's defaults, read by the hub and by `startInspector`'s callers alike. */
export const HUB_DEFAULTS = Object.freeze({
  tickMs: 100,
  heartbeatMs: 30_000,
  maxPayloadBytes: 64 * 1024,
  highWaterBytes: 1024 * 1024,
  lowWaterBytes: 64 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxClients: 64,
  maxSubscriptions: 16,
  maxFramesPerTick: 200,
  quietMs: 2_000,
  recountEveryMs: 30_000,
}) satisfies ResolvedHubOptions;
