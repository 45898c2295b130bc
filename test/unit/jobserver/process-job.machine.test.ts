/** The processJob machine through XState's pure transitions: no runtime, no disk. */
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { processJobMachine } from '../../../src/machines/process-job.machine.js';
import type { ProcessJobInput, RunProcessResult } from '../../../src/machines/process-job.types.js';
import { pureInitialTransition, pureTransition, type ExecutableAction } from '../../../src/runtime/pure-transition.js';
import { persistSnapshot, restoreSnapshot } from '../../../src/runtime/snapshot-codec.js';

const input: ProcessJobInput = {
  owner: 'ada',
  process: { kind: 'function', name: 'sum', version: '1' },
  idempotent: false,
  parameters: { k: 1 },
  data: [{ kind: 'datafile', ref: 'a.json', sha256: '' }, { kind: 'raw', value: 2, sha256: 'r' }],
  timeoutMs: 1000,
  createdAt: 100,
};
const served = processJobMachine.provide({ guards: { served: () => true } });
const events = (actions: ExecutableAction[]) => actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: { type: string; src?: string } }).event);
/** Records written by the step. */
const emitted = (actions: ExecutableAction[]) => events(actions).filter((event) => event.type === 'holdfast.record');
/** Effects the step starts: XState's spawn actions (by the runtime's pure transition, also as an emitted start). */
const spawned = (actions: ExecutableAction[]) => [
  ...actions.filter((a) => a.type === 'xstate.spawnChild').map((a) => String((a.params as { src: unknown }).src)),
  ...events(actions).filter((event) => event.type === 'holdfast.invoke').map((event) => String(event.src)),
];
const step = (snapshot: AnyMachineSnapshot, event: unknown, machine = served) => pureTransition(machine, snapshot, event as never, 'j1');
const done = (id: string, output: unknown) => ({ type: `xstate.done.actor.${id}`, output });

function running() {
  const [queued] = pureInitialTransition(served, input, 'j1');
  const [loaded] = step(queued, done('load', { ok: true, sha256: ['f', 'r'] }));
  return loaded;
}

