/**
 * Per-node DAG statistics as mergeable aggregates: counts, the sum of times,
 * and a fixed-bucket log histogram of times, so chunks and batches merge
 * without keeping every timing. Buckets are quarter octaves of microseconds
 * (about 19% wide): bucket 0 holds times under 1 us, bucket k >= 1 holds
 * [2^((k-1)/4), 2^(k/4)) us; 4 * 40 buckets reach 2^40 us (about 12 days).
 */

export const BUCKETS = 161;

/** What is stored per node: plain JSON. `buckets` is sparse (bucket index to count). */
export interface NodeAggregate {
  items: number;
  successes: number;
  failures: number;
  totalMs: number;
  buckets: Record<string, number>;
}

/** The view of one node's aggregate. */
export interface NodeStats {
  node: string;
  items: number;
  successes: number;
  failures: number;
  totalMs: number;
  p50Ms: number;
  p95Ms: number;
}

/** A node's counters while a chunk runs: dense and mutable, turned into an aggregate at its end. */
export class NodeCounter {
  items = 0;
  successes = 0;
  failures = 0;
  totalMs = 0;
  readonly buckets = new Float64Array(BUCKETS);

  record(ms: number, ok: boolean): void {
    this.items++;
    if (ok) this.successes++;
    else this.failures++;
    this.totalMs += ms;
    this.buckets[bucketOf(ms)]!++;
  }

  toAggregate(): NodeAggregate {
    const buckets: Record<string, number> = {};
    for (let i = 0; i < BUCKETS; i++) if (this.buckets[i]! > 0) buckets[i] = this.buckets[i]!;
    return { items: this.items, successes: this.successes, failures: this.failures, totalMs: round(this.totalMs), buckets };
  }
}

export function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us >= 1)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log2(us) * 4));
}

/** A bucket's representative time in ms: its geometric middle. */
export function bucketMs(bucket: number): number {
  if (bucket === 0) return 0.0005;
  return 2 ** ((bucket - 0.5) / 4) / 1000;
}

export function emptyAggregate(): NodeAggregate {
  return { items: 0, successes: 0, failures: 0, totalMs: 0, buckets: {} };
}

/** a + b, as a new aggregate. */
export function mergeAggregate(a: NodeAggregate | undefined, b: NodeAggregate): NodeAggregate {
  if (!a) return { ...b, buckets: { ...b.buckets } };
  const buckets = { ...a.buckets };
  for (const [bucket, count] of Object.entries(b.buckets)) buckets[bucket] = (buckets[bucket] ?? 0) + count;
  return { items: a.items + b.items, successes: a.successes + b.successes, failures: a.failures + b.failures, totalMs: round(a.totalMs + b.totalMs), buckets };
}

/** Merges per-node maps (a chunk's into a batch's, batches' into a job's). */
export function mergeNodeMaps(a: Record<string, NodeAggregate> | undefined, b: Record<string, NodeAggregate>): Record<string, NodeAggregate> {
  const out: Record<string, NodeAggregate> = { ...(a ?? {}) };
  for (const [node, aggregate] of Object.entries(b)) out[node] = mergeAggregate(out[node], aggregate);
  return out;
}

/** The time at quantile q (0..1), from the histogram. */
export function quantileMs(aggregate: NodeAggregate, q: number): number {
  const total = Object.values(aggregate.buckets).reduce((sum, count) => sum + count, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  const ordered = Object.keys(aggregate.buckets).map(Number).sort((x, y) => x - y);
  for (const bucket of ordered) {
    seen += aggregate.buckets[bucket]!;
    if (seen >= rank) return round(bucketMs(bucket));
  }
  return round(bucketMs(ordered[ordered.length - 1]!));
}

/** The view of a node's aggregate. */
export function nodeStats(node: string, aggregate: NodeAggregate): NodeStats {
  return {
    node,
    items: aggregate.items,
    successes: aggregate.successes,
    failures: aggregate.failures,
    totalMs: round(aggregate.totalMs),
    p50Ms: quantileMs(aggregate, 0.5),
    p95Ms: quantileMs(aggregate, 0.95),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
