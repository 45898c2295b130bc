/**
 * A data load (a batch): locate the dataset's folder, walk the source folder,
 * spawn one datafile per file, and once every file has reported, run the
 * batch callbacks as good_job does: on_success registers the copies with
 * Dataverse, then updates metadata, then cleans up; on_discard (any file
 * failed, unless partial loads are allowed) registers nothing and removes this
 * batch's copies that Dataverse does not hold (keeping them all, with the
 * reason, when Dataverse cannot be asked). The batch keeps counters, never its
 * files' snapshots.
 * States waiting on a person (`blocked`, `registrationFailed`) take `retry`.
 */
import { assign, setup, type DoneActorEvent } from 'xstate';
import { sendMessage, sendMessages, spawnActors, writeRecord, type ChildParked } from './messaging.js';
import { unprovided } from './unprovided.js';
import { DATAFILE_MACHINE } from './datafile.machine.js';
import type { CopiesReport, DataFileReport, DataLoadInput, DatasetFolder, ErrorJson, FileProblem, RegistrationResult, WalkResult } from './dataload.types.js';

export const DATALOAD_MACHINE = 'dataload';
export const DATALOAD_VERSION = '1';
/** Problems kept on the batch itself; the rest stay on their datafiles. */
const MAX_PROBLEMS = 50;

export interface DataLoadCounts {
  total: number;
  copied: number;
  skipped: number;
  failed: number;
  registered: number;
  registrationFailed: number;
  refused: number;
  alreadyLoaded: number;
}

export interface DataLoadContext extends DataLoadInput {
  targetDir?: string;
  folder?: DatasetFolder;
  counts: DataLoadCounts;
  problems: FileProblem[];
  error?: ErrorJson | undefined;
  /** Registration rounds begun: a later round may find files an earlier one registered. */
  rounds?: number;
  /** What the discard did with the batch's copies: removed, kept and why. */
  copies?: CopiesReport;
  /** Where `retry` resumes after `blocked`. */
  resumeAt?: 'locating' | 'registering' | 'updatingMetadata' | 'cleaning' | undefined;
}

type RetryEvent = { type: 'retry' };

/** What the walk needs: the folder, or one watch batch's files, and how names Dataverse would refuse are treated. */
export interface WalkInput {
  batchId: string;
  dir: string;
  dataset: string;
  includeHidden: boolean;
  exclude: string[];
  fixLabels: boolean;
  only?: { watchId: string; batch: number };
}

/** What the discard needs to find the batch's copies and ask Dataverse whether it holds any. */
export interface DiscardInput {
  batchId: string;
  dataset: string;
  dataverseUrl?: string | undefined;
  filesDir: string;
  folder?: DatasetFolder | undefined;
}

/** What registration needs; `round` 1 on the first attempt is the one call that cannot have run before. */
export interface RegisterInput {
  batchId: string;
  dataset: string;
  dataverseUrl: string;
  chunkSize: number;
  lockWaitMs: number;
  round: number;
}

const errorOf = (error: unknown): ErrorJson => {
  const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as Partial<ErrorJson>;
  return { code, message };
};

const reported = (c: DataLoadCounts) => c.copied + c.skipped + c.failed === c.total;
/** Datafile states entered after the file reported to its batch (copied, skipped or failed). */
const REPORTED_STATES = new Set(['copied', 'registrationFailed', 'registered', 'stored', 'skipped', 'failed', 'discarded']);
type DataLoadEvent = DataFileReport | RetryEvent | ChildParked;
type Registered = DoneActorEvent<{ results: RegistrationResult[] }>;

const countRegistrations = assign<DataLoadContext, Registered, undefined, DataLoadEvent, never>(({ context, event }) => {
  const { results } = event.output;
  const registered = results.filter((r) => r.ok).length;
  return { counts: { ...context.counts, registered, registrationFailed: results.length - registered }, error: undefined };
});
const tellFiles = sendMessages<DataLoadContext, Registered, undefined, DataLoadEvent>(({ event }) =>
  event.output.results.map((result) => ({
    toChild: result.key,
    event: result.ok ? { type: 'file.registered', fileId: result.fileId } : { type: 'file.registrationFailed', message: result.message },
  })),
);
const keepRegistrations = writeRecord<DataLoadContext, Registered, undefined, DataLoadEvent>(({ event, self }) => ({
  collection: 'registrations',
  key: self.id,
  value: event.output.results,
}));
const registrationDone = [countRegistrations, tellFiles, keepRegistrations];

