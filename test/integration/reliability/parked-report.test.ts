/**
 * The runtime's side of "a parked actor never blocks its job" (issue 16, item
 * 4): a child parked while it ran tells its parent once, by a durable
 * `holdfast.child.parked` message, and `retry` will not make it report twice.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/index.js';
import { child, counter, parent } from '../../fixtures/machines.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('a parked child tells its parent', () => {
  it('once, with its key, last state and code; a child already told is not retried', async () => {
    const store = join(tempFolder(), 'store');
    let runtime = await createRuntime({ store, machines: [parent, child] });
    await runtime.spawn('parent', { children: 3, delayMs: 600_000 }, { id: 'p' });
    await runtime.waitFor('p/c2', (record) => record.state === 'resting', 5_000);
    await runtime.whenIdle(5_000);
    await runtime.close();

    // Opened without the child's machine: each resting child is parked as UNKNOWN_MACHINE, its parent told.
    runtime = await createRuntime({ store, machines: [parent, counter] });
    for (const id of ['p/c0', 'p/c1', 'p/c2']) await runtime.waitFor(id, (record) => record.status === 'parked', 5_000);
    await runtime.whenIdle(5_000);
    const told = (await runtime.journal('p')).filter((entry) => entry.event === 'holdfast.child.parked');
    expect(told).toHaveLength(3);
    expect(await runtime.get('p/c1')).toMatchObject({ status: 'parked', parent: 'p', error: { code: 'UNKNOWN_MACHINE', details: { parentTold: true } } });
    await runtime.close();

    // Opened again the same way: they stay parked, and the parent hears nothing more.
    runtime = await createRuntime({ store, machines: [parent, counter] });
    await runtime.whenIdle(5_000);
    expect((await runtime.journal('p')).filter((entry) => entry.event === 'holdfast.child.parked')).toHaveLength(3);
    await runtime.close();

    // With its machine back, a child its parent already counted as failed is not retried: it would report twice.
    runtime = await createRuntime({ store, machines: [parent, child] });
    await expect(runtime.retry('p/c1')).rejects.toMatchObject({ code: 'INVALID_EVENT', message: expect.stringContaining('counted it as failed') });
    await runtime.close();
  });

  it('is a reserved event a caller cannot send', async () => {
    const runtime = await createRuntime({ store: join(tempFolder(), 'store'), machines: [counter] });
    await runtime.spawn('counter', {}, { id: 'c' });
    // @ts-expect-error a reserved event is none of the machine's events: refused at compile time too
    expect(() => runtime.send('c', { type: 'holdfast.child.parked', child: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    await runtime.close();
  });
});
