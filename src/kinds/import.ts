/**
 * The import graph: pending objects and links created by an external service
 * in dependency order; the batch completes when nothing awaits. Its effects are
 * the service's HTTP calls; it writes its plan chunks, problems and parents'
 * identifiers. `resume` follows an interrupted import as `holdfast import` does.
 */
import { importMachines, type ImportOptions } from '../adapters/import/import-machines.js';
import { describeImport, followImport, summarizeImport } from '../cli/import-follow.js';
import { IMPORT_UNBLOCK_MACHINE } from '../machines/import-unblock.machine.js';
import { IMPORT_BATCH_MACHINE, PENDING_LINK_MACHINE, PENDING_OBJECT_MACHINE } from '../machines/import.types.js';
import { defineKind } from './work-kind.js';

export const importKind = defineKind({
  name: IMPORT_BATCH_MACHINE,
  title: 'import',
  jobs: [IMPORT_BATCH_MACHINE],
  actors: [IMPORT_BATCH_MACHINE, PENDING_OBJECT_MACHINE, PENDING_LINK_MACHINE, IMPORT_UNBLOCK_MACHINE],
  machines: ({ options }) => importMachines(options as ImportOptions),
  resume: {
    key: 'imports',
    noun: 'import',
    async start({ runtime, startedAt }) {
      const imports = await runtime.query({ machine: IMPORT_BATCH_MACHINE, status: 'active' });
      return {
        count: imports.length,
        async finish() {
          const summaries = [];
          for (const batch of imports) {
            await followImport(runtime, batch.id);
            summaries.push(await summarizeImport(runtime, batch.id, startedAt));
          }
          return { summaries, lines: summaries.flatMap((summary) => describeImport(summary)), succeeded: summaries.every((summary) => summary.succeeded) };
        },
      };
    },
  },
});
