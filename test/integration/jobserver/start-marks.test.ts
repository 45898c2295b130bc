/**
 * A process job's start mark is written through its effect's records (the
 * runtime commits it, flushed) before the process starts: a process that is
 * running always has its mark, so a restart never runs a non-idempotent one twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PROCESS_STARTS } from '../../../src/machines/process-job.types.js';
import { ada, openFixture, type Fixture } from './job-server-fixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('process start marks', () => {
  it('a non-idempotent process starts only once its mark is in the store; an idempotent one needs none', async () => {
    const seen: Record<string, unknown> = {};
    fixture = await openFixture({
      functions: {
        look: (_data: unknown, parameters: Record<string, unknown>, { jobId }: { jobId: string }) => {
          seen[String(parameters.tag)] = fixture!.store.getRecord(PROCESS_STARTS, [jobId, 1]);
          return parameters.tag;
        },
      },
    });
    const once = await fixture.server.submit(ada, { process: { kind: 'function', name: 'look' }, parameters: { tag: 'once' } });
    const again = await fixture.server.submit(ada, { process: { kind: 'function', name: 'look' }, idempotent: true, parameters: { tag: 'again' } });
    expect(await fixture.settled(once.id)).toBe('succeeded');
    expect(await fixture.settled(again.id)).toBe('succeeded');
    expect(seen.once).toMatchObject({ at: expect.any(Number) });
    expect(seen.again).toBeUndefined();
    // The mark lives while its run does: the job's end removes it (process-job.machine.ts).
    expect(fixture.store.getRecord(PROCESS_STARTS, [once.id, 1])).toBeUndefined();
  });
});
