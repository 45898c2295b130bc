/**
 * A runtime's inner state at one moment, for a stall report: what the step
 * loop, the committer, the effects and the store are each waiting on. Read
 * without changing anything; JSON. A process that stops moving while it looks
 * healthy (work in the store, nothing running) is explained by which of these
 * holds it: a step never computed (mailbox, runnable), a commit never
 * acknowledged (committer, store), an effect never started (launcher,
 * limiter). The CLI prints it on SIGUSR2 (cli/diagnostics-signal.ts). Its
 * shape is for people reading a report and may change between releases.
 */
import type { CommitterDiagnostics } from './committer.js';

/** A live actor that holds work: deliveries not yet stepped, commits not yet acknowledged, effects it waits on. */
export interface BusyActor {
  id: string;
  state: string;
  seq: number;
  /** The kinds of the deliveries waiting in its mailbox, oldest first. */
  mailbox: string[];
  queued: boolean;
  pendingCommits: number;
  checking: boolean;
  /** The effects its record holds, each with whether one of its attempts is running. */
  effects: { invokeId: string; src: string; attempt: number; running: boolean }[];
}

export interface HostDiagnostics {
  live: number;
  /** At most `limit` of them. */
  busy: BusyActor[];
  runnable: number;
  pumping: boolean;
  inFlightSteps: number;
  undelivered: number;
  spawning: number;
  removing: number;
  closing: boolean;
  launcher: { waitingRetries: number; isolated: string | undefined; suspects: number; heldForSuspects: number; resumed: number };
  control: { paused: number; heldActors: number; heldEffects: number; parking: number };
}

export interface RuntimeDiagnostics {
  at: string;
  host: HostDiagnostics;
  committer: CommitterDiagnostics;
  effects: { running: number; runningSlots: string[]; limiter: { active: number; waiting: number; queues: Record<string, { running: number; waiting: number }> } };
  timers: number;
  store: Record<string, unknown> | undefined;
}
