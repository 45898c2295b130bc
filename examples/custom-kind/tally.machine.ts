/**
 * The `tally` machine: counts the words of one text file. Pure, as holdfast's
 * own machines are: it names its effect (`countWords`) and the kind provides
 * it (holdfast.config.ts). On success it writes one record per distinct word,
 * keyed [job, word], in the step that records the count (one commit).
 */
import { assign, fromPromise, setup } from 'xstate';
import { writeRecords } from '../../src/machines/messaging.js'; // 'holdfast' outside this repository

export const TALLY_MACHINE = 'tally';
export const TALLY_VERSION = '1';
/** [job, word] -> how many times the word occurs. */
export const TALLY_WORDS = 'tally.words';

export interface TallyInput {
  /** The job's id, so its records are keyed by it. */
  job: string;
  file: string;
}

export interface TallyContext extends TallyInput {
  words: number;
  distinct: number;
  error?: string;
}

export const tallyMachine = setup({
  types: { input: {} as TallyInput, context: {} as TallyContext },
  actors: { countWords: fromPromise<Record<string, number>, { file: string }>(async () => ({})) },
}).createMachine({
  id: TALLY_MACHINE,
  context: ({ input }) => ({ ...input, words: 0, distinct: 0 }),
  initial: 'counting',
  states: {
    counting: {
      invoke: {
        src: 'countWords',
        input: ({ context }) => ({ file: context.file }),
        onDone: {
          target: 'counted',
          actions: [
            assign(({ event }) => ({ words: Object.values(event.output).reduce((sum, n) => sum + n, 0), distinct: Object.keys(event.output).length })),
            writeRecords(({ context, event }: { context: TallyContext; event: { output: Record<string, number> } }) =>
              Object.entries(event.output).map(([word, count]) => ({ collection: TALLY_WORDS, key: [context.job, word], value: count })),
            ),
          ],
        },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => String((event.error as Error)?.message ?? event.error) }) },
      },
    },
    counted: { type: 'final' },
    failed: { type: 'final' },
  },
});
