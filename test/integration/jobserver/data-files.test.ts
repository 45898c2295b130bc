/** The data folder under hostile names, links and sizes: nothing outside it is read, written or deleted. */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { dataFileNameProblem } from '../../../src/adapters/jobserver/data-file-name.js';
import { ada, admin, bob, openFixture, type Fixture } from './job-server-fixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const body = (content: string | Buffer) => Readable.from([Buffer.from(content)]);
const sha256 = (content: string) => createHash('sha256').update(content).digest('hex');

/** Every spelling of "leave the folder" a caller might pass through, decoded or not. */
const HOSTILE = [
  '../secret.json',
  '../../etc/passwd',
  '..',
  '.',
  '',
  '/etc/passwd',
  '/tmp/x.json',
  'sub/../../secret.json',
  'a/b.json',
  '..\\secret.json',
  'a\\..\\..\\secret.json',
  'ok.json\0.txt',
  '\0',
  '%2e%2e%2fsecret.json',
  '%2e%2e/secret.json',
  '..%2fsecret.json',
  '..%5csecret.json',
  '%252e%252e%252fsecret.json',
  '%00.json',
  '.hidden.json',
  '.upload-0123.json',
  'line\nbreak.json',
  ' spaced.json',
  'cafe\u0301.json',
  `${'x'.repeat(300)}.json`,
  'no-extension',
  'script.sh',
  'SECRET.JSON/..',
];

