import { describe, expect, it } from 'vitest';
import { DatasetJob } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks } from '../../../src/adapters/tasks/task-registry.js';
import { deferTaskJob, describeTaskJob, taskJobMachines } from '../../../src/adapters/tasks/task-worker.js';
import { NonRetryableError } from '../../../src/errors.js';
import { openTaskRuntime, person, settled } from '../../helpers/tasks/task-runtime.js';
import { tempFolder } from '../../helpers/temp-store.js';

const jobFor = (task: string, queue = 'work') => DatasetJob.fromEntity({ dataset: 'd', queue, task, entity: person('p1') });
const attemptsOf = (events: { type: string; id?: string }[], id: string) => events.filter((e) => e.type === 'effect.started' && e.id === id).length;

describe('task jobs: the registry', () => {
  it('ends a job naming an unknown task failed with a clear error, without retrying it', async () => {
    const task = await openTaskRuntime(tempFolder(), { tasks: defineTasks({ 'svc.tasks.known': () => undefined }), queues: { work: 1 } });
    try {
      const id = await deferTaskJob(task.runtime, jobFor('svc.tasks.missing'));
      const record = await settled(task.runtime, id);
      expect(record.state).toBe('failed');
      expect(describeTaskJob(record).error).toEqual({ code: 'UNKNOWN_TASK', message: 'no task named "svc.tasks.missing" is registered (known: svc.tasks.known)' });
      expect(attemptsOf(task.events, id)).toBe(1);
      expect(await task.runtime.get(`${id}/next`)).toBeUndefined();
    } finally {
      await task.close();
    }
  });

  it('fails a job whose task returns an invalid next job, naming the wrong field, and defers nothing', async () => {
    const tasks = defineTasks({ 'svc.tasks.sloppy': () => ({ queue: 'work', task: 'svc tasks next', payload: {} }) });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { work: 1 } });
    try {
      const id = await deferTaskJob(task.runtime, jobFor('svc.tasks.sloppy'));
      const record = await settled(task.runtime, id);
      expect(record.state).toBe('failed');
      expect(describeTaskJob(record).error).toEqual({ code: 'INVALID_INPUT', message: expect.stringContaining('task svc.tasks.sloppy returned an invalid next job: invalid job: task: a task name is a dotted name') });
      expect(await task.runtime.get(`${id}/next`)).toBeUndefined();
    } finally {
      await task.close();
    }
  });

  it('retries a throwing task up to maxAttempts, but stops at once on NonRetryableError', async () => {
    const tasks = defineTasks({
      'svc.tasks.broken': () => {
        throw new Error('disk on fire');
      },
      'svc.tasks.refuses': () => {
        throw new NonRetryableError('this entity can never be indexed');
      },
    });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { work: 2 }, maxAttempts: 3, backoffMs: 1 });
    try {
      const broken = await deferTaskJob(task.runtime, jobFor('svc.tasks.broken'));
      const refuses = await deferTaskJob(task.runtime, jobFor('svc.tasks.refuses'));
      const [brokenRecord, refusesRecord] = [await settled(task.runtime, broken), await settled(task.runtime, refuses)];
      expect(describeTaskJob(brokenRecord).error).toEqual({ code: 'EFFECT_FAILED', message: 'runTask failed after 3 attempt(s): task svc.tasks.broken: disk on fire' });
      expect(attemptsOf(task.events, broken)).toBe(3);
      expect(describeTaskJob(refusesRecord).error).toEqual({ code: 'EFFECT_FAILED', message: 'runTask failed after 1 attempt(s): task svc.tasks.refuses: this entity can never be indexed' });
      expect(attemptsOf(task.events, refuses)).toBe(1);
    } finally {
      await task.close();
    }
  });

  it('leaves jobs queued in a process that serves no queue, and a worker opening later runs them', async () => {
    const folder = tempFolder();
    const idle = await openTaskRuntime(folder);
    const id = await deferTaskJob(idle.runtime, jobFor('svc.tasks.count'));
    expect(await idle.runtime.get(id)).toMatchObject({ status: 'active', state: 'queued', effects: {} });
    await idle.runtime.whenIdle();
    await idle.close();

    let runs = 0;
    const worker = await openTaskRuntime(folder, { tasks: defineTasks({ 'svc.tasks.count': () => void runs++ }), queues: { work: 1 } });
    try {
      expect((await settled(worker.runtime, id)).state).toBe('succeeded');
      expect(runs).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('puts a job interrupted mid-run back to queued when the next process does not serve its queue', async () => {
    const folder = tempFolder();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const blocking = defineTasks({
      'svc.tasks.slow': (_job, { signal }) =>
        new Promise((_, reject) => {
          started();
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
    });
    const first = await openTaskRuntime(folder, { tasks: blocking, queues: { work: 1 } });
    const id = await deferTaskJob(first.runtime, jobFor('svc.tasks.slow'));
    await running;
    await first.close(); // interrupted: the run is still recorded on the job

    const idle = await openTaskRuntime(folder);
    const queued = await idle.runtime.waitFor(id, (record) => record.state === 'queued');
    expect(queued.status).toBe('active');
    await idle.runtime.whenIdle();
    await idle.close();

    const worker = await openTaskRuntime(folder, { tasks: defineTasks({ 'svc.tasks.slow': () => undefined }), queues: { work: 1 } });
    try {
      expect((await settled(worker.runtime, id)).state).toBe('succeeded');
      const ends = (await worker.runtime.journal(id)).filter((entry) => entry.to === 'succeeded' || entry.to === 'failed');
      expect(ends).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it('refuses a worker with a bad queue name or concurrency, naming each problem', () => {
    const tasks = defineTasks({});
    expect(() => taskJobMachines({ path: '/nowhere' }, { tasks, queues: { good: 1, 'bad name': 0 } })).toThrow(
      /INVALID_OPTIONS.*"bad name" is not a queue name; queues.bad name: concurrency must be a positive integer, got 0/,
    );
  });
});
