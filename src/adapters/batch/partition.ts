/**
 * Partitions: how a job's items (ordinals 0..total-1, in source order) are
 * split into batches. Pure.
 *   size:N   consecutive runs of N items: batch b holds ordinals bN .. bN+N-1
 *   every:N  item i goes to batch i mod N: each batch a deterministic sample,
 *            the same on every run
 * Position p of batch b is its p-th item, so a batch's progress is one number.
 */
import { HoldfastError } from '../../errors.js';

export interface Partition {
  kind: 'size' | 'every';
  n: number;
}

/** The largest N accepted: more batches than this is a mistake, not a plan. */
export const MAX_PARTITION_N = 100_000_000;

/**
 * Parses `size:N` or `every:N` (N a positive integer).
 * @throws INVALID_INPUT naming the spec and what is expected
 */
export function parsePartition(spec: string): Partition {
  const match = typeof spec === 'string' ? /^(size|every):([0-9]{1,10})$/.exec(spec.trim()) : null;
  const n = match ? Number(match[2]) : NaN;
  if (!match || !Number.isSafeInteger(n) || n < 1 || n > MAX_PARTITION_N) {
    throw new HoldfastError('INVALID_INPUT', `bad partition spec ${JSON.stringify(String(spec).slice(0, 100))}: expected size:N or every:N with N from 1 to ${MAX_PARTITION_N}`, {
      details: { spec: String(spec).slice(0, 100) },
    });
  }
  return { kind: match[1] as Partition['kind'], n };
}

/** The canonical text of a partition. */
export function formatPartition(partition: Partition): string {
  return `${partition.kind}:${partition.n}`;
}

/** Number of batches for `total` items (never an empty batch). */
export function batchCount(partition: Partition, total: number): number {
  if (total <= 0) return 0;
  return partition.kind === 'size' ? Math.ceil(total / partition.n) : Math.min(partition.n, total);
}

/** Number of items in batch `batch`. */
export function batchSize(partition: Partition, total: number, batch: number): number {
  if (batch < 0 || batch >= batchCount(partition, total)) return 0;
  if (partition.kind === 'size') return Math.min(partition.n, total - batch * partition.n);
  return Math.ceil((total - batch) / partition.n);
}

/** The ordinal of the item at `position` in `batch`. */
export function ordinalAt(partition: Partition, batch: number, position: number): number {
  return partition.kind === 'size' ? batch * partition.n + position : batch + position * partition.n;
}

/** The batch an item ordinal belongs to. */
export function batchOf(partition: Partition, ordinal: number): number {
  return partition.kind === 'size' ? Math.floor(ordinal / partition.n) : ordinal % partition.n;
}

/** The ordinals of a deterministic sample of `count` items, evenly spaced over `total`. */
export function sampleOrdinal(total: number, count: number, index: number): number {
  return Math.floor((index * total) / Math.min(count, total));
}

/** The position of an item ordinal within its batch. */
export function positionOf(partition: Partition, ordinal: number): number {
  return partition.kind === 'size' ? ordinal % partition.n : Math.floor(ordinal / partition.n);
}
