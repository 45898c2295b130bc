/** Users, tokens, per-user limits, who sees and changes which job, cancel, and hostile requests refused whole. */
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken, USERS } from '../../../src/adapters/jobserver/users.js';
import { existsSync, readFileSync } from 'node:fs';
import { ada, admin, bob, openFixture, script, waitDead, type Fixture } from './job-server-fixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A function that waits until released (or aborted). */
function gate() {
  const waiting: (() => void)[] = [];
  let released = false;
  return {
    fn: (_data: unknown, _parameters: Record<string, unknown>, { signal }: { signal: AbortSignal }) =>
      new Promise((resolve) => {
        if (released) return resolve('released');
        waiting.push(() => resolve('released'));
        signal.addEventListener('abort', () => resolve('aborted'));
      }),
    /** Lets every waiting and every later call return. */
    release: () => {
      released = true;
      waiting.splice(0).forEach((open) => open());
    },
  };
}

describe('job server users', () => {
  it('keeps only the sha256 of a token and authenticates it, refusing wrong ones', async () => {
    fixture = await openFixture();
    const { token } = await fixture.server.users.add('ada', { maxRunning: 2 });
    await fixture.server.users.add('root', { superuser: true });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const record = (await fixture.runtime.records.get<{ tokenHash: string }>(USERS, 'ada'))!;
    expect(record.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify((await fixture.runtime.records.scan(USERS)))).not.toContain(token);
    expect((await fixture.server.users.authenticate(token))).toEqual({ user: 'ada', superuser: false });
    for (const wrong of ['', token.slice(0, -1), `${token}x`, 'x'.repeat(10_000), token.toUpperCase()]) expect((await fixture.server.users.authenticate(wrong))).toBeUndefined();
    expect((await fixture.server.users.list())).toEqual([
      { name: 'ada', superuser: false, maxRunning: 2 },
      { name: 'root', superuser: true },
    ]);
  });

  it('refuses bad names, duplicates and bad limits', async () => {
    fixture = await openFixture();
    await fixture.server.users.add('ada');
    await expect(fixture.server.users.add('ada')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('exists already') });
    for (const name of ['', '../x', 'a b', '-x', 'x'.repeat(65), 'é']) await expect(fixture.server.users.add(name)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // The serve tokens act as these two: a user of the same name would own their jobs and files.
    for (const name of ['admin', 'readonly']) await expect(fixture.server.users.add(name)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('reserved') });
    await expect(fixture.server.users.add('bob', { maxRunning: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('maxRunning') });
    await expect(fixture.server.users.add('bob', { maxTotal: 1.5 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('maxTotal') });
  });
});

describe('per-user limits', () => {
  it('refuses a job past maxRunning with LIMIT_EXCEEDED naming the limit, and takes one again when a job ends', async () => {
    const wait = gate();
    fixture = await openFixture({ functions: { wait: wait.fn } });
    await fixture.server.users.add('ada', { maxRunning: 2 });
    const submit = () => fixture!.server.submit(ada, { process: { kind: 'function', name: 'wait' } });
    const [first] = await Promise.all([submit(), submit()]);
    const refused = await submit().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 'maxRunning', value: 2, current: 2 } });
    expect((refused as Error).message).toContain('maxRunning is 2');
    // Another user is not held back by ada's limit.
    await fixture.server.submit(bob, { process: { kind: 'function', name: 'wait' } });
    await fixture.server.cancel(ada, first!.id);
    expect((await fixture.server.get(ada, first!.id)).state).toBe('cancelled');
    await submit();
    wait.release();
  });

  it('holds maxRunning when many submissions race', async () => {
    const wait = gate();
    fixture = await openFixture({ functions: { wait: wait.fn } });
    await fixture.server.users.add('ada', { maxRunning: 3 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => fixture!.server.submit(ada, { process: { kind: 'function', name: 'wait' } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'LIMIT_EXCEEDED')).toBe(true);
    wait.release();
  });

  it('commits racing submissions together and still holds maxRunning exactly', async () => {
    const wait = gate();
    fixture = await openFixture({ functions: { wait: wait.fn } });
    await fixture.server.users.add('ada', { maxRunning: 10 });
    const newJobsPerCommit: number[] = [];
    const commit = fixture.store.commit.bind(fixture.store);
    fixture.store.commit = (mutations, durability) => {
      const spawned = mutations.filter((mutation) => mutation.op === 'putActor' && mutation.previous === undefined).length;
      if (spawned > 0) newJobsPerCommit.push(spawned);
      return commit(mutations, durability);
    };
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => fixture!.server.submit(ada, { process: { kind: 'function', name: 'wait' } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'LIMIT_EXCEEDED')).toBe(true);
    // Ten jobs, not ten transactions: the submissions did not wait for each other's commit.
    expect(newJobsPerCommit.reduce((sum, n) => sum + n, 0)).toBe(10);
    expect(newJobsPerCommit.length).toBeLessThanOrEqual(2);
    wait.release();
  });

  it('refuses a job past maxTotal, counting finished jobs too', async () => {
    fixture = await openFixture({ functions: { one: () => 1 } });
    await fixture.server.users.add('ada', { maxTotal: 2 });
    for (let i = 0; i < 2; i++) {
      const job = await fixture.server.submit(ada, { process: { kind: 'function', name: 'one' } });
      expect(await fixture.settled(job.id)).toBe('succeeded');
    }
    await expect(fixture.server.submit(ada, { process: { kind: 'function', name: 'one' } })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 'maxTotal' } });
    expect((await fixture.server.list(ada))).toHaveLength(2);
  });
});

