/**
 * A host app embedding holdfast: a machine of its own whose effect runs at least
 * once with a stable idempotency key, resumed after any crash. Run it twice with
 * `npx tsx examples/host-app.ts`: the second run finds the first run's actor done
 * (or resumes it, if you killed the first run midway).
 */
import { writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assign, fromPromise, setup } from 'xstate';
import { createRuntime, defineMachine, effect } from '../src/index.js';

/** Renders a report: one effect, then done. The machine names its effect; the host provides it. */
const reportMachine = setup({
  types: { input: {} as { title: string }, context: {} as { title: string; path?: string } },
  actors: { render: fromPromise<{ path: string }, { title: string }>(async () => ({ path: '' })) },
}).createMachine({
  id: 'report',
  context: ({ input }) => ({ title: input.title }),
  initial: 'rendering',
  states: {
    rendering: {
      invoke: { id: 'render', src: 'render', input: ({ context }) => ({ title: context.title }), onDone: { target: 'done', actions: assign({ path: ({ event }) => event.output.path }) } },
    },
    done: { type: 'final' },
  },
});

/** The effect: written to a temporary name, then renamed, so a re-run after a crash is harmless. */
const render = effect<{ path: string }, { title: string }>(async (input, { idempotencyKey, attempt }) => {
  const path = join(tmpdir(), `report-${idempotencyKey.replace(/[^a-z0-9]/gi, '_')}.txt`);
  await writeFile(`${path}.tmp`, `${input.title}\n(attempt ${attempt})\n`);
  await rename(`${path}.tmp`, path);
  return { path };
});

const report = defineMachine({ name: 'report', version: '1', machine: reportMachine.provide({ actors: { render } }) });
const runtime = await createRuntime({ store: join(tmpdir(), 'holdfast-example-store'), machines: [report] });
try {
  const id = (await runtime.get('weekly')) ? 'weekly' : await runtime.spawn('report', { title: 'Weekly figures' }, { id: 'weekly' });
  const record = await runtime.waitFor(id, (r) => r.status !== 'active', 10_000);
  console.log(`${id}: ${record.state}, report at ${record.snapshot?.context.path}`);
  for (const entry of await runtime.journal(id)) console.log(`  #${entry.seq} ${entry.event}: ${entry.from || '(new)'} -> ${entry.to}`);
} finally {
  await runtime.close();
}
