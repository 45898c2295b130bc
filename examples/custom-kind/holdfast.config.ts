/**
 * The custom-kind example's host module: one kind of work of its own, `tally`
 * (count the words of a text file), added to holdfast without touching its
 * source. The kind declares, in one place, its machine with the effect it is
 * given, the records it writes, how `holdfast jobs` and `holdfast job ID`
 * describe its jobs, what `holdfast resume` does with them, and what the
 * inspector's page may ask of them (`tallyWords`). Outside this
 * repository, import these from 'holdfast'; here each comes from its own small
 * module, since the CLI compiles a host module and what it imports at every start.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseFields } from '../../src/adapters/inspector/client-messages.js';
import { inspectorRequest } from '../../src/adapters/inspector/kind-inspector.js';
import { NonRetryableError } from '../../src/errors.js';
import type { HostModule } from '../../src/kinds/host-module.js';
import { defineKind } from '../../src/kinds/work-kind.js';
import { effect } from '../../src/runtime/effect.js';
import { defineMachine } from '../../src/runtime/machine-registry.js';
import { TALLY_MACHINE, TALLY_VERSION, TALLY_WORDS, tallyMachine, type TallyContext } from './tally.machine.js';

/** The effect: reads the file and counts its words (lower-cased letters and digits). Safe to run again. */
const countWords = effect<Record<string, number>, { file: string }>(async ({ file }) => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NonRetryableError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const counts: Record<string, number> = {};
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) counts[word] = (counts[word] ?? 0) + 1;
  return counts;
});

export const tallyKind = defineKind({
  name: TALLY_MACHINE,
  title: 'tally',
  jobs: [TALLY_MACHINE],
  actors: [TALLY_MACHINE],
  machines: () => [
    defineMachine({
      name: TALLY_MACHINE,
      version: TALLY_VERSION,
      machine: tallyMachine.provide({ actors: { countWords } }),
      effects: { countWords: { maxAttempts: 3 } },
      // Deleting a tally job removes its words: every record keyed by the job's id first.
      records: ({ context }) => [{ collection: TALLY_WORDS, prefix: [(context as TallyContext).job] }],
    }),
  ],
  async describe(job) {
    const context = job.snapshot?.context as TallyContext | undefined;
    return { facts: { file: context?.file, words: context?.words, distinct: context?.distinct }, words: `  ${context?.file}: ${context?.words ?? 0} words, ${context?.distinct ?? 0} distinct` };
  },
  // The runtime's views return promises (a store over a network answers later): await them.
  async details(reader, job) {
    const context = job.snapshot?.context as TallyContext | undefined;
    if (!context) return undefined;
    const top = (await reader.records.scan<number>(TALLY_WORDS, [context.job])).sort((a, b) => b.value - a.value).slice(0, 5);
    return { json: { top: top.map(({ key, value }) => ({ word: (key as string[])[1], count: value })) }, lines: top.map(({ key, value }) => `  ${String(value).padStart(5)}  ${(key as string[])[1]}`) };
  },
  // The inspector routes `{ type: 'tallyWords', id, limit? }` here: a job's most frequent words.
  inspector: ({ runtime }) => ({
    requests: {
      tallyWords: inspectorRequest({
        parse: (fields) => parseFields(z.strictObject({ id: z.string().min(1).max(1_024), limit: z.number().int().min(1).max(50).optional() }), fields),
        answer: async ({ id, limit }) => {
          const words = (await runtime.records.scan<number>(TALLY_WORDS, [id])).sort((a, b) => b.value - a.value).slice(0, limit ?? 5);
          return { type: 'tallyWords', id, words: words.map(({ key, value }) => ({ word: (key as string[])[1], count: value })) };
        },
      }),
    },
  }),
  resume: {
    key: 'tallies',
    noun: 'tally',
    async start({ runtime }) {
      const tallies = await runtime.query({ machine: TALLY_MACHINE, status: 'active' });
      return {
        count: tallies.length,
        async finish() {
          const ended = await Promise.all(tallies.map((tally) => runtime.waitFor(tally.id, (record) => record.status !== 'active', 60_000)));
          return { summaries: ended.map((record) => ({ id: record.id, state: record.state })), lines: ended.map((record) => `tally ${record.id}: ${record.state}`), succeeded: ended.every((record) => record.state === 'counted') };
        },
      };
    },
  },
});

const host: HostModule = { kinds: [tallyKind] };
export default host;