describe('ownership', () => {
  it('shows a user only their own jobs and a superuser all; only the owner or a superuser cancels', async () => {
    const wait = gate();
    fixture = await openFixture({ functions: { wait: wait.fn } });
    const adas = await fixture.server.submit(ada, { process: { kind: 'function', name: 'wait' } });
    const bobs = await fixture.server.submit(bob, { process: { kind: 'function', name: 'wait' } });
    expect((await fixture.server.list(ada)).map((job) => job.id)).toEqual([adas.id]);
    expect((await fixture.server.list(admin)).map((job) => job.id).sort()).toEqual([adas.id, bobs.id].sort());
    await expect(fixture!.server.get(ada, bobs.id)).rejects.toThrow(/ACTOR_NOT_FOUND/);
    await expect(fixture!.server.output(ada, bobs.id)).rejects.toThrow(/ACTOR_NOT_FOUND/);
    await expect(fixture.server.cancel(ada, bobs.id)).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    expect((await fixture.server.cancel(admin, bobs.id)).state).toBe('cancelled');
    expect((await fixture.server.list(admin, { state: 'cancelled' })).map((job) => job.id)).toEqual([bobs.id]);
    wait.release();
    expect(await fixture.settled(adas.id)).toBe('succeeded');
    // Cancelling a finished job changes nothing.
    expect((await fixture.server.cancel(ada, adas.id)).state).toBe('succeeded');
  });

  it('cancels a running executable by killing its process group', async () => {
    fixture = await openFixture();
    script(fixture.scriptsDir, 'forever.sh', '#!/bin/sh\nsleep 60 &\necho $! > "$1"\nwait\n');
    const pidFile = `${fixture.folder}/pid`;
    const job = await fixture.server.submit(ada, { process: { kind: 'file', name: 'forever.sh', args: [pidFile] } });
    await fixture.runtime.waitFor(job.id, (record) => record.state === 'running');
    const deadline = Date.now() + 5_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('the script did not start');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    expect((await fixture.server.cancel(ada, job.id)).state).toBe('cancelled');
    expect(await waitDead(grandchild), 'the process group was killed').toBe(true);
  });
});