describe('processJob machine', () => {
  it('writes its owner index record in its first step and waits queued where no job server runs', () => {
    const [snapshot, actions] = pureInitialTransition(processJobMachine, input, 'j1');
    expect(snapshot.value).toBe('queued');
    expect(emitted(actions)).toEqual([{ type: 'holdfast.record', collection: 'processJobOwners', key: ['ada', 'j1'], value: { createdAt: 100 } }]);
    expect(spawned(actions)).toEqual([]);
    expect(step(snapshot, { type: 'job.wake' }, processJobMachine)[0].value).toBe('queued');
  });

  it('loads data, keeps the hashes, then runs the process', () => {
    const [loading, actions] = pureInitialTransition(served, input, 'j1');
    expect(loading.value).toBe('loadingData');
    expect(spawned(actions)).toEqual(['loadData']);
    const [run, runActions] = step(loading, done('load', { ok: true, sha256: ['f', 'r'] }));
    expect(run.value).toBe('running');
    expect(run.context.data.map((d: { sha256: string }) => d.sha256)).toEqual(['f', 'r']);
    expect(spawned(runActions)).toEqual(['runProcess']);
  });

  it('fails with the loading error when data cannot be loaded', () => {
    const [loading] = pureInitialTransition(served, input, 'j1');
    const [failed] = step(loading, done('load', { ok: false, error: { code: 'DATA_NOT_FOUND', message: 'gone' }, at: 200 }));
    expect(failed.value).toBe('failed');
    expect(failed.context).toMatchObject({ error: { code: 'DATA_NOT_FOUND', message: 'gone' }, endedAt: 200 });
  });

  it('records times, exit, protections and the version that ran, and writes the output with the step', () => {
    const result: RunProcessResult = { status: 'succeeded', startedAt: 150, endedAt: 190, version: '2', exit: { code: 0, signal: null }, protections: { user: 'same' }, output: { stdout: 'x' } };
    const [succeeded, actions] = step(running(), done('process', result));
    expect(succeeded.value).toBe('succeeded');
    expect(succeeded.status).toBe('done');
    expect(succeeded.context).toMatchObject({ startedAt: 150, endedAt: 190, exit: { code: 0, signal: null }, protections: { user: 'same' }, process: { version: '2' }, hasOutput: true });
    expect(emitted(actions)).toEqual([
      { type: 'holdfast.record', collection: 'processOutputs', key: 'j1', value: { stdout: 'x' } },
      { type: 'holdfast.record', collection: 'processStarts', key: ['j1', 1], value: null },
    ]);
  });

  it('ends failed, keeping the error and the output, when the process failed', () => {
    const [failed] = step(running(), done('process', { status: 'failed', startedAt: 1, endedAt: 2, error: { code: 'PROCESS_TIMEOUT', message: 'slow' }, output: { stdout: '' } }));
    expect(failed.value).toBe('failed');
    expect(failed.context.error).toEqual({ code: 'PROCESS_TIMEOUT', message: 'slow' });
  });

  it('ends interrupted when a non-idempotent run was found started; a re-run is a new run, a dismiss is final', () => {
    const [interrupted] = step(running(), done('process', { status: 'interrupted', at: 300 }));
    expect(interrupted.value).toBe('interrupted');
    expect(interrupted.status).toBe('active');
    expect(interrupted.context.endedAt).toBe(300);
    const [rerun, actions] = step(interrupted, { type: 'job.rerun' });
    expect(rerun.value).toBe('loadingData');
    expect(rerun.context).toMatchObject({ run: 2, error: undefined, endedAt: undefined });
    expect(spawned(actions)).toEqual(['loadData']);
    const [dismissed] = step(interrupted, { type: 'job.dismiss', at: 400 });
    expect(dismissed.value).toBe('dismissed');
    expect(dismissed.status).toBe('done');
    expect(dismissed.context.endedAt).toBe(400);
  });

  it('cancels from every state that is not final, and ignores a cancel once final', () => {
    const [queued] = pureInitialTransition(processJobMachine, input, 'j1');
    const [loading] = pureInitialTransition(served, input, 'j1');
    for (const [snapshot, machine] of [[queued, processJobMachine], [loading, served], [running(), served]] as const) {
      const [cancelled] = step(snapshot, { type: 'job.cancel', at: 500 }, machine);
      expect(cancelled.value).toBe('cancelled');
      expect(cancelled.context.endedAt).toBe(500);
    }
    const [succeeded] = step(running(), done('process', { status: 'succeeded', startedAt: 1, endedAt: 2 }));
    expect(step(succeeded, { type: 'job.cancel', at: 600 })[0].value).toBe('succeeded');
  });

  it('goes back to queued when a process that does not serve the job server restores it mid-run', () => {
    const restored = processJobMachine.resolveState({ value: 'running', context: running().context }) as AnyMachineSnapshot;
    const [queued] = step(restored, { type: 'xstate.error.actor.process', error: { code: 'NOT_AVAILABLE', message: 'not here' } }, processJobMachine);
    expect(queued.value).toBe('queued');
  });

  it('reaches the same end when restored from its stored JSON at any step of a path', () => {
    const path = [
      done('load', { ok: true, sha256: ['f', 'r'] }),
      done('process', { status: 'interrupted', at: 300 }),
      { type: 'job.rerun' },
      done('load', { ok: true, sha256: ['f2', 'r'] }),
      done('process', { status: 'failed', startedAt: 1, endedAt: 2, error: { code: 'PROCESS_FAILED', message: 'x' }, output: {} }),
    ];
    const run = (from: number) => {
      let [snapshot] = pureInitialTransition(served, input, 'j1');
      path.forEach((event, at) => {
        if (at === from) snapshot = restoreSnapshot(served, JSON.parse(JSON.stringify(persistSnapshot(snapshot))) as ReturnType<typeof persistSnapshot>);
        [snapshot] = step(snapshot, event);
      });
      return { value: snapshot.value, status: snapshot.status, context: snapshot.context };
    };
    const straight = run(-1);
    expect(straight).toMatchObject({ value: 'failed', status: 'done', context: { run: 2, data: [{ sha256: 'f2' }, { sha256: 'r' }] } });
    for (let at = 0; at < path.length; at++) expect(run(at), `restored before step ${at}`).toEqual(straight);
  });
});
