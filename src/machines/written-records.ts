/**
 * What the built-in machines' actors write besides their snapshots, per machine,
 * as the runtime's `RecordScope`s (src/runtime/job-delete.ts): deleting a job
 * removes exactly these. Restated here as a type because machines import nothing
 * below them; TypeScript's structural typing keeps the two one. Records of a
 * dataset rather than of a job (`loaded`: what a folder already put into a
 * dataset, so a later load skips it) are not listed, and stay.
 */
import { IMPORT_RECORDS } from './import.types.js';
import { PROCESS_GROUPS, PROCESS_JOB_OWNERS, PROCESS_OUTPUTS, PROCESS_STARTS, type ProcessJobContext } from './process-job.types.js';
import { ENTITY_FRAGMENTS } from './task.types.js';

type Key = string | number | ReadonlyArray<string | number>;

/** One key, every key under a prefix, or (a whole-collection scan) keys whose part or whose value's field equals a string. */
export type WrittenScope =
  | { collection: string; key: Key }
  | { collection: string; prefix: Key }
  | { collection: string; keyPart: number; equals: string }
  | { collection: string; field: string; equals: string };

/** An actor's records, from its id and its context as it was before the delete. */
export type WrittenRecords = (actor: { id: string; context: unknown }) => WrittenScope[];

/** The collections a watch keeps under its id: files taken, files per batch, files refused. */
export const WATCH_COLLECTIONS = ['watch.taken', 'watch.batch', 'watch.refused'] as const;

/** The metadata `holdfast ingest --metadata` (or the owner's putMetadata) kept under a job's id. */
const metadata = (id: string): WrittenScope => ({ collection: 'metadata', key: id });

/** A data load: its copied entries, its registrations, its metadata. */
export const dataloadRecords: WrittenRecords = ({ id }) => [{ collection: 'entries', prefix: [id] }, { collection: 'registrations', key: id }, metadata(id)];

/** A watch: its taken, batch and refused files, its metadata (its batches are data loads and list their own). */
export const watchRecords: WrittenRecords = ({ id }) => [...WATCH_COLLECTIONS.map((collection) => ({ collection, prefix: [id] })), metadata(id)];

/** A process job: its owner index, output and start marks; a process group a killed owner left names its job. */
export const processJobRecords: WrittenRecords = ({ id, context }) => {
  const owner = (context as Partial<ProcessJobContext> | undefined)?.owner;
  return [
    ...(typeof owner === 'string' ? [{ collection: PROCESS_JOB_OWNERS, key: [owner, id] }] : []),
    { collection: PROCESS_OUTPUTS, key: id },
    { collection: PROCESS_STARTS, prefix: [id] },
    { collection: PROCESS_GROUPS, field: 'jobId', equals: id },
  ];
};

/** An import: its plan chunks, problems and parents' identifiers, all keyed by its batch id first. */
export const importBatchRecords: WrittenRecords = ({ id }) => [
  { collection: IMPORT_RECORDS.plan, prefix: [id] },
  { collection: IMPORT_RECORDS.problems, key: id },
  { collection: IMPORT_RECORDS.parents, prefix: [id] },
];

/** A task job stage: the entity fragments it wrote, keyed [dataset, entity, stage actor]. */
export const taskJobRecords: WrittenRecords = ({ id }) => [{ collection: ENTITY_FRAGMENTS, keyPart: 2, equals: id }];
