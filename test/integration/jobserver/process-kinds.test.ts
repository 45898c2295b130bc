/** Each process kind and each data kind, end to end over a real store: the job record, its output, its failures. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROCESS_GROUPS } from '../../../src/machines/process-job.types.js';
import { ada, admin, openFixture, script, waitDead, type Fixture } from './job-server-fixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const sum = Object.assign((data: unknown, parameters: Record<string, unknown>) => ({ data, factor: parameters.factor }), { version: '2.1.0' });

describe('process jobs', () => {
  it('runs a function on raw, stored and data-file data and records hashes, version and times', async () => {
    fixture = await openFixture({ functions: { sum }, datatypes: { numbers: (value) => (value as number[]).map((n) => n * 10) } });
    writeFileSync(join(fixture.dataDir, 'table.json'), '{"rows":[1,2]}');
    writeFileSync(join(fixture.dataDir, 'notes.txt'), 'plain text');
    const stored = await fixture.server.storedData.put(ada, { datatype: 'numbers', value: [1, 2, 3] });
    const job = await fixture.server.submit(ada, {
      process: { kind: 'function', name: 'sum' },
      data: [{ kind: 'raw', value: { b: 1, a: 2 } }, { kind: 'stored', id: stored.id }, { kind: 'datafile', name: 'table.json' }, { kind: 'datafile', name: 'notes.txt' }],
      parameters: { factor: 3 },
    });
    expect(job).toMatchObject({ owner: 'ada', process: { kind: 'function', name: 'sum', version: '2.1.0', idempotent: false } });
    expect(await fixture.settled(job.id)).toBe('succeeded');
    const done = (await fixture.server.get(ada, job.id));
    expect(done.data.map((d) => d.kind)).toEqual(['raw', 'stored', 'datafile', 'datafile']);
    expect(done.data.every((d) => /^[0-9a-f]{64}$/.test(d.sha256))).toBe(true);
    expect(done.data[2]).toEqual({ kind: 'datafile', ref: 'table.json', sha256: (await fixture.server.dataFiles.stat('table.json')).sha256 });
    expect(done.data[1]).toEqual({ kind: 'stored', ref: stored.id, sha256: stored.sha256 });
    expect(done.startedAt).toBeGreaterThanOrEqual(done.createdAt);
    expect(done.endedAt).toBeGreaterThanOrEqual(done.startedAt!);
    expect((await fixture.server.output(ada, job.id))).toEqual({ value: { data: [{ b: 1, a: 2 }, [10, 20, 30], { rows: [1, 2] }, 'plain text'], factor: 3 } });
  });

  it('hashes raw JSON independently of key order', async () => {
    fixture = await openFixture({ functions: { sum } });
    const a = await fixture.server.submit(ada, { process: { kind: 'function', name: 'sum' }, data: [{ kind: 'raw', value: { x: 1, y: [2] } }] });
    const b = await fixture.server.submit(ada, { process: { kind: 'function', name: 'sum' }, data: [{ kind: 'raw', value: { y: [2], x: 1 } }] });
    expect(a.data[0]!.sha256).toBe(b.data[0]!.sha256);
  });

  it('ends failed with PROCESS_FAILED when a function throws, and PROCESS_TIMEOUT when it outlives its timeout', async () => {
    fixture = await openFixture({
      functions: {
        boom: () => {
          throw new Error('no good');
        },
        slow: (_data, _parameters, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted'))),
      },
    });
    const boom = await fixture.server.submit(ada, { process: { kind: 'function', name: 'boom' } });
    const slow = await fixture.server.submit(ada, { process: { kind: 'function', name: 'slow' }, timeoutMs: 100 });
    expect(await fixture.settled(boom.id)).toBe('failed');
    expect((await fixture.server.get(ada, boom.id)).error).toEqual({ code: 'PROCESS_FAILED', message: 'function boom threw: no good' });
    expect(await fixture.settled(slow.id)).toBe('failed');
    expect((await fixture.server.get(ada, slow.id)).error?.code).toBe('PROCESS_TIMEOUT');
  });

  it('runs an executable with args, an allow-listed environment and the data on stdin', async () => {
    process.env.HOLDFAST_TEST_ALLOWED = 'yes';
    process.env.HOLDFAST_TEST_SECRET = 'secret';
    fixture = await openFixture({ allowEnv: ['HOLDFAST_TEST_ALLOWED'] });
    script(fixture.scriptsDir, 'echo.sh', '#!/bin/sh\necho "args: $1 $2"\necho "allowed=$HOLDFAST_TEST_ALLOWED secret=$HOLDFAST_TEST_SECRET"\ncat\necho oops >&2\n');
    const job = await fixture.server.submit(ada, { process: { kind: 'file', name: 'echo.sh', args: ['one', 'two words'] }, data: [{ kind: 'raw', value: [1] }], parameters: { p: true } });
    expect(job.process.version).toMatch(/^[0-9a-f]{64}$/);
    expect(await fixture.settled(job.id)).toBe('succeeded');
    expect((await fixture.server.output(ada, job.id))).toEqual({
      stdout: 'args: one two words\nallowed=yes secret=\n{"data":[[1]],"parameters":{"p":true}}',
      stderr: 'oops\n',
      stdoutTruncated: false,
      stderrTruncated: false,
    });
    const done = (await fixture.server.get(ada, job.id));
    expect(done.exit).toEqual({ code: 0, signal: null });
    expect(done.protections).toMatchObject({ environment: ['PATH', 'LANG', 'HOLDFAST_TEST_ALLOWED'], user: 'same' });
  });

  it('kills a hanging executable and its children at the timeout', async () => {
    fixture = await openFixture();
    script(fixture.scriptsDir, 'hang.sh', '#!/bin/sh\nsleep 60 &\necho $!\nsleep 60\n');
    const started = Date.now();
    const job = await fixture.server.submit(ada, { process: { kind: 'file', name: 'hang.sh' }, timeoutMs: 300 });
    // While it runs, its process group is registered under its job (what a killed owner's successor reaps).
    const groups = () => [...fixture!.store.scanRecords<{ jobId: string }>(PROCESS_GROUPS)].map(({ value }) => value.jobId);
    const deadline = Date.now() + 2_000;
    while (groups().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(groups()).toEqual([job.id]);
    expect(await fixture.settled(job.id)).toBe('failed');
    expect(Date.now() - started).toBeLessThan(5_000);
    const done = (await fixture.server.get(ada, job.id));
    expect(done.error?.code).toBe('PROCESS_TIMEOUT');
    expect(done.exit).toEqual({ code: null, signal: 'SIGKILL' });
    const grandchild = Number((await fixture.server.output(ada, job.id)).stdout!.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(await waitDead(grandchild), 'the background child died with its group').toBe(true);
  });

  it('cuts output over the limit and marks it truncated', async () => {
    fixture = await openFixture({ maxOutputBytes: 1000 });
    script(fixture.scriptsDir, 'flood.sh', '#!/bin/sh\nhead -c 200000 /dev/zero | tr "\\0" x\nhead -c 50 /dev/zero | tr "\\0" y >&2\n');
    const job = await fixture.server.submit(ada, { process: { kind: 'file', name: 'flood.sh' } });
    expect(await fixture.settled(job.id)).toBe('succeeded');
    const output = (await fixture.server.output(ada, job.id));
    expect(output.stdout).toBe('x'.repeat(1000));
    expect(output.stdoutTruncated).toBe(true);
    expect(output.stderr).toBe('y'.repeat(50));
    expect(output.stderrTruncated).toBe(false);
  });

  it('ends failed with the exit code and stderr when an executable fails', async () => {
    fixture = await openFixture();
    script(fixture.scriptsDir, 'fail.sh', '#!/bin/sh\necho "bad input" >&2\nexit 3\n');
    const job = await fixture.server.submit(ada, { process: { kind: 'file', name: 'fail.sh' } });
    expect(await fixture.settled(job.id)).toBe('failed');
    const done = (await fixture.server.get(ada, job.id));
    expect(done.exit).toEqual({ code: 3, signal: null });
    expect(done.error).toEqual({ code: 'PROCESS_FAILED', message: 'script fail.sh exited with code 3: bad input' });
    expect((await fixture.server.output(ada, job.id)).stderr).toBe('bad input\n');
  });

  it('runs eval for a superuser and refuses it to anyone else', async () => {
    fixture = await openFixture();
    await expect(fixture.server.submit(ada, { process: { kind: 'eval', source: 'return 1' } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await fixture.server.list(admin))).toEqual([]);
    const job = await fixture.server.submit(admin, { process: { kind: 'eval', source: 'console.log("note"); return data[0] * parameters.k' }, data: [{ kind: 'raw', value: 6 }], parameters: { k: 7 } });
    expect(await fixture.settled(job.id)).toBe('succeeded');
    expect((await fixture.server.output(admin, job.id))).toMatchObject({ value: 42, stderr: 'note\n' });
    const done = (await fixture.server.get(admin, job.id));
    expect(done.process.version).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(done)).not.toContain('console.log');
    expect(done.protections).toMatchObject({ permissionModel: true, environment: 'empty' });
  });
});
