import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defineTasks } from '../../../src/adapters/tasks/task-registry.js';
import { describeTaskJob } from '../../../src/adapters/tasks/task-worker.js';
import { runCli, withStore } from '../../helpers/dataload.js';
import { startWorkload, waitForOutput } from '../../helpers/processes.js';
import { openTaskRuntime, person, settled } from '../../helpers/tasks/task-runtime.js';
import { tempFolder } from '../../helpers/temp-store.js';

const payloadFile = async (folder: string, payload: unknown) => {
  const path = join(folder, 'payload.json');
  await writeFile(path, JSON.stringify(payload));
  return path;
};

/** Runs the CLI with `input` on stdin. */
async function withStdin<T>(input: string | Buffer, run: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(input)], { objectMode: false }), configurable: true });
  try {
    return await run();
  } finally {
    Object.defineProperty(process, 'stdin', original);
  }
}

describe('holdfast archive add', () => {
  it('prints the SHA-1 of one file, and of each of several with --json', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    await writeFile(join(folder, 'a.txt'), 'alpha');
    await writeFile(join(folder, 'b.txt'), 'beta');
    const one = await runCli(['archive', 'add', join(folder, 'a.txt'), '--store', store]);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(`${createHash('sha1').update('alpha').digest('hex')}\n`);
    const many = await runCli(['archive', 'add', join(folder, 'a.txt'), join(folder, 'b.txt'), '--store', store, '--json']);
    expect(many.json).toEqual({
      archive: join(store, 'archive'),
      files: [
        { path: join(folder, 'a.txt'), contentHash: createHash('sha1').update('alpha').digest('hex') },
        { path: join(folder, 'b.txt'), contentHash: createHash('sha1').update('beta').digest('hex') },
      ],
    });
  });

  it('exits 2 for a file that does not exist', async () => {
    const folder = tempFolder();
    const run = await runCli(['archive', 'add', join(folder, 'nope.txt'), '--store', join(folder, 'store')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nope\.txt: .*does not exist/);
  });
});

describe('holdfast defer', () => {
  it('defers a dataset job from a payload file; it waits queued until a worker for its queue opens the store', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const payload = await payloadFile(folder, { entities: [person('p1'), person('p2')], context: { origin: 'cli' } });
    const run = await runCli(['defer', 'index', 'aleph.tasks.index_proxy', '--payload', payload, '--dataset', 'leaks', '--id', 'from-cli', '--store', store, '--json']);
    expect(run.code).toBe(0);
    expect(run.json).toEqual({ id: 'from-cli', queue: 'index', task: 'aleph.tasks.index_proxy', dataset: 'leaks', entities: 2, state: 'queued' });

    let received: unknown;
    const worker = await openTaskRuntime(folder, { tasks: defineTasks({ 'aleph.tasks.index_proxy': (job) => void (received = job) }), queues: { index: 1 } });
    try {
      expect(describeTaskJob(await settled(worker.runtime, 'from-cli'))).toMatchObject({ state: 'succeeded', dataset: 'leaks', entities: 2 });
      expect(received).toEqual({ dataset: 'leaks', queue: 'index', task: 'aleph.tasks.index_proxy', payload: { entities: [person('p1'), person('p2')], context: { origin: 'cli' } } });
    } finally {
      await worker.close();
    }
  });

  it('reads the payload of a plain job from stdin with --payload -', async () => {
    const folder = tempFolder();
    const run = await withStdin(JSON.stringify({ olderThanDays: 30 }), () => runCli(['defer', 'default', 'admin.cleanup', '--payload', '-', '--store', join(folder, 'store'), '--json']));
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ queue: 'default', task: 'admin.cleanup', state: 'queued' });
    const id = (run.json as { id: string }).id;
    const record = await withStore(join(folder, 'store'), (store) => store.getActor(id as never));
    expect(record?.snapshot?.context).toMatchObject({ job: { queue: 'default', task: 'admin.cleanup', payload: { olderThanDays: 30 } }, stage: 1 });
  });

  it('refuses an invalid payload field by field with exit 2, deferring nothing', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const payload = await payloadFile(folder, { entities: [{ id: 'p1', schema: 'person', properties: { name: 'Ada' } }], extra: true });
    const run = await runCli(['defer', 'index', 'aleph.tasks.index_proxy', '--payload', payload, '--dataset', 'leaks', '--store', store]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      'holdfast: [INVALID_INPUT] the job is invalid (3 problems):',
      '  payload.entities[0].schema: schema is a FollowTheMoney schema name such as `Person` or `Document`',
      '  payload.entities[0].properties.name: a property holds a list of strings',
      '  payload: Unrecognized key: "extra"',
      '',
    ]);
    const notJson = join(folder, 'broken.json');
    await writeFile(notJson, '{ entities: ');
    expect((await runCli(['defer', 'q', 'svc.t', '--payload', notJson, '--store', store])).code).toBe(2);
    expect((await runCli(['defer', 'q', 'svc.t', '--payload', join(folder, 'absent.json'), '--store', store])).code).toBe(2);
    expect((await runCli(['defer', 'bad queue', 'svc.t', '--payload', payload, '--store', store])).code).toBe(2);
  });

  it('refuses a payload of invalid UTF-8, from a file or stdin, with exit 2 and nothing deferred (issue 17)', async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const latin1 = join(folder, 'latin1.json');
    await writeFile(latin1, Buffer.concat([Buffer.from('{"name":"M'), Buffer.from([0xfc]), Buffer.from('nchen"}')]));
    const fromFile = await runCli(['defer', 'default', 'admin.cleanup', '--payload', latin1, '--store', store]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toMatch(/INVALID_INPUT.*--payload .*latin1.json: not valid UTF-8 text \(byte 10\)/);
    const fromStdin = await withStdin(Buffer.from('7b226e616d65223a224dfc6e6368656e227d', 'hex'), () => runCli(['defer', 'default', 'admin.cleanup', '--payload', '-', '--store', store]));
    expect(fromStdin.code).toBe(2);
    expect(fromStdin.stderr).toMatch(/INVALID_INPUT.*--payload -: not valid UTF-8 text \(byte 10\)/);
    expect(await withStore(store, (opened) => [...opened.queryActors({ machine: 'taskJob' })]).catch(() => [])).toEqual([]);
  });

  it("hands the job to the store's owner over its socket when one runs", async () => {
    const folder = tempFolder();
    const store = join(folder, 'store');
    const owner = startWorkload('owner', [store]);
    try {
      expect(await waitForOutput(owner, 'READY')).toBe(true);
      const payload = await payloadFile(folder, { entities: [person('p1')] });
      const run = await runCli(['defer', 'ingest', 'ingestors.tasks.ingest', '--payload', payload, '--dataset', 'leaks', '--id', 'via-owner', '--store', store, '--json']);
      expect(run.code).toBe(0);
      expect(run.json).toMatchObject({ id: 'via-owner', state: 'handed to the owner', owner: owner.child.pid });
      const record = await withStore(store, (readOnly) => readOnly.getActor('via-owner' as never));
      expect(record).toMatchObject({ machine: 'taskJob', status: 'active', state: 'queued' });
    } finally {
      owner.child.kill('SIGTERM');
      await owner.exited;
    }
  });
});
