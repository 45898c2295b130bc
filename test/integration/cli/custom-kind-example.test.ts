/**
 * examples/custom-kind as its README runs it: a host module adds a kind of work
 * of its own (`tally`) without touching src/. A tally job started with the
 * host's kind shows in `holdfast jobs` (run from the example's folder, where the
 * CLI finds holdfast.config.ts) with the facts the kind describes, `holdfast job
 * ID` adds the kind's details, and `holdfast delete ID` removes the records the
 * kind declares it writes, and nothing of the other job. `holdfast serve` there
 * answers the kind's own inspector request (`tallyWords`) over the WebSocket.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { holdfastChild, killChildren } from '../../helpers/cli-child.js';
import { TestClient } from '../inspector/inspector-harness.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { readStore } from '../../helpers/watch.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const example = join(root, 'examples', 'custom-kind');

afterEach(killChildren);

/** `start-tally.ts` as the README runs it; the job's id. */
async function startTally(store: string, file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'start-tally.ts', '--store', store, file], { cwd: example });
  return stdout.trim();
}

/** The CLI from source in the example's folder; its exit code and output. */
async function holdfast(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = holdfastChild(args, example);
  const { code } = await child.exited;
  return { code, stdout: child.output().slice(0, child.output().length - child.errors().length) };
}

describe('examples/custom-kind', () => {
  it('runs a tally job of the host\'s kind, lists it in holdfast jobs and deletes it with its records', async () => {
    const store = join(tempFolder('holdfast-custom-kind-'), 'store');
    const gone = await startTally(store, 'sample.txt');
    const kept = await startTally(store, 'tally.machine.ts');
    expect(gone).toMatch(/^tally-[0-9a-f]{8}$/);

    const listed = await holdfast(['jobs', '--store', store, '--json']);
    expect(listed.code).toBe(0);
    const jobs = (JSON.parse(listed.stdout) as { jobs: Record<string, unknown>[] }).jobs;
    expect(jobs.find((job) => job.id === gone)).toMatchObject({ kind: 'tally', status: 'done', state: 'counted', file: join(example, 'sample.txt'), words: 15, distinct: 10 });
    expect(jobs.find((job) => job.id === kept)).toMatchObject({ kind: 'tally', state: 'counted' });
    const text = await holdfast(['jobs', '--store', store]);
    expect(text.stdout).toContain(`${gone}  tally  done/counted`);
    expect(text.stdout).toContain('sample.txt: 15 words, 10 distinct');

    const shown = await holdfast(['job', gone, '--store', store, '--json']);
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as { top: unknown[] }).top[0]).toEqual({ word: 'the', count: 4 });

    const words = (job: string) => readStore(store, (reader) => [...reader.scanRecords('tally.words', [job])].length);
    expect(await words(gone)).toBe(10);
    const keptWords = await words(kept);
    const deleted = await holdfast(['delete', gone, '--store', store, '--json']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ id: gone, done: 'delete', records: 10, actors: 1 });
    expect(await words(gone)).toBe(0);
    expect(await words(kept)).toBe(keptWords);
    const after = await holdfast(['jobs', '--store', store, '--json']);
    expect((JSON.parse(after.stdout) as { jobs: { id: string }[] }).jobs.map((job) => job.id)).toEqual([kept]);
  }, 120_000);

  it("answers the kind's own inspector request through holdfast serve, and refuses its bad input", async () => {
    const store = join(tempFolder('holdfast-custom-kind-serve-'), 'store');
    const job = await startTally(store, 'sample.txt');
    const serve = holdfastChild(['serve', '--port', '0', '--store', store, '--json'], example);
    let started: { url: string; port: number } | undefined;
    for (let waited = 0; !started && waited < 60_000; waited += 50) {
      const line = serve.output().split('\n').find((text) => text.includes('"serve.started"'));
      if (line) started = JSON.parse(line) as { url: string; port: number };
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(started, serve.output()).toBeDefined();
    const token = new URL(started!.url).searchParams.get('token')!;
    const client = await TestClient.connect(`ws://127.0.0.1:${started!.port}/ws?token=${encodeURIComponent(token)}`);
    try {
      expect(await client.request({ type: 'tallyWords', id: job, limit: 1 } as never)).toMatchObject({ type: 'tallyWords', id: job, words: [{ word: 'the', count: 4 }] });
      expect(await client.request({ type: 'tallyWords', id: job, limit: 51 } as never)).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
    } finally {
      client.close();
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  }, 120_000);
});
