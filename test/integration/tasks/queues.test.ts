import { describe, expect, it } from 'vitest';
import { Job } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks } from '../../../src/adapters/tasks/task-registry.js';
import { deferTaskJob } from '../../../src/adapters/tasks/task-worker.js';
import { openTaskRuntime, settled } from '../../helpers/tasks/task-runtime.js';
import { tempFolder } from '../../helpers/temp-store.js';

const JOBS_PER_QUEUE = 12;

/** Counts the runs of one queue in flight; the first `opensAt` runs wait for each other, so that many must run at once. */
function queueProbe(opensAt: number) {
  let running = 0;
  let max = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return {
    get running() {
      return running;
    },
    get max() {
      return max;
    },
    async run() {
      running++;
      max = Math.max(max, running);
      if (running >= opensAt) open();
      await gate;
      await new Promise((resolve) => setImmediate(resolve)); // let a waiting run try to start beside this one
      running--;
    },
  };
}

describe('task jobs: queues', () => {
  it('runs each queue with its own concurrency, side by side', async () => {
    const probes = { ocr: queueProbe(1), index: queueProbe(3), mail: queueProbe(5) };
    let overlap = 0;
    const inFlight = () => Object.values(probes).reduce((sum, probe) => sum + probe.running, 0);
    const tasks = defineTasks({
      'svc.ocr': () => probes.ocr.run(),
      'svc.index': () => {
        overlap = Math.max(overlap, inFlight());
        return probes.index.run();
      },
      'svc.mail': () => probes.mail.run(),
    });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { ocr: 1, index: 3, mail: 5 } }, { concurrency: 50 });
    try {
      const ids = [];
      for (let i = 0; i < JOBS_PER_QUEUE; i++) {
        for (const queue of ['ocr', 'index', 'mail'] as const) ids.push(await deferTaskJob(task.runtime, Job.create({ queue, task: `svc.${queue}`, payload: { i } })));
      }
      for (const id of ids) expect((await settled(task.runtime, id)).state).toBe('succeeded');
      // The gates only open once a queue has its full concurrency running: reaching here proves each ran that many at once.
      expect({ ocr: probes.ocr.max, index: probes.index.max, mail: probes.mail.max }).toEqual({ ocr: 1, index: 3, mail: 5 });
      expect(overlap, 'other queues ran beside index').toBeGreaterThan(probes.index.max);
    } finally {
      await task.close();
    }
  });

  it('leaves a queue the worker does not serve queued while its other queues run', async () => {
    const tasks = defineTasks({ 'svc.run': () => undefined });
    const task = await openTaskRuntime(tempFolder(), { tasks, queues: { served: 2 } });
    try {
      const served = await deferTaskJob(task.runtime, Job.create({ queue: 'served', task: 'svc.run', payload: {} }));
      const other = await deferTaskJob(task.runtime, Job.create({ queue: 'elsewhere', task: 'svc.run', payload: {} }));
      expect((await settled(task.runtime, served)).state).toBe('succeeded');
      await task.runtime.whenIdle();
      expect(await task.runtime.get(other)).toMatchObject({ status: 'active', state: 'queued' });
    } finally {
      await task.close();
    }
  });
});
