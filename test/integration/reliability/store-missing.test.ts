/**
 * A folder with no store is STORE_MISSING for read-only commands, which never
 * create one; a folder holding holdfast's other files but no data.mdb is
 * STORE_CORRUPT for everyone, never a new store in the old one's place (issue 16, item 2).
 */
import { mkdirSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore } from '../../../src/index.js';
import { counter } from '../../fixtures/machines.js';
import { runCli } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const READ_ONLY = [['jobs'], ['job', 'some-id'], ['batches', 'some-job'], ['exceptions', 'some-job'], ['user', 'list']];

describe('a folder with no store', () => {
  it('is STORE_MISSING (exit 2) for every read-only command, and stays empty', async () => {
    const folder = join(tempFolder(), 'empty');
    mkdirSync(folder);
    for (const command of READ_ONLY) {
      const ran = await runCli([...command, '--store', folder]);
      expect(ran.code, command.join(' ')).toBe(2);
      expect(ran.stderr).toContain(`[STORE_MISSING] no store at ${folder}; use --store`);
    }
    expect(readdirSync(folder)).toEqual([]);
    const absent = join(tempFolder(), 'absent');
    expect((await runCli(['jobs', '--store', absent])).code).toBe(2);
    expect(existsSync(absent)).toBe(false);
    expect(() => openLmdbStore(absent, { readOnly: true })).toThrow(/STORE_MISSING/);
  });

  it('holding holdfast\'s other files but no data.mdb is STORE_CORRUPT for readers and owners, and nothing is created', async () => {
    const store = join(tempFolder(), 'store');
    const runtime = await createRuntime({ store, machines: [counter] });
    await runtime.spawn('counter', {}, { id: 'precious' });
    await runtime.close();
    rmSync(join(store, 'data.mdb'));
    expect(readdirSync(store)).toEqual(['data.mdb-lock']);

    const ran = await runCli(['jobs', '--store', store]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`[STORE_CORRUPT] store ${store} has no data.mdb but holds data.mdb-lock`);
    await expect(createRuntime({ store, machines: [counter] })).rejects.toMatchObject({ code: 'STORE_CORRUPT', details: { path: store, found: ['data.mdb-lock'] } });
    expect((await runCli(['user', 'add', 'ada', '--store', store])).code).toBe(1);
    expect(readdirSync(store)).toEqual(['data.mdb-lock']);
  });
});
