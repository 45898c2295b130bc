import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../src/runtime/limiter.js';

/** A task that runs until `release` is called. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: () => done, release };
}

describe('Limiter.queueDepths', () => {
  it('counts effects running and waiting per queue, an aborted waiter no longer', async () => {
    const limiter = new Limiter({ concurrency: 3, queues: { copy: 1, hash: 2 } });
    const gate = held();
    const runs = [limiter.run('copy', undefined, gate.task), limiter.run('copy', undefined, gate.task), limiter.run(undefined, undefined, gate.task)];
    const abort = new AbortController();
    const aborted = limiter.run('copy', undefined, gate.task, abort);
    // One copy runs and two wait (the queue's cap of 1, not the global one); the unnamed effect fits, so it runs.
    expect(limiter.queueDepths()).toEqual({ copy: { running: 1, waiting: 2 }, hash: { running: 0, waiting: 0 }, '': { running: 1, waiting: 0 } });
    abort.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    expect(limiter.queueDepths()).toEqual({ copy: { running: 1, waiting: 1 }, hash: { running: 0, waiting: 0 }, '': { running: 1, waiting: 0 } });
    gate.release();
    await Promise.all(runs);
    expect(limiter.queueDepths()).toEqual({ copy: { running: 0, waiting: 0 }, hash: { running: 0, waiting: 0 }, '': { running: 0, waiting: 0 } });
  });
});
