/**
 * One data file of a load: prepared (storage id, MIME type, MD5), copied into
 * the Dataverse file store and verified, then registered by its batch.
 *   preparing -> copying -> copied -> registered
 *                                  \-> registrationFailed -> registered
 *   a vanished source -> skipped; an unreadable one or a failing copy -> failed;
 *   a discarded batch -> discarded.
 *   A copy that finds the files dir full -> waitingForSpace -> copying again,
 *   after a durable delay that doubles up to a minute, for as long as it takes: a
 *   full disk is mended by freeing space, so the file waits and its load
 *   neither discards nor completes without it (issue 16).
 */
import { assign, setup } from 'xstate';
import { sendMessage, writeRecord } from './messaging.js';
import { unprovided } from './unprovided.js';
import type { BatchVerdict, CopiedEntry, DataFileInput, ErrorJson, FileProblem, PreparedFile } from './dataload.types.js';

export const DATAFILE_MACHINE = 'datafile';
/** 2: adds `waitingForSpace`; version 1 actors continue (every state they can be in still exists). */
export const DATAFILE_VERSION = '2';

/**
 * The first and the longest wait between copies on a full files dir. Each try is two steps
 * (journalled) and a copy attempt: a minute keeps a thousand waiting files to about 33 steps a
 * second, and a freed disk is noticed within a minute.
 */
export const SPACE_RETRY_FIRST_MS = 1_000;
export const SPACE_RETRY_MAX_MS = 60_000;

export interface DataFileContext extends DataFileInput {
  prepared?: PreparedFile;
  fileId?: number;
  problem?: FileProblem | undefined;
  /** Copies that found the files dir full since the last one that succeeded: sets the next wait. */
  spaceWaits?: number | undefined;
}

const problemOf = (context: DataFileContext, error: unknown): FileProblem => {
  const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as Partial<ErrorJson>;
  return { relativePath: context.relativePath, code, reason: message };
};

/** Sources that vanished or changed since the walk are skipped with a reason; everything else is a failure. */
const SKIPPED_CODES = new Set(['SOURCE_MISSING', 'SOURCE_CHANGED']);
const vanished = ({ event }: { event: unknown }) => SKIPPED_CODES.has((event as { error?: Partial<ErrorJson> }).error?.code ?? '');
const noSpace = ({ event }: { event: unknown }) => (event as { error?: Partial<ErrorJson> }).error?.code === 'STORAGE_FULL';

export const datafileMachine = setup({
  types: {
    input: {} as DataFileInput,
    context: {} as DataFileContext,
    events: {} as BatchVerdict,
  },
  actors: {
    prepareFile: unprovided<PreparedFile, DataFileInput>('prepareFile'),
    copyFile: unprovided<{ target: string }, { source: string; targetDir: string; prepared: PreparedFile }>('copyFile'),
  },
  actions: {
    /** Remembers the file as loaded into its dataset, so loading the folder again skips it. */
    rememberLoaded: writeRecord(({ context }) => ({
      collection: 'loaded',
      key: [context.dataset, context.relativePath],
      value: { size: context.prepared!.size, mtimeMs: context.mtimeMs, md5: context.prepared!.md5, fileId: context.fileId ?? null, storageIdentifier: context.prepared!.storageIdentifier, batchId: context.batchId },
    })),
  },
  guards: { vanished, noSpace },
  delays: {
    spaceRetry: ({ context }) => Math.min(SPACE_RETRY_FIRST_MS * 2 ** Math.max(0, (context.spaceWaits ?? 1) - 1), SPACE_RETRY_MAX_MS),
  },
}).createMachine({
  id: DATAFILE_MACHINE,
  context: ({ input }) => ({ ...input }),
  initial: 'preparing',
  states: {
    preparing: {
      invoke: {
        id: 'prepare',
        src: 'prepareFile',
        input: ({ context }) => context,
        onDone: { target: 'copying', actions: assign({ prepared: ({ event }) => event.output }) },
        onError: [
          { guard: 'vanished', target: 'skipped', actions: assign({ problem: ({ context, event }) => problemOf(context, event.error) }) },
          { target: 'failed', actions: assign({ problem: ({ context, event }) => problemOf(context, event.error) }) },
        ],
      },
    },
    copying: {
      invoke: {
        id: 'copy',
        src: 'copyFile',
        input: ({ context }) => ({ source: context.source, targetDir: context.targetDir, prepared: context.prepared! }),
        onDone: {
          target: 'copied',
          actions: [
            assign({ problem: undefined, spaceWaits: undefined }),
            writeRecord(({ context, event }) => ({
              collection: 'entries',
              key: [context.batchId, context.key],
              value: entryOf(context, event.output.target),
            })),
          ],
        },
        onError: [
          { guard: 'vanished', target: 'skipped', actions: assign({ problem: ({ context, event }) => problemOf(context, event.error) }) },
          {
            guard: 'noSpace',
            target: 'waitingForSpace',
            actions: assign({ problem: ({ context, event }) => problemOf(context, event.error), spaceWaits: ({ context }) => (context.spaceWaits ?? 0) + 1 }),
          },
          { target: 'failed', actions: assign({ problem: ({ context, event }) => problemOf(context, event.error) }) },
        ],
      },
    },
    /** The files dir was full: try the copy again after a stored due time (the runtime keeps `after` delays durable). */
    waitingForSpace: {
      after: { spaceRetry: 'copying' },
    },
    copied: {
      entry: sendMessage(({ context }) => ({ toParent: true, event: { type: 'file.copied', key: context.key } })),
      always: { guard: ({ context }) => !context.registers, target: 'stored' },
      on: {
        'file.registered': { target: 'registered', actions: assign({ fileId: ({ event }) => event.fileId }) },
        'file.registrationFailed': { target: 'registrationFailed', actions: assign({ problem: ({ context, event }) => ({ relativePath: context.relativePath, code: 'DATAVERSE_REJECTED', reason: event.message }) }) },
        'file.discarded': 'discarded',
      },
    },
    registrationFailed: {
      on: {
        'file.registered': { target: 'registered', actions: assign({ fileId: ({ event }) => event.fileId, problem: undefined }) },
        'file.registrationFailed': { actions: assign({ problem: ({ context, event }) => ({ relativePath: context.relativePath, code: 'DATAVERSE_REJECTED', reason: event.message }) }) },
        'file.discarded': 'discarded',
      },
    },
    registered: { type: 'final', entry: 'rememberLoaded' },
    /** Copied into the file store of a load that registers nothing (no Dataverse given). */
    stored: { type: 'final', entry: 'rememberLoaded' },
    skipped: {
      type: 'final',
      entry: sendMessage(({ context }) => ({ toParent: true, event: { type: 'file.skipped', key: context.key, problem: context.problem } })),
    },
    failed: {
      type: 'final',
      entry: sendMessage(({ context }) => ({ toParent: true, event: { type: 'file.failed', key: context.key, problem: context.problem } })),
    },
    discarded: { type: 'final' },
  },
});

function entryOf(context: DataFileContext, target: string): CopiedEntry {
  const prepared = context.prepared!;
  return {
    ...prepared,
    key: context.key,
    relativePath: context.relativePath,
    directoryLabel: context.directoryLabel,
    fileName: context.fileName,
    source: context.source,
    target,
    mtimeMs: context.mtimeMs,
  };
}