export const dataloadMachine = setup({
  types: {
    input: {} as DataLoadInput,
    context: {} as DataLoadContext,
    events: {} as DataLoadEvent,
  },
  actors: {
    locateDataset: unprovided<{ folder: DatasetFolder; targetDir: string }, { dataset: string; filesDir: string; dataverseUrl?: string | undefined }>('locateDataset'),
    walkSource: unprovided<WalkResult, WalkInput>('walkSource'),
    registerFiles: unprovided<{ results: RegistrationResult[] }, RegisterInput>('registerFiles'),
    updateMetadata: unprovided<{ updated: number }, { batchId: string; dataverseUrl: string }>('updateMetadata'),
    cleanUp: unprovided<{ discardedKeys: string[] }, { batchId: string; targetDir: string; move: boolean; discard: boolean }>('cleanUp'),
    discardCopies: unprovided<{ discardedKeys: string[]; copies?: CopiesReport }, DiscardInput>('discardCopies'),
  },
  actions: {
    /** An effect failed where a person must act: keep its error and where `retry` resumes. */
    block: assign(({ event }, params: { resumeAt: NonNullable<DataLoadContext['resumeAt']> }) => ({
      error: errorOf((event as { error?: unknown }).error), // an effect's error event, which the machine's own events do not list
      resumeAt: params.resumeAt,
    })),
    /** A batch opened by a watch tells it how it ended; a top batch has no parent and says nothing. */
    reportToParent: sendMessage(({ context, self }, params: { state: string }) => ({
      toParent: true as const,
      optional: true,
      event: { type: 'batch.finished', batch: self.id, state: params.state, copied: context.counts.copied, failed: context.counts.failed, skipped: context.counts.skipped, registered: context.counts.registered },
    })),
  },
  guards: {
    discard: ({ context }) => reported(context.counts) && context.counts.failed > 0 && !context.allowPartial,
    register: ({ context }) => reported(context.counts) && context.counts.copied > 0 && context.dataverseUrl !== undefined,
    finishCopying: ({ context }) => reported(context.counts),
  },
}).createMachine({
  id: DATALOAD_MACHINE,
  context: ({ input }) => ({
    ...input,
    counts: { total: 0, copied: 0, skipped: 0, failed: 0, registered: 0, registrationFailed: 0, refused: 0, alreadyLoaded: 0 },
    problems: [],
  }),
  initial: 'locating',
  states: {
    locating: {
      invoke: {
        id: 'locate',
        src: 'locateDataset',
        input: ({ context }) => ({ dataset: context.dataset, filesDir: context.filesDir, dataverseUrl: context.dataverseUrl }),
        onDone: { target: 'walking', actions: assign(({ event }) => ({ folder: event.output.folder, targetDir: event.output.targetDir, error: undefined })) },
        onError: [
          { guard: ({ event }) => errorOf(event.error).code === 'DATAVERSE_NOT_FOUND', target: 'failed', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
          { target: 'blocked', actions: { type: 'block', params: { resumeAt: 'locating' } } },
        ],
      },
    },
    walking: {
      invoke: {
        id: 'walk',
        src: 'walkSource',
        input: ({ context, self }) => ({
          batchId: self.id,
          dir: context.dir,
          dataset: context.dataset,
          includeHidden: context.includeHidden,
          exclude: context.exclude,
          fixLabels: context.fixLabels ?? false,
          ...(context.only ? { only: context.only } : {}),
        }),
        onDone: {
          target: 'copying',
          actions: [
            assign(({ context, event }) => ({
              counts: { ...context.counts, total: event.output.files.length, refused: event.output.refused.length, alreadyLoaded: event.output.alreadyLoaded },
              problems: event.output.refused.slice(0, MAX_PROBLEMS).map((r) => ({ relativePath: r.relativePath, code: r.code ?? 'REFUSED', reason: r.reason, ...(r.label === undefined ? {} : { label: r.label }) })),
            })),
            spawnActors(({ context, event, self }) =>
              event.output.files.map((file) => ({
                machine: DATAFILE_MACHINE,
                key: file.key,
                input: { ...file, batchId: self.id, dataset: context.dataset, targetDir: context.targetDir!, registers: context.dataverseUrl !== undefined },
              })),
            ),
          ],
        },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    copying: {
      always: [
        { guard: 'discard', target: 'discarding' },
        { guard: 'register', target: 'registering' },
        { guard: 'finishCopying', target: 'cleaning' },
      ],
      on: {
        'file.copied': { actions: assign({ counts: ({ context }) => ({ ...context.counts, copied: context.counts.copied + 1 }) }) },
        'file.skipped': { actions: assign(({ context, event }) => ({ counts: { ...context.counts, skipped: context.counts.skipped + 1 }, problems: keep(context.problems, event.problem) })) },
        'file.failed': { actions: assign(({ context, event }) => ({ counts: { ...context.counts, failed: context.counts.failed + 1 }, problems: keep(context.problems, event.problem) })) },
        // A file parked before it reported (a corrupt record, a poison copy) fails the load as a failed file does:
        // discarded, or with --allow-partial completed without it. One parked after it reported was counted then.
        'holdfast.child.parked': {
          guard: ({ context, event }) => !reported(context.counts) && !REPORTED_STATES.has(event.state ?? ''),
          actions: assign(({ context, event }) => ({
            counts: { ...context.counts, failed: context.counts.failed + 1 },
            problems: keep(context.problems, { relativePath: `(file ${event.key})`, code: event.error.code, reason: `parked: ${event.error.message}` }),
          })),
        },
      },
    },
    registering: {
      entry: assign({ rounds: ({ context }) => (context.rounds ?? 0) + 1 }),
      invoke: {
        id: 'register',
        src: 'registerFiles',
        input: ({ context, self }) => ({ batchId: self.id, dataset: context.dataset, dataverseUrl: context.dataverseUrl!, chunkSize: context.chunkSize, lockWaitMs: context.lockWaitMs, round: context.rounds ?? 1 }),
        onDone: [
          {
            guard: ({ event }) => event.output.results.some((r) => !r.ok),
            target: 'registrationFailed',
            actions: registrationDone,
          },
          { target: 'updatingMetadata', actions: registrationDone },
        ],
        onError: { target: 'blocked', actions: { type: 'block', params: { resumeAt: 'registering' } } },
      },
    },
    registrationFailed: {
      on: { retry: { target: 'registering', actions: assign({ error: undefined }) } },
    },
    updatingMetadata: {
      always: { guard: ({ context }) => !context.hasMetadata, target: 'cleaning' },
      invoke: {
        id: 'metadata',
        src: 'updateMetadata',
        input: ({ context, self }) => ({ batchId: self.id, dataverseUrl: context.dataverseUrl! }),
        onDone: 'cleaning',
        onError: { target: 'blocked', actions: { type: 'block', params: { resumeAt: 'updatingMetadata' } } },
      },
    },
    cleaning: {
      invoke: {
        id: 'cleanup',
        src: 'cleanUp',
        input: ({ context, self }) => ({ batchId: self.id, targetDir: context.targetDir ?? '', move: context.move, discard: false }),
        onDone: 'completed',
        onError: { target: 'blocked', actions: { type: 'block', params: { resumeAt: 'cleaning' } } },
      },
    },
    discarding: {
      invoke: {
        id: 'discard',
        src: 'discardCopies',
        input: ({ context, self }) => ({ batchId: self.id, dataset: context.dataset, dataverseUrl: context.dataverseUrl, filesDir: context.filesDir, folder: context.folder }),
        onDone: {
          target: 'discarded',
          actions: [
            assign(({ event }) => (event.output.copies ? { copies: event.output.copies } : {})),
            sendMessages(({ event }) =>
              event.output.discardedKeys.map((key) => ({ toChild: key, event: { type: 'file.discarded' } })),
            ),
          ],
        },
        onError: { target: 'discarded', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    blocked: {
      on: {
        retry: [
          { guard: ({ context }) => context.resumeAt === 'locating', target: 'locating' },
          { guard: ({ context }) => context.resumeAt === 'updatingMetadata', target: 'updatingMetadata' },
          { guard: ({ context }) => context.resumeAt === 'cleaning', target: 'cleaning' },
          { target: 'registering' },
        ],
      },
    },
    completed: { type: 'final', entry: { type: 'reportToParent', params: { state: 'completed' } } },
    discarded: { type: 'final', entry: { type: 'reportToParent', params: { state: 'discarded' } } },
    failed: { type: 'final', entry: { type: 'reportToParent', params: { state: 'failed' } } },
  },
});

function keep(problems: FileProblem[], problem: FileProblem): FileProblem[] {
  return problems.length >= MAX_PROBLEMS ? problems : [...problems, problem];
}
