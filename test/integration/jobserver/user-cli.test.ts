/** `holdfast user add` prints a token once and keeps only its hash; `user list` never shows tokens. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../src/index.js';
import { hashToken, openUsers, USERS } from '../../../src/adapters/jobserver/users.js';
import { runCli } from '../../helpers/dataload.js';
import { startWorkload, waitForOutput } from '../../helpers/processes.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('holdfast user', () => {
  it('adds users with limits, prints the token once, and lists them without tokens', async () => {
    const store = join(tempFolder(), 'store');
    const added = await runCli(['user', 'add', 'ada', '--max-running', '2', '--max-total', '10', '--store', store, '--json']);
    expect(added.code).toBe(0);
    expect(added.json).toMatchObject({ name: 'ada', superuser: false, maxRunning: 2, maxTotal: 10, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const token = (added.json as { token: string }).token;
    const root = await runCli(['user', 'add', 'root', '--superuser', '--store', store]);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/added user root \(superuser\)\ntoken \(shown once, keep it\): [A-Za-z0-9_-]{43}\n/);

    const listed = await runCli(['user', 'list', '--store', store, '--json']);
    expect(listed.json).toEqual({ users: [{ name: 'ada', superuser: false, maxRunning: 2, maxTotal: 10 }, { name: 'root', superuser: true }] });
    expect(listed.stdout).not.toContain(token);

    const opened = openLmdbStore(store, { readOnly: true });
    try {
      expect(opened.getRecord<{ tokenHash: string }>(USERS, 'ada')!.tokenHash).toBe(hashToken(token));
      const users = openUsers({ get: (c, k) => opened.getRecord(c, k) as never, scan: (c, p) => [...opened.scanRecords(c, p)] as never, put: async () => {} });
      expect(await users.authenticate(token)).toEqual({ user: 'ada', superuser: false });
    } finally {
      await opened.close();
    }
  });

  it('refuses a duplicate, a bad name and a bad limit with exit 2', async () => {
    const store = join(tempFolder(), 'store');
    expect((await runCli(['user', 'add', 'ada', '--store', store])).code).toBe(0);
    const duplicate = await runCli(['user', 'add', 'ada', '--store', store]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('[INVALID_INPUT] user ada exists already');
    expect((await runCli(['user', 'add', '../x', '--store', store])).code).toBe(2);
    const limit = await runCli(['user', 'add', 'bob', '--max-running', '0', '--store', store]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--max-running must be a positive integer');
  });

  it('asks a running owner to add the user over its socket', async () => {
    const store = join(tempFolder(), 'store');
    const owner = startWorkload('owner', [store]);
    try {
      expect(await waitForOutput(owner, 'READY')).toBe(true);
      const added = await runCli(['user', 'add', 'carol', '--superuser', '--store', store, '--json']);
      expect(added.code).toBe(0);
      expect(added.json).toMatchObject({ name: 'carol', superuser: true });
      const listed = await runCli(['user', 'list', '--store', store, '--json']);
      expect(listed.json).toEqual({ users: [{ name: 'carol', superuser: true }] });
    } finally {
      owner.child.kill('SIGTERM');
      await owner.exited;
    }
  });
});
