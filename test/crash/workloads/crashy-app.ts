/**
 * The batch application of the batch crash tests: parse -> work -> format.
 * Every 97th item fails at `work`; `busyUs` spins that long per item; the
 * item numbered `poison` kills the process (a poison item). The workload and
 * the tests that reopen its store register the same application.
 */
import { defineApplication, type Application } from '../../../src/index.js';

export function crashyApplication(options: { busyUs?: number; poison?: number } = {}): Application {
  const { busyUs = 0, poison = -1 } = options;
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
      { name: 'format', after: ['work'], run: async (_item, inputs) => ({ doubled: inputs.work }) },
    ],
  });
}
