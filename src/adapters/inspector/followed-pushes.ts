/**
 * Which followed jobs are due a push on a tick, for one kind's request that
 * follows jobs (a batch job's DAG statistics): those whose tree changed since
 * their last push, each at most once per `everyMs`. A change inside the wait
 * is kept, so the job is pushed once the wait is over.
 */
export class FollowedPushes {
  private readonly dirty = new Set<string>();
  private readonly lastPush = new Map<string, number>();

  constructor(private readonly everyMs: number) {}

  /** The followed jobs due at `at`, given the jobs whose trees changed this tick. */
  due(touched: ReadonlySet<string>, followed: ReadonlySet<string>, at: number): string[] {
    for (const job of touched) if (followed.has(job)) this.dirty.add(job);
    for (const job of this.lastPush.keys()) if (!followed.has(job)) this.lastPush.delete(job);
    const out: string[] = [];
    for (const job of this.dirty) {
      if (!followed.has(job)) {
        this.dirty.delete(job);
        continue;
      }
      if (at - (this.lastPush.get(job) ?? 0) < this.everyMs) continue;
      this.dirty.delete(job);
      this.lastPush.set(job, at);
      out.push(job);
    }
    return out;
  }
}
