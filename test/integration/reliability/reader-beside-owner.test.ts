/**
 * A reader beside the owner (RELIABILITY.md): another process opening and
 * closing the store read-only, hundreds of times a second, while the owner
 * steps. With lmdb-js 3.5.6 this made the owner's commits be refused (and,
 * with lmdb-js's overlappingSync, its transactions fail); retried at once, the
 * refusals came again and the steps' actors were dropped, unparked, still
 * active in the store: a watch stalled with nothing running (passing-failures.ts).
 * Every job must still end, with no actor parked and nothing left waiting.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type ActorId } from '../../../src/index.js';
import { child, parent } from '../../fixtures/machines.js';
import { startWorkload, type Workload } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';

let reader: Workload | undefined;
afterEach(() => void reader?.child.kill('SIGKILL'));

describe('a reader opening and closing the store beside its owner', () => {
  it('leaves every job to end: none parked, no actor left behind, no message left waiting', async () => {
    const path = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store: path, machines: [parent, child] });
    reader = startWorkload('reader-loop', [path, '30']);
    const opens = () => Math.max(0, ...reader!.output().split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { opens: number }).opens));
    await expect.poll(opens, { timeout: 20_000 }).toBeGreaterThan(0);
    const opensBefore = opens();
    const jobs: string[] = [];
    for (let round = 0; round < 8; round++) {
      jobs.push(await runtime.spawn('parent', { children: 150 }));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      await Promise.all(jobs.map((id) => runtime.waitFor(id, (record) => record.status === 'done', 30_000)));
    } catch (error) {
      const stuck = (await runtime.query({})).filter((actor) => actor.status !== 'done').slice(0, 10).map((actor) => `${actor.id} ${actor.status}/${actor.state} effects ${Object.keys(actor.effects).join(',')}`);
      throw new Error(`${(error as Error).message}\nnot done: ${stuck.join('; ')}\ndiagnostics: ${JSON.stringify(runtime.diagnostics())}`);
    }

    expect(await runtime.count({ status: 'parked' })).toBe(0);
    expect(await runtime.count({ status: 'active' })).toBe(0);
    expect(await runtime.query({ parent: jobs[0] as ActorId })).toHaveLength(150);
    const waiting = [];
    for await (const message of runtime.inbox()) waiting.push(message);
    expect(waiting).toEqual([]);
    // The reader really opened and closed the store beside the steps.
    expect(opens() - opensBefore).toBeGreaterThanOrEqual(50);
    await runtime.close();
    reader.child.kill('SIGTERM');
  });
});