describe('data files', () => {
  it('uploads atomically, lists with metadata, reads and deletes', async () => {
    fixture = await openFixture();
    const info = await fixture.server.dataFiles.write(ada, 'table.csv', body('a,b\n1,2\n'));
    expect(info).toMatchObject({ name: 'table.csv', size: 8, sha256: sha256('a,b\n1,2\n'), owner: 'ada' });
    expect((await fixture.server.dataFiles.list())).toEqual([info]);
    expect(await text(fixture.server.dataFiles.read('table.csv'))).toBe('a,b\n1,2\n');
    expect(readdirSync(fixture.dataDir)).toEqual(['table.csv']);
    await fixture.server.dataFiles.remove(ada, 'table.csv');
    expect((await fixture.server.dataFiles.list())).toEqual([]);
    await expect(fixture!.server.dataFiles.stat('table.csv')).rejects.toThrow(/DATA_NOT_FOUND/);
  });

  it('refuses every traversal spelling on read, stat, upload and delete, touching nothing outside', async () => {
    fixture = await openFixture();
    writeFileSync(join(fixture.folder, 'secret.json'), '{"secret":true}');
    const outside = readdirSync(fixture.folder).sort();
    for (const name of HOSTILE) {
      await expect(fixture!.server.dataFiles.stat(name), JSON.stringify(name)).rejects.toThrow(/INVALID_INPUT/);
      expect(() => fixture!.server.dataFiles.read(name), JSON.stringify(name)).toThrow(/INVALID_INPUT/);
      await expect(fixture.server.dataFiles.write(admin, name, body('{"overwritten":true}')), JSON.stringify(name)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(fixture.server.dataFiles.remove(admin, name), JSON.stringify(name)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(readFileSync(join(fixture.folder, 'secret.json'), 'utf8')).toBe('{"secret":true}');
    expect(readdirSync(fixture.folder).sort()).toEqual(outside);
    expect(readdirSync(fixture.dataDir)).toEqual([]);
  });

  it('refuses symbolic links in the folder, to files inside or out, and lists none', async () => {
    fixture = await openFixture();
    writeFileSync(join(fixture.folder, 'secret.json'), '{"secret":true}');
    writeFileSync(join(fixture.dataDir, 'real.json'), '{}');
    symlinkSync(join(fixture.folder, 'secret.json'), join(fixture.dataDir, 'out.json'));
    symlinkSync(join(fixture.dataDir, 'real.json'), join(fixture.dataDir, 'in.json'));
    symlinkSync('/nonexistent', join(fixture.dataDir, 'dangling.json'));
    mkdirSync(join(fixture.dataDir, 'folder.json'));
    for (const name of ['out.json', 'in.json', 'dangling.json', 'folder.json']) {
      expect(() => fixture!.server.dataFiles.read(name), name).toThrow(/INVALID_INPUT/);
      await expect(fixture.server.dataFiles.write(admin, name, body('{"x":1}')), name).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(fixture.server.dataFiles.remove(admin, name), name).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect((await fixture.server.dataFiles.list()).map((file) => file.name)).toEqual(['real.json']);
    expect(readFileSync(join(fixture.folder, 'secret.json'), 'utf8')).toBe('{"secret":true}');
    await expect(fixture.server.submit(ada, { process: { kind: 'function', name: 'x' }, data: [{ kind: 'datafile', name: 'out.json' }] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses an upload over the limit while streaming, leaving no partial file', async () => {
    fixture = await openFixture({ maxUploadBytes: 64 * 1024 });
    let produced = 0;
    // An endless body: the upload must stop reading soon after the limit, not fill the disk.
    const endless = new Readable({
      read() {
        produced += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024, 120));
      },
    });
    await expect(fixture.server.dataFiles.write(ada, 'big.txt', endless)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(produced).toBeLessThan(1024 * 1024);
    expect(readdirSync(fixture.dataDir)).toEqual([]);
    expect(fixture.server.dataFiles.maxBytes).toBe(64 * 1024);
    // Exactly at the limit is fine.
    const info = await fixture.server.dataFiles.write(ada, 'fits.txt', body(Buffer.alloc(64 * 1024, 121)));
    expect(info.size).toBe(64 * 1024);
  });

  it('removes the temporary when the body fails midway and keeps the old content', async () => {
    fixture = await openFixture();
    await fixture.server.dataFiles.write(ada, 'keep.json', body('{"v":1}'));
    const failing = new Readable({
      read() {
        this.push(Buffer.from('{"v":'));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(fixture.server.dataFiles.write(ada, 'keep.json', failing)).rejects.toThrow(/connection reset/);
    expect(readdirSync(fixture.dataDir)).toEqual(['keep.json']);
    expect(readFileSync(join(fixture.dataDir, 'keep.json'), 'utf8')).toBe('{"v":1}');
  });

  it('lets only the owner or a superuser replace or delete a file; a file put there by hand is for superusers', async () => {
    fixture = await openFixture();
    await fixture.server.dataFiles.write(ada, 'mine.json', body('{"v":1}'));
    await expect(fixture.server.dataFiles.write(bob, 'mine.json', body('{"v":2}'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(fixture.server.dataFiles.remove(bob, 'mine.json')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await text(fixture.server.dataFiles.read('mine.json'))).toBe('{"v":1}');
    const replaced = await fixture.server.dataFiles.write(ada, 'mine.json', body('{"v":3}'));
    expect(replaced).toMatchObject({ owner: 'ada', sha256: sha256('{"v":3}') });
    const byAdmin = await fixture.server.dataFiles.write(admin, 'mine.json', body('{"v":4}'));
    expect(byAdmin.owner).toBe('ada');
    writeFileSync(join(fixture.dataDir, 'manual.json'), '{}');
    expect((await fixture.server.dataFiles.stat('manual.json'))).toMatchObject({ owner: '', sha256: sha256('{}') });
    await expect(fixture.server.dataFiles.remove(ada, 'manual.json')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await fixture.server.dataFiles.remove(admin, 'manual.json');
    expect(existsSync(join(fixture.dataDir, 'manual.json'))).toBe(false);
  });

  it('registers only the configured extensions', async () => {
    fixture = await openFixture({ extensions: ['.parquet'] });
    await expect(fixture.server.dataFiles.write(ada, 'a.json', body('{}'))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('registered: .parquet') });
    expect((await fixture.server.dataFiles.write(ada, 'A.PARQUET', body('x'))).name).toBe('A.PARQUET');
  });

  it('accepts only names that land directly in the folder (property over hostile fragments)', () => {
    const fragment = fc.constantFrom('..', '.', '/', '\\', '%2e', '%2f', '%00', '\0', 'a', 'B', 'é', 'e\u0301', ' ', '\n', '.json', '.csv', '~', '$HOME');
    const root = '/srv/data';
    fc.assert(
      fc.property(fc.oneof(fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join('')), fc.string({ unit: 'binary', maxLength: 40 })), (name) => {
        if (dataFileNameProblem(name, ['.json', '.csv']) !== undefined) return;
        const path = resolve(root, name);
        expect(dirname(path)).toBe(root);
        expect(path.slice(root.length + 1)).toBe(name);
        expect(name.normalize('NFC')).toBe(name);
      }),
      { numRuns: 2_000 },
    );
  });
});
