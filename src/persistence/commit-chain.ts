/**
 * The commit chain of the LMDB store: each commit applies only if the marker
 * left by the commit before it exists, then moves the marker on. A commit
 * handed to lmdb-js while an earlier one is still in flight (the committer's
 * pipeline) is thus never applied when that earlier one failed: on its own it
 * would land a later step without the earlier one (a consumed message, a
 * journal entry lost). This class keeps the marker numbers; the store writes them.
 */
export interface ChainLink {
  /** The marker this commit requires. */
  base: number;
  /** The marker this commit leaves. */
  marker: number;
  epoch: number;
}

export class CommitChain {
  /** The marker the next commit requires. */
  private tip = 0;
  /** The marker of the last commit applied. */
  private applied = 0;
  private next = 1;
  /** Counts breaks: a commit queued before a break fails with it and resets nothing. */
  private epoch = 0;

  /** The link for a commit about to be queued; `queued` once it is. */
  link(): ChainLink {
    return { base: this.tip, marker: this.next++, epoch: this.epoch };
  }

  queued(link: ChainLink): void {
    this.tip = link.marker;
  }

  /** The commit's transaction committed: the marker moved on. */
  landed(link: ChainLink): void {
    this.applied = link.marker;
  }

  /** No break since `link` was made: a marker at or past its own then proves it applied (none lands without it). */
  unbroken(link: ChainLink): boolean {
    return link.epoch === this.epoch;
  }

  /** The marker of the last commit applied: every read made after its acknowledgement must show it. */
  get appliedMarker(): number {
    return this.applied;
  }

  /** Its numbers, for a stall report. */
  describe(): { tip: number; applied: number; next: number; epoch: number } {
    return { tip: this.tip, applied: this.applied, next: this.next, epoch: this.epoch };
  }

  /** The commit's transaction failed: later queued ones fail too; the next starts from the last applied. */
  broken(link: ChainLink): void {
    if (link.epoch !== this.epoch) return;
    this.epoch++;
    this.tip = this.applied;
  }
}

/**
 * Resolves true once `marker()` (the chain marker in the store, read afresh) is at or past
 * `link`'s while the chain is unbroken: the commit applied, whether or not lmdb-js's promise
 * for it has settled. Checked every `everyMs`; `stop()` ends the checks.
 */
export function landedByMarker(chain: Pick<CommitChain, 'unbroken'>, link: ChainLink, marker: () => number, everyMs: number): { landed: Promise<true>; stop(): void; fired(): boolean } {
  let timer: ReturnType<typeof setInterval> | undefined;
  let fired = false;
  const landed = new Promise<true>((resolve) => {
    timer = setInterval(() => {
      try {
        if (chain.unbroken(link) && marker() >= link.marker) {
          fired = true;
          resolve(true);
        }
      } catch {
        // A store closing under the check: the commit's own promise tells.
      }
    }, everyMs);
  });
  return { landed, stop: () => clearInterval(timer), fired: () => fired };
}
