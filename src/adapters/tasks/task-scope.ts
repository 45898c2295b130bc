/**
 * The scope of one task run: its context (entities, file references, bulk
 * writer) and everything it opened. `close()` runs when the task returns or
 * throws: streams still open are destroyed and the run's temporary folder
 * (`<tempRoot>/<random>`, holding local copies of archived files) is removed.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HoldfastError } from '../../errors.js';
import { ENTITY_FRAGMENTS, type FragmentWrite } from '../../machines/task.types.js';
import { createBulkWriter, mergeEntities, type FlushableWriter } from './bulk-writer.js';
import type { ContentArchive } from './content-archive.js';
import { isDatasetJob, type AnyJob, type Entity } from './job-model.js';
import type { FileReference, TaskContext } from './task-registry.js';
import type { EffectRecords } from '../../runtime/effect-runner.js';

export interface ScopeDeps {
  archive: ContentArchive;
  /** Where runs keep their temporary folders. */
  tempRoot: string;
}

export interface RunInfo {
  jobId: string;
  stage: number;
  attempt: number;
  idempotencyKey: string;
  signal: AbortSignal;
  /** The effect's records, where earlier steps' fragments are read (may answer later); absent outside a runtime. */
  records?: Pick<EffectRecords, 'iterate'> | undefined;
}

export interface TaskScope {
  context: TaskContext;
  /** The writer's fragments (empty when the task never asked for a writer). */
  flush(): FragmentWrite[];
  /** Destroys open streams and removes the temporary folder. Idempotent. */
  close(): Promise<void>;
}

export function openTaskScope(job: AnyJob, run: RunInfo, deps: ScopeDeps): TaskScope {
  const streams = new Set<Readable>();
  const folders = new Set<string>();
  let folder: Promise<string> | undefined;
  let writer: FlushableWriter | undefined;
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new HoldfastError('INVALID_INPUT', `the run of job ${run.jobId} has ended: its files and writer are closed`);
  };
  const runFolder = () => {
    ensureOpen();
    return (folder ??= mkdir(deps.tempRoot, { recursive: true }).then(() => track(mkdtemp(join(deps.tempRoot, 'run-')))));
  };
  const track = async (created: Promise<string>) => {
    const path = await created;
    folders.add(path);
    return path;
  };
  const openStream = async (contentHash: string) => {
    ensureOpen();
    const stream = await deps.archive.open(contentHash);
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
    return stream;
  };
  const copyInto = async (parent: string, entity: Entity, contentHash: string) => {
    const path = join(parent, contentHash + extensionOf(entity));
    await deps.archive.copyTo(contentHash, path);
    return path;
  };

  const references = (): FileReference[] =>
    entitiesOf(job).flatMap((entity) =>
      [...new Set(entity.properties.contentHash ?? [])].map((contentHash): FileReference => {
        let local: Promise<string> | undefined;
        return {
          entity,
          contentHash,
          open: () => openStream(contentHash),
          localPath: () => (local ??= runFolder().then((parent) => copyInto(parent, entity, contentHash))),
          async withStream(use) {
            const stream = await openStream(contentHash);
            try {
              return await use(stream);
            } finally {
              stream.destroy();
            }
          },
          async withLocalPath(use) {
            const inner = await track(mkdtemp(join(await runFolder(), 'ref-')));
            try {
              return await use(await copyInto(inner, entity, contentHash));
            } finally {
              await rm(inner, { recursive: true, force: true, maxRetries: 3 });
              folders.delete(inner);
            }
          },
        };
      }),
    );

  const context: TaskContext = {
    jobId: run.jobId,
    stage: run.stage,
    attempt: run.attempt,
    idempotencyKey: run.idempotencyKey,
    signal: run.signal,
    archive: deps.archive,
    entities: () => entitiesOf(job),
    loadEntities: async () => {
      if (!isDatasetJob(job)) return [];
      const records = run.records;
      if (!records) throw new HoldfastError('INVALID_INPUT', `job ${run.jobId} runs outside a runtime: its stored entities cannot be read`);
      const entities: Entity[] = [];
      for (const entity of job.payload.entities) {
        const stored: Entity[] = [];
        for await (const { value } of records.iterate<Entity>(ENTITY_FRAGMENTS, [job.dataset, entity.id])) stored.push(value);
        entities.push(stored.length > 0 ? mergeEntities(stored) : entity);
      }
      return entities;
    },
    fileReferences: references,
    writer: () => {
      ensureOpen();
      if (!isDatasetJob(job)) throw new HoldfastError('INVALID_INPUT', `job ${run.jobId} has no dataset: only a dataset job has a bulk writer`);
      return (writer ??= createBulkWriter(job.dataset));
    },
  };

  return {
    context,
    flush: () => writer?.flush() ?? [],
    async close() {
      if (closed) return;
      closed = true;
      for (const stream of streams) stream.destroy();
      streams.clear();
      const created = folder ? await folder.catch(() => undefined) : undefined;
      if (created) folders.add(created);
      for (const path of folders) await rm(path, { recursive: true, force: true, maxRetries: 3 });
      folders.clear();
    },
  };
}

function entitiesOf(job: AnyJob): Entity[] {
  return isDatasetJob(job) ? job.payload.entities : [];
}

/** The extension of the entity's file name, for programs that go by it (`.pdf`); safe characters only. */
function extensionOf(entity: Entity): string {
  const name = entity.properties.fileName?.[0] ?? '';
  const match = /\.[A-Za-z0-9]{1,10}$/.exec(name);
  return match ? match[0].toLowerCase() : '';
}
