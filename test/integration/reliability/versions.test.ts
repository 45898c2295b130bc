/**
 * A changed machine version continues old actors whose states still exist,
 * and records the version each actor now runs under (DESIGN.md, contract 6).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore } from '../../../src/index.js';
import { verifyStore } from '../../../src/testing/index.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { documentV1, documentWithArchive } from './machines.js';

describe('a changed machine version', () => {
  it('continues old actors whose states still exist and records the new version on their next step', async () => {
    const store = join(tempFolder(), 'store');
    let runtime = await createRuntime({ store, machines: [documentV1] });
    await runtime.spawn('document', {}, { id: 'drafted' });
    await runtime.send('drafted', { type: 'edit' });
    await runtime.spawn('document', {}, { id: 'reviewed' });
    await runtime.send('reviewed', { type: 'next' });
    await runtime.close();

    runtime = await createRuntime({ store, machines: [documentWithArchive] });
    await runtime.whenIdle(5_000);
    expect(await runtime.query({ status: 'parked' })).toEqual([]);
    await runtime.send('drafted', { type: 'edit' });
    expect(await runtime.get('drafted')).toMatchObject({ version: '3', state: 'drafting', status: 'active', snapshot: { context: { edits: 2 } } });
    await runtime.send('reviewed', { type: 'next' });
    // `published` is final in v1 but not in v3: the actor follows the machine it now runs under.
    expect(await runtime.get('reviewed')).toMatchObject({ version: '3', state: 'published', status: 'active' });
    await runtime.send('reviewed', { type: 'archive' });
    expect(await runtime.get('reviewed')).toMatchObject({ version: '3', state: 'archived', status: 'done' });
    await runtime.close();

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      expect((await verifyStore(readOnly)).violations).toEqual([]);
      expect(readOnly.getActor('drafted' as never)?.version).toBe('3');
    } finally {
      await readOnly.close();
    }
  });
});
