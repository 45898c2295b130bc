import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/index.js';
import { counter } from '../../fixtures/machines.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { storeAt } from '../../helpers/test-store.js';

describe('pause, unpause and retry', () => {
  it('holds a paused job\'s events until it is unpaused, across a restart', async () => {
    const store = storeAt(join(tempFolder(), 'store'));
    let runtime = await createRuntime({ store, machines: [counter] });
    const id = await runtime.spawn('counter', {}, { id: 'paused-counter' });
    await runtime.pause(id);
    expect((await runtime.isPaused(id))).toBe(true);
    await runtime.close();

    runtime = await createRuntime({ store, machines: [counter] });
    expect((await runtime.isPaused(id))).toBe(true);
    let applied = false;
    const sent = runtime.send(id, { type: 'increment', by: 3 }).then(() => (applied = true));
    await runtime.whenIdle();
    expect(applied).toBe(false);
    expect(((await runtime.get(id))!.snapshot!.context as { count: number }).count).toBe(0);
    await runtime.unpause(id);
    await sent;
    expect(((await runtime.get(id))!.snapshot!.context as { count: number }).count).toBe(3);
    expect((await runtime.isPaused(id))).toBe(false);
    await runtime.close();
  });

  it('retries a parked actor once its machine is known again', async () => {
    const store = storeAt(join(tempFolder(), 'store'));
    let runtime = await createRuntime({ store, machines: [counter] });
    const id = await runtime.spawn('counter', {}, { id: 'orphan' });
    await runtime.close();

    runtime = await createRuntime({ store, machines: [] });
    await runtime.whenIdle();
    expect(await runtime.get(id)).toMatchObject({ status: 'parked', error: { code: 'UNKNOWN_MACHINE' } });
    await runtime.close();

    runtime = await createRuntime({ store, machines: [counter] });
    expect((await runtime.get(id))!.status).toBe('parked');
    await expect(runtime.send(id, { type: 'increment' })).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    await runtime.retry(id);
    expect(await runtime.get(id)).toMatchObject({ status: 'active' });
    expect((await runtime.get(id))!.error).toBeUndefined();
    await runtime.send(id, { type: 'increment' });
    expect(((await runtime.get(id))!.snapshot!.context as { count: number }).count).toBe(1);
    await runtime.send(id, { type: 'finish' });
    await expect(runtime.retry(id)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await runtime.close();
  });
});

describe('delete', () => {
  it('removes a finished job with everything under it, and refuses a running one unless paused', async () => {
    const { parent, child } = await import('../../fixtures/machines.js');
    const runtime = await createRuntime({ store: storeAt(join(tempFolder(), 'store')), machines: [parent, child, counter] });
    const done = await runtime.spawn('parent', { children: 5 }, { id: 'finished' });
    await runtime.waitFor(done, (record) => record.status === 'done');
    const running = await runtime.spawn('counter', {}, { id: 'running' });

    await expect(runtime.delete('finished/c1')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await runtime.delete(done);
    expect(await runtime.get(done)).toBeUndefined();
    expect(await runtime.query({ root: done })).toEqual([]);
    expect((await runtime.journal(done))).toEqual([]);
    expect((await runtime.journal('finished/c1'))).toEqual([]);

    await expect(runtime.delete(running)).rejects.toMatchObject({ code: 'JOB_RUNNING' });
    await runtime.pause(running);
    await runtime.delete(running);
    expect(await runtime.get(running)).toBeUndefined();
    expect((await runtime.isPaused(running))).toBe(false);
    expect(await runtime.query({})).toEqual([]);
    await expect(runtime.delete(running)).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    await runtime.close();
  });
});
