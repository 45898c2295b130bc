/**
 * A store that cannot be read safely is refused, never misread or recreated
 * (issue 2, RELIABILITY.md): a newer format, a corrupt environment.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { createRuntime, openLmdbStore, STORE_FORMAT_VERSION } from '../../../src/index.js';
import { encodeRecord } from '../../../src/persistence/record-codec.js';
import { counter } from '../../fixtures/machines.js';
import { tempFolder } from '../../helpers/temp-store.js';

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A closed store folder holding one counter actor, `precious`. */
async function storeWithOneActor(): Promise<string> {
  const folder = join(tempFolder(), 'store');
  const runtime = await createRuntime({ store: folder, machines: [counter] });
  await runtime.spawn('counter', {}, { id: 'precious' });
  await runtime.close();
  return folder;
}

/** Ways a data.mdb gets damaged; each must be refused (lmdb-js itself would segfault on them). */
const damages: [string, (file: Buffer) => Buffer][] = [
  ['garbage written over the whole file', (file) => Buffer.from(file.map((_, i) => (i * 7919 + 13) & 0xff))],
  ['a few bytes of junk in place of the file', () => Buffer.from('not an lmdb environment, just junk')],
  ['the first meta page zeroed', (file) => Buffer.from(file).fill(0, 0, 4096)],
  ['the second meta page overwritten', (file) => Buffer.from(file).fill(7, 4096, 8192)],
  ['the file cut after its first page', (file) => Buffer.from(file.subarray(0, 4096))],
  ['no bytes at all', () => Buffer.alloc(0)],
  ['the file cut short of its last page, a tree root', (file) => Buffer.from(file.subarray(0, file.length - 4096))],
];

describe('opening a store', () => {
  it('stamps a new store with the current format', async () => {
    const store = openLmdbStore(join(tempFolder(), 'store'));
    expect(store.getMeta('format')).toBe(STORE_FORMAT_VERSION);
    await store.close();
  });

  it('refuses a store written by a newer format with STORE_FORMAT_TOO_NEW, rewriting nothing and releasing its lock', async () => {
    const folder = await storeWithOneActor();
    const store = openLmdbStore(folder);
    await store.putMeta('format', 99);
    await store.close();

    await expect(createRuntime({ store: folder, machines: [counter] })).rejects.toMatchObject({
      code: 'STORE_FORMAT_TOO_NEW',
      details: { format: 99, supported: STORE_FORMAT_VERSION },
    });
    expect(() => openLmdbStore(folder, { readOnly: true })).toThrow(/STORE_FORMAT_TOO_NEW.*format 99/);
    expect(existsSync(join(folder, 'owner.lock'))).toBe(false);

    // Nothing was rewritten: with the format set back, the actor reads as before.
    const root = open<Buffer, string[]>({ path: join(folder, 'data.mdb'), encoding: 'binary', maxDbs: 12, compression: false });
    await root.openDB<Buffer, string[]>({ name: 'meta', encoding: 'binary', compression: false }).put(['format'], encodeRecord(STORE_FORMAT_VERSION));
    await root.close();
    const reopened = openLmdbStore(folder, { readOnly: true });
    expect(reopened.getActor('precious' as never)?.machine).toBe('counter');
    await reopened.close();
  });

  for (const [damage, apply] of damages) {
    it(`refuses an environment with ${damage} with STORE_CORRUPT, and leaves the file as it was`, async () => {
      const folder = await storeWithOneActor();
      const dataFile = join(folder, 'data.mdb');
      writeFileSync(dataFile, apply(readFileSync(dataFile)));
      const size = statSync(dataFile).size;
      const before = digest(dataFile);

      await expect(createRuntime({ store: folder, machines: [counter] })).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
      expect(() => openLmdbStore(folder)).toThrow(/STORE_CORRUPT.*left as it is/);
      expect(() => openLmdbStore(folder, { readOnly: true })).toThrow(/STORE_CORRUPT/);
      expect(statSync(dataFile).size).toBe(size);
      expect(digest(dataFile)).toBe(before);
      expect(existsSync(join(folder, 'owner.lock'))).toBe(false);
    });
  }
});