describe('hostile submissions', () => {
  it('refuses malformed and unknown requests whole, naming the problem, and spawns nothing', async () => {
    fixture = await openFixture({ functions: { one: () => 1 }, datatypes: { t: (v) => v } });
    const cases: [unknown, string, RegExp][] = [
      [null, 'INVALID_INPUT', /invalid process job/],
      ['{"process":1}', 'INVALID_INPUT', /invalid process job/],
      [{ process: { kind: 'shell', name: 'x' } }, 'INVALID_INPUT', /kind is 'function', 'file' or 'eval'/],
      [{ process: { kind: 'function', name: 'one' }, extra: true }, 'INVALID_INPUT', /Unrecognized key/],
      [{ process: { kind: 'function', name: 'one' }, timeoutMs: -1 }, 'INVALID_INPUT', /timeoutMs/],
      [{ process: { kind: 'function', name: 'one' }, parameters: [] }, 'INVALID_INPUT', /parameters must be an object/],
      [{ process: { kind: 'function', name: 'missing' } }, 'INVALID_INPUT', /no function named "missing" is registered \(registered: one\)/],
      [{ process: { kind: 'function', name: '__proto__' } }, 'INVALID_INPUT', /no function named/],
      [{ process: { kind: 'file', name: '../../bin/sh' } }, 'INVALID_INPUT', /script name/],
      [{ process: { kind: 'file', name: 'absent.sh' } }, 'INVALID_INPUT', /no script named/],
      [{ process: { kind: 'function', name: 'one' }, data: [{ kind: 'datafile', name: 'absent.json' }] }, 'DATA_NOT_FOUND', /no data file named/],
      [{ process: { kind: 'function', name: 'one' }, data: [{ kind: 'datafile', name: '../store/data.mdb' }] }, 'INVALID_INPUT', /refused data file name/],
      [{ process: { kind: 'function', name: 'one' }, data: [{ kind: 'stored', id: 'sd-nope' }] }, 'DATA_NOT_FOUND', /no stored data/],
      [{ process: { kind: 'function', name: 'one' }, data: [{ kind: 'raw', value: 'x'.repeat(5_000_000) }] }, 'PAYLOAD_TOO_LARGE', /limit/],
      [{ process: { kind: 'function', name: 'one' }, data: Array.from({ length: 101 }, () => ({ kind: 'raw', value: 1 })) }, 'INVALID_INPUT', /at most 100/],
    ];
    for (const [body, code, message] of cases) {
      const error = await fixture.server.submit(ada, body).catch((e: unknown) => e);
      expect(error, JSON.stringify(body).slice(0, 100)).toMatchObject({ code });
      expect((error as Error).message, JSON.stringify(body).slice(0, 100)).toMatch(message);
    }
    expect((await fixture.server.list(admin))).toEqual([]);
    await expect(fixture.server.storedData.put(ada, { datatype: 'unknown', value: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('registered: t') });
    await expect(fixture.server.storedData.put(ada, { datatype: 't' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await fixture.server.storedData.list(admin))).toEqual([]);
  });

  it('keeps stored data owned: only the owner or a superuser reads, uses or deletes it (issue 17)', async () => {
    fixture = await openFixture({ datatypes: { t: (v) => v }, functions: { one: () => 1 } });
    const stored = await fixture.server.storedData.put(ada, { datatype: 't', value: { a: 1 } });
    expect((await fixture.server.storedData.get(ada, stored.id))).toEqual({ ...stored, value: { a: 1 } });
    expect((await fixture.server.storedData.get(admin, stored.id))).toEqual({ ...stored, value: { a: 1 } });
    await expect(fixture!.server.storedData.get(bob, stored.id)).rejects.toThrow(/DATA_NOT_FOUND/);
    expect((await fixture.server.storedData.list(bob))).toEqual([]);
    expect((await fixture.server.storedData.list(ada))).toEqual([stored]);
    expect((await fixture.server.storedData.list(admin))).toEqual([stored]);
    // Nor can bob have a job read it for him.
    await expect(fixture.server.submit(bob, { process: { kind: 'function', name: 'one' }, data: [{ kind: 'stored', id: stored.id }] })).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
    await expect(fixture.server.storedData.remove(bob, stored.id)).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
    await fixture.server.storedData.remove(admin, stored.id);
    await expect(fixture!.server.storedData.get(ada, stored.id)).rejects.toThrow(/DATA_NOT_FOUND/);
  });
});
