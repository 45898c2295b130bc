/** The taskJob machine through XState's pure transitions: no runtime, no disk. */
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { taskJobMachine } from '../../../src/machines/task-job.machine.js';
import type { TaskJobInput, TaskOutcome } from '../../../src/machines/task.types.js';
import { pureInitialTransition, pureTransition, type ExecutableAction } from '../../../src/runtime/pure-transition.js';

const job = { dataset: 'leaks', queue: 'ingest', task: 'ingestors.tasks.ingest', payload: { entities: [], context: {} } };
/** A worker serving `ingest`. */
const served = taskJobMachine.provide({ guards: { served: ({ context }) => context.job.queue === 'ingest' } });
const emitted = (actions: ExecutableAction[]) => actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: { type: string } }).event);
const start = (machine = served, input: TaskJobInput = { job }) => pureInitialTransition(machine, input, 'j1');

describe('taskJob machine', () => {
  it('stays queued, starting nothing, where no worker serves its queue', () => {
    const [snapshot, actions] = start(taskJobMachine);
    expect(snapshot.value).toBe('queued');
    expect(actions).toEqual([]);
    const [woken] = pureTransition(taskJobMachine, snapshot, { type: 'task.wake' }, 'j1');
    expect(woken.value).toBe('queued');
  });

  it('runs the task where a worker serves its queue', () => {
    const [snapshot, actions] = start();
    expect(snapshot.value).toBe('running');
    expect(actions.map((a) => [a.type, (a.params as { src?: string }).src])).toEqual([['xstate.spawnChild', 'runTask']]);
    expect((actions[0]!.params as { input: unknown }).input).toEqual({ job, jobId: 'j1', stage: 1 });
  });

  it('hands over in the step that consumes the result: the next stage spawned and the fragments written together', () => {
    const [running] = start();
    const next = { ...job, task: 'aleph.tasks.index' };
    const output: TaskOutcome = { next, fragments: [{ dataset: 'leaks', entity: { id: 'e1', schema: 'Person', properties: {} } }] };
    const [done, actions] = pureTransition(served, running, { type: 'xstate.done.actor.task', output } as never, 'j1');
    expect(done.value).toBe('succeeded');
    expect(done.status).toBe('done');
    expect(done.context).toMatchObject({ next: 'j1/next', fragments: 1 });
    expect(emitted(actions)).toEqual([
      { type: 'holdfast.spawnMany', spawns: [{ machine: 'taskJob', key: 'next', input: { job: next, stage: 2 } }] },
      { type: 'holdfast.record', collection: 'entities', key: ['leaks', 'e1', 'j1'], value: { id: 'e1', schema: 'Person', properties: {} } },
    ]);
  });

  it('ends without a next stage when the task returns nothing', () => {
    const [running] = start();
    const [done, actions] = pureTransition(served, running, { type: 'xstate.done.actor.task', output: { next: null, fragments: [] } } as never, 'j1');
    expect(done.value).toBe('succeeded');
    expect(done.context.next).toBeUndefined();
    expect(emitted(actions)).toEqual([{ type: 'holdfast.spawnMany', spawns: [] }]);
  });

  it('ends failed, keeping the error, when the task fails', () => {
    const [running] = start();
    const error = { code: 'UNKNOWN_TASK', message: 'no task named "x" is registered' };
    const [failed] = pureTransition(served, running, { type: 'xstate.error.actor.task', error } as never, 'j1');
    expect(failed.value).toBe('failed');
    expect(failed.context.error).toEqual(error);
  });

  it('goes back to queued, not failed, when the process turns out not to serve the queue', () => {
    const [running] = start();
    const other = taskJobMachine; // the same job restored where nothing is served
    const restored = other.resolveState({ value: running.value, context: running.context }) as AnyMachineSnapshot;
    const [queued] = pureTransition(other, restored, { type: 'xstate.error.actor.task', error: { code: 'TASK_NOT_SERVED', message: 'not here' } } as never, 'j1');
    expect(queued.value).toBe('queued');
    expect(queued.status).toBe('active');
  });
});
