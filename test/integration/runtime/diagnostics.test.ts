/**
 * runtime.diagnostics(): a stall report says what each part waits on. Here an
 * effect is held open, so the report must show its actor busy with that effect
 * running, the limiter's slot taken, and nothing stuck in the committer or the
 * store; once the effect ends, nothing is busy.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { createRuntime, defineMachine, effect } from '../../../src/index.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('runtime.diagnostics', () => {
  it('shows an actor waiting on its running effect, and nothing once it is done', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const machine = defineMachine({
      name: 'holder',
      version: '1',
      machine: setup({ actors: { hold: effect<string>(async () => (await held, 'released')) } }).createMachine({
        initial: 'holding',
        context: { result: '' },
        states: {
          holding: { invoke: { id: 'hold', src: 'hold', onDone: { target: 'done', actions: assign({ result: ({ event }) => event.output }) } } },
          done: { type: 'final' },
        },
      }),
    });
    const runtime = await createRuntime({ store: join(tempFolder(), 'store'), machines: [machine] });
    const id = await runtime.spawn('holder', {}, { id: 'h1' });
    await expect.poll(() => runtime.diagnostics().effects.running).toBe(1);

    const busy = runtime.diagnostics();
    expect(busy.host.busy).toEqual([expect.objectContaining({ id, state: 'holding', seq: 1, mailbox: [], effects: [{ invokeId: 'hold', src: 'hold', attempt: 1, running: true }] })]);
    expect(busy.effects).toMatchObject({ running: 1, runningSlots: [`${id}:hold`], limiter: { active: 1, waiting: 0 } });
    expect(busy.committer).toMatchObject({ pending: 0, inFlight: [], writing: false, recovering: false, blocked: false });
    expect(busy.store).toMatchObject({ chain: { applied: 1 }, markerInStore: 1, commitsUnderWay: [] });
    expect(() => JSON.stringify(busy)).not.toThrow();

    release();
    await runtime.waitFor(id, (record) => record.status === 'done');
    await expect.poll(() => runtime.diagnostics().host.busy).toEqual([]);
    expect(runtime.diagnostics().effects.running).toBe(0);
    await runtime.close();
  });
});
