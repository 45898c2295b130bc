/**
 * An abort controller whose `AbortSignal` is made only when something asks for it. Node 20
 * makes a signal (an EventTarget) in several microseconds, a large share of a step, and most
 * effects, and most waits for a slot, never look at it. Aborting before the signal is made
 * is remembered: a signal asked for later comes already aborted, with the same reason.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  /** Why it was aborted; undefined while it was not. */
  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  /** The first reason wins, as with AbortController. */
  abort(reason: unknown): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
  }
}
