/**
 * The batch application of the batch crash tests: parse -> work -> format.
 * Every 97th item fails at `work`; `busyUs` spins that long per item; the
 * item numbered `poison` kills the process (a poison item). The workload and
 * the tests that reopen its store register the same application. With `ledger`,
 * `format` appends each item's number to that file: a side effect a checker counts.
 */
import { appendFileSync } from 'node:fs';
import { defineApplication, type Application } from '../../../src/adapters/batch/application.js';

export function crashyApplication(options: { busyUs?: number; poison?: number; ledger?: string } = {}): Application {
  const { busyUs = 0, poison = -1, ledger } = options;
  return defineApplication({
    name: 'crashy',
    version: '1',
    steps: [
      { name: 'parse', run: (item) => (item as { n: number }).n },
      {
        name: 'work',
        after: ['parse'],
        run: (_item, inputs) => {
          const until = performance.now() + busyUs / 1000;
          while (performance.now() < until);
          const n = inputs.parse as number;
          if (n === poison) process.kill(process.pid, 'SIGKILL');
          if (n % 97 === 0) throw new Error(`ninety-seven divides ${n}`);
          return n * 2;
        },
      },
      {
        name: 'format',
        after: ['work'],
        run: async (_item, inputs) => {
          if (ledger) appendFileSync(ledger, `${(inputs.work as number) / 2}\n`);
          return { doubled: inputs.work };
        },
      },
    ],
  });
}
