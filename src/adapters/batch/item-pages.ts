/**
 * The job's item snapshot, stored in pages: record [job, batch, page] holds
 * the items at positions page*P .. page*P+P-1 of that batch, as [id, value]
 * pairs. A batch then reads its items with one get per P items instead of
 * one per item (at 1,000,000 items the per-record get, checksum and key cost
 * was a third of a run), and an every:N batch is still a run of direct reads.
 * P is 64, less when every:N has so many batches that N open pages of 64
 * items would not fit in a create's memory (N * P stays under 131,072).
 */
import type { MaybePromise, Mutation } from '../../runtime/actor-types.js';
import type { RecordReads } from './record-reads.js';
import { ITEMS, type ItemPage } from './batch-records.js';
import { batchOf, batchSize, ordinalAt, positionOf, type Partition } from './partition.js';

const MAX_PAGE = 64;
const MAX_OPEN_ITEMS = 131_072;

/** Items per page for a partition. */
export function pageSizeFor(partition: Partition): number {
  if (partition.kind === 'size') return Math.min(MAX_PAGE, partition.n);
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(MAX_OPEN_ITEMS / partition.n)));
}

/** Builds pages from items in source order: a batch's open page is written once full or passed. */
export class ItemPageWriter {
  private readonly open = new Map<number, { page: number; items: ItemPage }>();
  /** Closed pages not yet known to be committed (by batch:page), for `idAt`. */
  private pending = new Map<string, ItemPage>();
  private ready: Mutation[] = [];

  constructor(
    private readonly store: RecordReads,
    private readonly jobId: string,
    private readonly partition: Partition,
    private readonly pageSize: number,
  ) {}

  add(ordinal: number, id: string, value: unknown): void {
    const batch = batchOf(this.partition, ordinal);
    const position = positionOf(this.partition, ordinal);
    const page = Math.floor(position / this.pageSize);
    let open = this.open.get(batch);
    if (open && open.page !== page) {
      this.close(batch, open);
      open = undefined;
    }
    if (!open) this.open.set(batch, (open = { page, items: [] }));
    open.items.push([id, value]);
    if (open.items.length === this.pageSize) this.close(batch, open);
  }

  /** The full pages so far, as puts; `final` closes every open page too. */
  take(final: boolean): Mutation[] {
    if (final) for (const [batch, open] of [...this.open]) this.close(batch, open);
    const ready = this.ready;
    this.ready = [];
    return ready;
  }

  /** Every page taken so far is committed: `idAt` reads them from the store from now on. */
  committed(): void {
    this.pending = new Map();
  }

  /** The id of an item already added (open, pending or committed). */
  idAt(ordinal: number): MaybePromise<string> {
    const batch = batchOf(this.partition, ordinal);
    const position = positionOf(this.partition, ordinal);
    const page = Math.floor(position / this.pageSize);
    const open = this.open.get(batch);
    const held = open?.page === page ? open.items : this.pending.get(`${batch}:${page}`);
    if (held) return held[position % this.pageSize]![0];
    // A committed page is read back (a store over a network answers later).
    const read = this.store.getRecord<ItemPage>(ITEMS, [this.jobId, batch, page]);
    return read instanceof Promise ? read.then((items) => items![position % this.pageSize]![0]) : read![position % this.pageSize]![0];
  }

  private close(batch: number, open: { page: number; items: ItemPage }): void {
    this.open.delete(batch);
    this.pending.set(`${batch}:${open.page}`, open.items);
    this.ready.push({ op: 'putRecord', collection: ITEMS, key: [this.jobId, batch, open.page], value: open.items });
  }
}

/** Reads items by batch and position, one page get per page. */
export class ItemReader {
  private batch = -1;
  private page = -1;
  private items: ItemPage | undefined;
  /** A second, untouched copy of the current page, read only when an item failed (see `original`). */
  private fresh: ItemPage | undefined;

  constructor(
    private readonly store: RecordReads,
    private readonly jobId: string,
    private readonly pageSize: number,
  ) {}

  /**
   * The item at `position` of `batch`, or undefined when it is not stored. Answers at once
   * within the page last read (a promise only when a new page is read), so a chunk pays
   * one wait per page, not one per item.
   */
  at(batch: number, position: number): MaybePromise<{ id: string; value: unknown } | undefined> {
    const page = Math.floor(position / this.pageSize);
    if (batch === this.batch && page === this.page) return this.pick(position);
    const read = this.store.getRecord<ItemPage>(ITEMS, [this.jobId, batch, page]);
    this.fresh = undefined;
    this.batch = batch;
    this.page = page;
    if (!(read instanceof Promise)) {
      this.items = read;
      return this.pick(position);
    }
    this.items = undefined;
    return read.then((items) => {
      if (this.batch === batch && this.page === page) this.items = items;
      return pairOf(items, position % this.pageSize);
    });
  }

  private pick(position: number): { id: string; value: unknown } | undefined {
    return pairOf(this.items, position % this.pageSize);
  }

  /**
   * The item's value as stored, for an exception's `input`: a step may have
   * changed the object it was given before it threw. Call right after `at`
   * for the same item; reads the page once more, at most once per page.
   */
  async original(position: number): Promise<unknown> {
    this.fresh ??= await this.store.getRecord<ItemPage>(ITEMS, [this.jobId, this.batch, this.page]);
    return this.fresh?.[position % this.pageSize]?.[1] ?? null;
  }
}

function pairOf(items: ItemPage | undefined, offset: number): { id: string; value: unknown } | undefined {
  const pair = items?.[offset];
  return pair ? { id: pair[0], value: pair[1] } : undefined;
}

/** Every item in source order (ordinal 0 first). every:N reads a row of pages (one per batch) at a time. */
export async function* itemsInOrder(store: RecordReads, jobId: string, partition: Partition, total: number, pageSize: number): AsyncIterable<{ id: string; value: unknown }> {
  if (partition.kind === 'size') {
    for await (const { value } of store.scanRecords<ItemPage>(ITEMS, [jobId])) for (const [id, item] of value) yield { id, value: item };
    return;
  }
  const batches = Math.min(partition.n, total);
  for (let page = 0; page * pageSize < batchSize(partition, total, 0); page++) {
    const row = await Promise.all(Array.from({ length: batches }, async (_, batch) => (await store.getRecord<ItemPage>(ITEMS, [jobId, batch, page])) ?? []));
    for (let offset = 0; offset < pageSize; offset++) {
      for (let batch = 0; batch < batches; batch++) {
        const pair = row[batch]![offset];
        if (!pair) continue;
        if (ordinalAt(partition, batch, page * pageSize + offset) >= total) continue;
        yield { id: pair[0], value: pair[1] };
      }
    }
  }
}
