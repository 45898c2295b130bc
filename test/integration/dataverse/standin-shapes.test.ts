/**
 * The stand-in answers field for field as the fixtures (hand-written from
 * Dataverse's Java at 5.14 and 6.11) say Dataverse does: the same keys, in the
 * same envelopes, and the same messages where the Java's are fixed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDataverseStandin } from '../../../src/testing/index.js';
import type { DataverseRelease, DataverseStandin } from '../../../src/testing/index.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'shape-token';
const DRAFTED = 'doi:10.5072/FK2/ABC123';
const PUBLISHED = 'doi:10.5072/FK2/PUB001';
const A = 'file://18f3a5c2b11-1a2b3c4d5e6f';

type Json = Record<string, unknown>;
const fixture = (name: string): { httpStatus: number; body: Json } =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/dataverse', `${name}.json`), 'utf8')) as { httpStatus: number; body: Json };
const keys = (value: unknown): string[] => Object.keys(value as Json);
const at = (value: unknown, ...path: Array<string | number>): unknown => path.reduce<unknown>((node, key) => (node as Json)[key as string], value);

async function call(standin: DataverseStandin, method: string, path: string, jsonData?: unknown): Promise<{ status: number; body: Json; text: string }> {
  const init: RequestInit = { method, headers: { 'X-Dataverse-key': TOKEN } };
  if (jsonData !== undefined) {
    const form = new FormData();
    form.set('jsonData', JSON.stringify(jsonData));
    init.body = form;
  }
  const response = await fetch(`${standin.url}${path}`, init);
  const text = await response.text();
  let body: Json = {};
  try {
    body = JSON.parse(text) as Json;
  } catch {
    // the metadata API answers text
  }
  return { status: response.status, body, text };
}

const ds = (pid: string, tail: string): string => `/api/datasets/:persistentId${tail}?persistentId=${encodeURIComponent(pid)}`;

describe.each(['6.11', '5.14'] as DataverseRelease[])('the stand-in answering as Dataverse %s', (release) => {
  it('prints addFiles, the version listing, the dataset, locks and errors as the Java does', async () => {
    const filesDir = tempFolder();
    const standin = await startDataverseStandin({ token: TOKEN, filesDir, release, datasets: [{ persistentId: DRAFTED }, { persistentId: PUBLISHED, released: true }] });
    try {
      // 6.11's fixture adds to a dataset with a draft; 5.14's to a published one, whose new draft has no id yet.
      const pid = release === '6.11' ? DRAFTED : PUBLISHED;
      const folder = standin.folderOf(pid);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, A.slice('file://'.length)), 'hello');
      const entry = { storageIdentifier: A, fileName: 'a.txt', directoryLabel: 'data/raw', mimeType: 'text/plain', checksum: { '@type': 'MD5', '@value': createHash('md5').update('hello').digest('hex') } };

      const added = await call(standin, 'POST', ds(pid, '/addFiles'), [entry]);
      const expected = fixture(`add-files-${release}`).body;
      expect(added.status).toBe(200);
      expect(keys(added.body)).toEqual(keys(expected));
      expect(keys(at(added.body, 'data', 'Files', 0))).toEqual(keys(at(expected, 'data', 'Files', 0)));
      expect(keys(at(added.body, 'data', 'Files', 0, 'fileDetails'))).toEqual(keys(at(expected, 'data', 'Files', 0, 'fileDetails')));
      expect(keys(at(added.body, 'data', 'Files', 0, 'fileDetails', 'dataFile'))).toEqual(keys(at(expected, 'data', 'Files', 0, 'fileDetails', 'dataFile')));
      expect(at(added.body, 'data', 'Result')).toEqual({ 'Total number of files': 1, 'Number of files successfully added': 1 });

      const fileId = standin.registered(pid)[0]?.fileId as number;
      const updated = await call(standin, 'POST', `/api/files/${fileId}/metadata`, { description: 'Blue skies' });
      expect(updated.status).toBe(200);
      expect(updated.text).toMatch(/^File Metadata update has been completed: \{/);
      expect(await call(standin, 'POST', '/api/files/999999/metadata', { description: 'x' })).toMatchObject({ status: 400, body: fixture('file-metadata-unknown-file').body });

      const listing = await call(standin, 'GET', ds(pid, '/versions/:draft/files'));
      const listed = fixture(`version-files-draft-${release}`).body;
      expect(keys(listing.body)).toEqual(keys(listed));
      // The description is there when set (it is, here); Java's order puts it first.
      const set = (value: unknown): string[] => keys(value).filter((key) => key !== 'description');
      expect(keys(at(listing.body, 'data', 0))[0]).toBe('description');
      expect(set(at(listing.body, 'data', 0))).toEqual(set(at(listed, 'data', 0)));
      expect(set(at(listing.body, 'data', 0, 'dataFile'))).toEqual(set(at(listed, 'data', 0, 'dataFile')));

      const dataset = await call(standin, 'GET', ds(DRAFTED, '/'));
      expect(keys(at(dataset.body, 'data'))).toEqual(keys(at(fixture(`dataset-${release}`).body, 'data')));

      const unknown = await call(standin, 'GET', ds('doi:10.5072/FK2/NOPE00', '/'));
      expect(unknown).toMatchObject({ status: 404, body: fixture(`dataset-not-found-${release}`).body });

      standin.publish(pid);
      const noDraft = await call(standin, 'GET', ds(pid, '/versions/:draft/files'));
      expect(noDraft.status).toBe(404);
      expect(noDraft.body).toEqual({ status: 'ERROR', message: `Dataset version :draft of dataset ${release === '6.11' ? 1 : 2} not found` });

      standin.faults.lock(pid, Number.POSITIVE_INFINITY, 'Ingest');
      const locks = await call(standin, 'GET', ds(pid, '/locks'));
      expect(keys(at(locks.body, 'data', 0))).toEqual(keys(at(fixture('locks').body, 'data', 0)));
      expect(at(locks.body, 'data', 0, 'date')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+$/);

      standin.faults.lock(pid, Number.POSITIVE_INFINITY, 'Workflow');
      const refused = await call(standin, 'POST', ds(pid, '/addFiles'), [entry]);
      expect(refused).toMatchObject({ status: 500, body: fixture('add-files-final-command-failed').body });
      expect(standin.registered(pid)).toHaveLength(1);

      const badKey = await fetch(`${standin.url}${ds(pid, '/')}`, { headers: { 'X-Dataverse-key': 'wrong' } });
      expect([badKey.status, await badKey.json()]).toEqual([401, fixture('bad-api-key').body]);
    } finally {
      await standin.close();
    }
  });
});

describe('the stand-in answering as Dataverse 6.11', () => {
  it('refuses a call that would pass the file count limit with the 400 of the whole call', async () => {
    const standin = await startDataverseStandin({ token: TOKEN, filesDir: tempFolder(), datasets: [{ persistentId: DRAFTED, fileCountLimit: 100 }] });
    try {
      const entries = Array.from({ length: 100 }, (_, index) => ({ storageIdentifier: A, fileName: `f${index}.txt`, mimeType: 'text/plain', checksum: { '@type': 'MD5', '@value': '0' } }));
      expect(await call(standin, 'POST', ds(DRAFTED, '/addFiles'), entries)).toMatchObject({ status: 400, body: fixture('add-files-count-limit-6.11').body });
    } finally {
      await standin.close();
    }
  });
});
