/**
 * What a machine asks of the runtime, and what the runtime tells a machine, as
 * the runtime reads them. Machines write these with the helpers of
 * `machines/messaging.ts`, which declares the same shapes on its side: the
 * runtime knows no machine (DESIGN.md, layers), and a type test
 * (test/unit/machine-protocol.test.ts) keeps the two declarations one.
 */

/** A child actor to create in the same commit; its id is `<parent id>/<key>`. */
export interface SpawnRequest {
  type: 'holdfast.spawn';
  machine: string;
  key: string;
  input?: unknown;
  tags?: string[];
}

/** The event type of `ChildParked`: reserved, so only the runtime sends it. */
export const CHILD_PARKED = 'holdfast.child.parked';

/**
 * What the runtime tells a parent when it parks one of its children that was
 * still running (a corrupt record, an unknown version, a poison actor): a
 * durable message like a child's own final report. `state` is the child's last
 * state the store knew, when it knew it.
 */
export interface ChildParked {
  type: typeof CHILD_PARKED;
  /** The child's id, and its key under this parent (`<parent>/<key>`). */
  child: string;
  key: string;
  machine?: string;
  state?: string;
  error: { code: string; message: string };
  at: number;
}
