/**
 * One data file of a load: prepared (storage id, MIME type, MD5), copied into
 * the Dataverse file store and verified, then registered by its batch.
 *   preparing -> copying -> copied -> registered
 *                                  \-> registrationFailed -> registered
 *   a vanished source -> skipped; an unreadable one or a failing copy -> failed;
 *   a discarded batch -> discarded.
 */
import { assign, fromPromise, setup } from 'xstate';
import { sendMessage, writeRecord } from './messaging.js';
import type { BatchVerdict, CopiedEntry, DataFileInput, ErrorJson, FileProblem, PreparedFile } from './dataload.types.js';

export const DATAFILE_MACHINE = 'datafile';
export const DATAFILE_VERSION = '1';

export interface DataFileContext extends DataFileInput {
  prepared?: PreparedFile;
  fileId?: number;
  problem?: FileProblem | undefined;
}

const notProvided = (name: string) => fromPromise<never, unknown>(async () => {
  throw new Error(`effect ${name} was not provided`);
});

const problemOf = (context: DataFileContext, error: unknown): FileProblem => {
  const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as Partial<ErrorJson>;
  return { relativePath: context.relativePath, code, reason: message };
};

/** Sources that vanished or changed since the walk are skipped with a reason; everything else is a failure. */
const SKIPPED_CODES = new Set(['SOURCE_MISSING', 'SOURCE_CHANGED']);
const vanished = ({ event }: { event: unknown }) => SKIPPED_CODES.has((event as { error?: Partial<ErrorJson> }).error?.code ?? '');

export const datafileMachine = setup({
  types: {
    input: {} as DataFileInput,
    context: {} as DataFileContext,
    events: {} as BatchVerdict,
  },
  actors: {
    prepareFile: notProvided('prepareFile') as unknown as ReturnType<typeof fromPromise<PreparedFile, DataFileInput>>,
    copyFile: notProvided('copyFile') as unknown as ReturnType<typeof fromPromise<{ target: string }, { source: string; targetDir: string; prepared: PreparedFile }>>,
  },
  guards: { vanished },
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
          actions: writeRecord(({ context, event }: { context: DataFileContext; event: { type: string; output?: { target: string } } }) => ({
            collection: 'entries',
            key: [context.batchId, context.key],
            value: entryOf(context, event.output!.target),
          })),
        },
        onError: [
          { guard: 'vanished', target: 'skipped', actions: assign({ problem: ({ context, event }) => problemOf(context, event.error) }) },
          { target: 'failed', actions: assign({ problem: ({ context, event }) => problemOf(context, event.error) }) },
        ],
      },
    },
    copied: {
      entry: sendMessage(({ context }: { context: DataFileContext }) => ({ toParent: true, event: { type: 'file.copied', key: context.key } })),
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
    registered: { type: 'final', entry: rememberLoaded() },
    /** Copied into the file store of a load that registers nothing (no Dataverse given). */
    stored: { type: 'final', entry: rememberLoaded() },
    skipped: {
      type: 'final',
      entry: sendMessage(({ context }: { context: DataFileContext }) => ({ toParent: true, event: { type: 'file.skipped', key: context.key, problem: context.problem } })),
    },
    failed: {
      type: 'final',
      entry: sendMessage(({ context }: { context: DataFileContext }) => ({ toParent: true, event: { type: 'file.failed', key: context.key, problem: context.problem } })),
    },
    discarded: { type: 'final' },
  },
});

/** Remembers the file as loaded into its dataset, so loading the folder again skips it. */
function rememberLoaded() {
  return writeRecord(({ context }: { context: DataFileContext }) => ({
    collection: 'loaded',
    key: [context.dataset, context.relativePath],
    value: { size: context.prepared!.size, mtimeMs: context.mtimeMs, md5: context.prepared!.md5, fileId: context.fileId ?? null, storageIdentifier: context.prepared!.storageIdentifier, batchId: context.batchId },
  }));
}

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
