/**
 * A watched folder: files reported ready by the folder watcher are accepted
 * into rolling batches; a batch closes after `batchFiles` files or
 * `batchIdleMs` without a new file (a durable timer: it still closes after a
 * restart), and each closed batch is a `dataload` child that loads just its
 * files, as a partial load (one bad file never holds back the others).
 * Acceptance is recorded in the same commit as the counters (`watch.taken`
 * per path, `watch.batch` per batch), so no file is taken twice or lost.
 */
import { assign, emit, setup } from 'xstate';
import { DATALOAD_MACHINE } from './dataload.machine.js';
import type { BatchFinished, DataLoadInput } from './dataload.types.js';
import { spawnActors, writeRecord } from './messaging.js';

export const WATCH_MACHINE = 'watch';
export const WATCH_VERSION = '1';

export interface WatchInput extends Omit<DataLoadInput, 'only' | 'allowPartial' | 'hasMetadata'> {
  batchFiles: number;
  batchIdleMs: number;
}

export interface WatchCounts {
  accepted: number;
  replaced: number;
  batches: number;
  loaded: number;
  failed: number;
  skipped: number;
}

export interface WatchContext extends WatchInput {
  /** Sequence number of the open batch. */
  batch: number;
  /** Files accepted into the open batch. */
  open: number;
  counts: WatchCounts;
}

/** A file that stopped changing; `replaced` when a different version of a loaded path. */
export type FileReady = { type: 'file.ready'; relativePath: string; size: number; mtimeMs: number; replaced: boolean };
export type WatchEvent = FileReady | { type: 'watch.flush' } | { type: 'watch.stop' } | BatchFinished;
/** What a watch emits for its listeners as it takes a file. */
export type WatchEmitted = { type: 'watch.accepted' | 'watch.replaced'; relativePath: string };

/** A ready file taken into the open batch: recorded per path and per batch, counted, announced. */
const accept = [
  writeRecord<WatchContext, FileReady, undefined, WatchEvent>(({ context, event, self }) => ({
    collection: 'watch.taken',
    key: [self.id, event.relativePath],
    value: { size: event.size, mtimeMs: event.mtimeMs, batch: context.batch, replaced: event.replaced },
  })),
  writeRecord<WatchContext, FileReady, undefined, WatchEvent>(({ context, event, self }) => ({
    collection: 'watch.batch',
    key: [self.id, context.batch, event.relativePath],
    // `replaced`: a new version of a path loaded (or taken) before; the record is what keeps that event.
    value: { relativePath: event.relativePath, size: event.size, mtimeMs: event.mtimeMs, replaced: event.replaced },
  })),
  assign<WatchContext, FileReady, undefined, WatchEvent, never>(({ context, event }) => ({
    open: context.open + 1,
    counts: { ...context.counts, accepted: context.counts.accepted + 1, replaced: context.counts.replaced + (event.replaced ? 1 : 0) },
  })),
  emit<WatchContext, FileReady, undefined, WatchEvent, WatchEmitted>(({ event }) =>
    event.replaced ? { type: 'watch.replaced', relativePath: event.relativePath } : { type: 'watch.accepted', relativePath: event.relativePath },
  ),
];

/** Closes the open batch: its `dataload` child, then the next batch's number. */
const closeBatch = ['spawnBatch', 'openNextBatch'] as const;

export const watchMachine = setup({
  types: { input: {} as WatchInput, context: {} as WatchContext, events: {} as WatchEvent },
  delays: { batchIdle: ({ context }) => context.batchIdleMs },
  guards: { batchFull: ({ context }) => context.open + 1 >= context.batchFiles },
  actions: {
    spawnBatch: spawnActors(({ context, self }) => [
      {
        machine: DATALOAD_MACHINE,
        key: `b${context.batch}`,
        input: {
          dir: context.dir,
          dataset: context.dataset,
          filesDir: context.filesDir,
          ...(context.dataverseUrl ? { dataverseUrl: context.dataverseUrl } : {}),
          chunkSize: context.chunkSize,
          lockWaitMs: context.lockWaitMs,
          allowPartial: true,
          move: context.move,
          includeHidden: context.includeHidden,
          exclude: context.exclude,
          hasMetadata: false,
          ...(context.fixLabels ? { fixLabels: true } : {}),
          only: { watchId: self.id, batch: context.batch },
        } satisfies DataLoadInput,
      },
    ]),
    openNextBatch: assign(({ context }) => ({ batch: context.batch + 1, open: 0, counts: { ...context.counts, batches: context.counts.batches + 1 } })),
  },
}).createMachine({
  id: WATCH_MACHINE,
  context: ({ input }) => ({ ...input, batch: 1, open: 0, counts: { accepted: 0, replaced: 0, batches: 0, loaded: 0, failed: 0, skipped: 0 } }),
  initial: 'idle',
  on: {
    'batch.finished': {
      actions: assign(({ context, event }) => ({
        counts: {
          ...context.counts,
          loaded: context.counts.loaded + (context.dataverseUrl ? event.registered : event.copied),
          failed: context.counts.failed + event.failed,
          skipped: context.counts.skipped + event.skipped,
        },
      })),
    },
  },
  states: {
    idle: {
      on: {
        'file.ready': [
          { guard: 'batchFull', target: 'idle', actions: [...accept, ...closeBatch] },
          { target: 'collecting', actions: accept },
        ],
        'watch.stop': 'stopped',
      },
    },
    collecting: {
      after: { batchIdle: { target: 'idle', actions: closeBatch } },
      on: {
        'file.ready': [
          { guard: 'batchFull', target: 'idle', actions: [...accept, ...closeBatch] },
          // Re-entering restarts the idle timer: the batch closes batchIdleMs after its last file.
          { target: 'collecting', reenter: true, actions: accept },
        ],
        'watch.flush': { target: 'idle', actions: closeBatch },
        'watch.stop': { target: 'stopped', actions: closeBatch },
      },
    },
    stopped: { type: 'final' },
  },
});
