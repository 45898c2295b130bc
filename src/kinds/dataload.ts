/**
 * The data load (DESIGN.md): a folder into a Dataverse dataset, one `datafile`
 * actor per file. Its effects are the file store and the Dataverse client; it
 * writes entries, registrations and metadata (written-records.ts); deleting it
 * removes its copies Dataverse does not hold (load-delete.ts); `resume` keeps a
 * new token for its installation and retries a load that waits for one.
 */
import { createDataLoadEffects, SECRETS } from '../adapters/dataload/dataload-effects.js';
import { DataverseClient } from '../adapters/dataverse/dataverse-client.js';
import { printable } from '../adapters/files/dataverse-labels.js';
import type { HashPool } from '../adapters/files/hash-pool.js';
import { describeLoadJob, loadFilesPage } from '../cli/commands/load-job-view.js';
import { deleteJobWithLoads, loadCopiesCleanup } from '../cli/load-delete.js';
import { describeSummary, DEFAULT_SPACE_WAIT_MS, summarize, waitForLoad, waitForVerdicts, WAITING_STATES } from '../cli/load-follow.js';
import { DATAFILE_MACHINE, DATAFILE_VERSION, datafileMachine } from '../machines/datafile.machine.js';
import { DATALOAD_MACHINE, DATALOAD_VERSION, dataloadMachine, type DataLoadContext } from '../machines/dataload.machine.js';
import { dataloadRecords } from '../machines/written-records.js';
import type { ActorRecord } from '../runtime/actor-types.js';
import { defineMachine, type MachineDefinition } from '../runtime/machine-registry.js';
import { defineKind } from './work-kind.js';
import { arrayOf } from '../runtime/async-views.js';

export { SECRETS };

/** A Dataverse client for an installation and token (the effects read the token the store keeps for it). */
export function dataverseFor(options: { fetch?: typeof fetch } = {}): (baseUrl: string, token: string) => DataverseClient {
  return (baseUrl, token) => new DataverseClient({ baseUrl, token, ...(options.fetch ? { fetch: options.fetch } : {}) });
}

/** The `dataload` and `datafile` machines with their effects, which read records through their context. */
export function loadDefinitions(hashPool: HashPool, options: { fetch?: typeof fetch } = {}): MachineDefinition[] {
  const effects = createDataLoadEffects({ hashPool, dataverse: dataverseFor(options) });
  const { locateDataset, walkSource, registerFiles, updateMetadata, cleanUp, discardCopies, prepareFile, copyFile } = effects;
  return [
    defineMachine({
      name: DATALOAD_MACHINE,
      version: DATALOAD_VERSION,
      machine: dataloadMachine.provide({ actors: { locateDataset, walkSource, registerFiles, updateMetadata, cleanUp, discardCopies } }),
      // The Dataverse client retries HTTP failures itself; one registration per dataset at a time.
      effects: { registerFiles: { maxAttempts: 2, key: (input) => `dataset:${(input as { dataset: string }).dataset}` }, locateDataset: { maxAttempts: 2 } },
      records: dataloadRecords,
      // Its copies in the file store that Dataverse does not hold go with it (load-delete.ts).
      onDelete: loadCopiesCleanup(dataverseFor(options)),
      // Its files' results live in its entries and registrations: retention folds its finished datafiles.
      foldChildren: true,
    }),
    defineMachine({
      name: DATAFILE_MACHINE,
      version: DATAFILE_VERSION,
      machine: datafileMachine.provide({ actors: { prepareFile, copyFile } }),
      effects: { prepareFile: { queue: 'prepare', maxAttempts: 3 }, copyFile: { queue: 'copy', maxAttempts: 3, backoffMs: 500 } },
      label: dataFileLabel,
    }),
  ];
}

/** The installations of the loads that get a new token (only: the one it is for). */
function tokenTargets(loads: readonly ActorRecord[], token: { token: string; only?: string } | undefined): Set<string> {
  if (!token) return new Set();
  const urls = loads.map((load) => (load.snapshot?.context as DataLoadContext).dataverseUrl).filter((url): url is string => url !== undefined);
  return new Set(urls.filter((url) => token.only === undefined || url === token.only));
}

export const dataloadKind = defineKind({
  name: DATALOAD_MACHINE,
  title: 'data load',
  jobs: [DATALOAD_MACHINE],
  actors: [DATALOAD_MACHINE, DATAFILE_MACHINE],
  machines: ({ services, options }) => loadDefinitions(services.hashPool as HashPool, options as { fetch?: typeof fetch }),
  queues: () => ({ prepare: 8, copy: 4 }),
  label: (actor) => (actor.machine === DATAFILE_MACHINE ? dataFileLabel(actor) : undefined),
  words: (actor) => (actor.machine === DATAFILE_MACHINE ? { line: dataFileWords(actor) } : undefined),
  async details(reader, job, options) {
    if (job.machine !== DATALOAD_MACHINE || !job.snapshot) return undefined;
    const files = await loadFilesPage(reader, job, options.page, options.limit);
    return { json: { files }, lines: describeLoadJob(job, files) };
  },
  resume: {
    key: 'loads',
    noun: 'load',
    async start({ runtime, keepToken, token, spaceWaitMs, startedAt }) {
      const loads = await runtime.query({ machine: DATALOAD_MACHINE, status: 'active' });
      for (const url of tokenTargets(loads, token)) await keepToken(url, token!.token);
      for (const load of loads) if (WAITING_STATES.has(load.state)) await runtime.send(load.id, { type: 'retry' });
      return {
        count: loads.length,
        async finish() {
          const summaries = [];
          for (const load of loads) {
            // A load whose files wait for space is interrupted too: it is resumed here, and waited for as `ingest` does.
            await waitForLoad(runtime, load.id, spaceWaitMs ?? DEFAULT_SPACE_WAIT_MS);
            await waitForVerdicts(runtime, load.id);
            summaries.push(await summarize(runtime, load.id, startedAt));
          }
          // Messages a finished load sent just before an interruption are delivered at open: let them land.
          await waitForVerdicts(runtime);
          return { summaries, lines: summaries.flatMap((summary) => describeSummary(summary)), succeeded: summaries.every((summary) => summary.succeeded) };
        },
      };
    },
    async throughOwner(reader, send, token) {
      const loads = await arrayOf(reader.actors({ machine: DATALOAD_MACHINE, status: 'active' }));
      for (const url of tokenTargets(loads, token)) await send('keepToken', { url, token: token!.token });
      const retried = loads.filter((load) => WAITING_STATES.has(load.state));
      for (const load of retried) await send('send', { id: load.id, event: { type: 'retry' } });
      return retried.map((load) => load.id);
    },
  },
  delete: ({ runtime, keepToken }, id, options) => deleteJobWithLoads(runtime, id, { keepToken }, options),
});

/** A data file by its relative path. */
function dataFileLabel(actor: ActorRecord): string | undefined {
  const path = (actor.snapshot?.context as { relativePath?: unknown } | undefined)?.relativePath;
  return typeof path === 'string' ? path : undefined;
}

/** A data file's line in `holdfast job ID`. */
export function dataFileWords(actor: ActorRecord): string {
  return `file ${printable(String((actor.snapshot?.context as { relativePath?: unknown } | undefined)?.relativePath ?? '(unreadable)'))} of load ${actor.parent}`;
}
