import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HoldfastError, NonRetryableError } from '../../../src/errors.js';
import { DataverseClient } from '../../../src/adapters/dataverse/dataverse-client.js';
import type { DataverseClientOptions } from '../../../src/adapters/dataverse/dataverse-client.js';
import { startDataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import type { DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import type { AddFileEntry } from '../../../src/adapters/dataverse/dataverse-types.js';

const TOKEN = 'good-token-5f1c2a9e-1111-4b7d-9c0e-aaaabbbbcccc';
const PID = 'doi:10.5072/FK2/ABC123';
const MOVED = 'doi:10.5072/FK2/MOVED1';
const PUBLISHED = 'doi:10.5072/FK2/PUB001';

let filesDir: string;
let standin: DataverseStandin;
let sleeps: number[];

beforeEach(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'holdfast-dv-'));
  standin = await startDataverseStandin({
    token: TOKEN,
    filesDir,
    datasets: [
      { persistentId: PID },
      { persistentId: MOVED, storageIdentifier: 'file://10.5072/FK2/STORE9' },
      { persistentId: PUBLISHED, released: true },
    ],
  });
  sleeps = [];
});

afterEach(async () => {
  await standin.close();
  await rm(filesDir, { recursive: true, force: true });
});

// A fake sleep records the backoff and returns at once: retries run in microseconds.
function client(options: Partial<DataverseClientOptions> = {}): DataverseClient {
  return new DataverseClient({
    baseUrl: standin.url,
    token: TOKEN,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

// Dataverse accepts only storage identifiers of its own pattern (FileAccessIO.isValidIdentifier):
// a short name becomes one, derived from it.
const storageName = (name: string): string =>
  /^[0-9a-f]{11}-[0-9a-f]{12}$/.test(name) ? name : `18f2c1a9b3e-${createHash('md5').update(name).digest('hex').slice(0, 12)}`;

async function place(pid: string, name: string, content: string, directoryLabel?: string): Promise<AddFileEntry> {
  const id = storageName(name);
  const folder = standin.folderOf(pid);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, id), content);
  return {
    storageIdentifier: `file://${id}`,
    fileName: `${id}.txt`,
    ...(directoryLabel ? { directoryLabel } : {}),
    mimeType: 'text/plain',
    checksum: { '@type': 'MD5', '@value': createHash('md5').update(content).digest('hex') },
  };
}

async function failure(promise: Promise<unknown>): Promise<HoldfastError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HoldfastError);
  return error as HoldfastError;
}

const addFilesPosts = (): number => standin.calls.filter((call) => call.path.endsWith('/addFiles')).length;

describe('DataverseClient against the stand-in', () => {
  it('reads a dataset id and the storage identifier it stores under, which may differ from its PID', async () => {
    await expect(client().getDataset(PID)).resolves.toEqual({ id: 1, persistentId: PID, storageIdentifier: 'file://10.5072/FK2/ABC123' });
    await expect(client().getDataset(MOVED)).resolves.toMatchObject({ persistentId: MOVED, storageIdentifier: 'file://10.5072/FK2/STORE9' });
    expect(standin.folderOf(MOVED)).toBe(join(filesDir, '10.5072', 'FK2', 'STORE9'));
  });

  it('registers files placed in the dataset folder with new ids and their sizes on disk', async () => {
    const a = await place(PID, '18f2c1a9b3e-0a1b2c3d4e5f', 'hello', 'data/raw');
    const b = await place(PID, '18f2c1a9b3f-0a1b2c3d4e60', '');
    const results = await client().addFiles(PID, [a, b]);
    expect(results).toEqual([
      { storageIdentifier: a.storageIdentifier, ok: true, fileId: expect.any(Number), size: 5 },
      { storageIdentifier: b.storageIdentifier, ok: true, fileId: expect.any(Number), size: 0 },
    ]);
    const files = await client().listDraftFiles(PID);
    expect(files).toEqual([
      { fileId: expect.any(Number), storageIdentifier: a.storageIdentifier, fileName: a.fileName, directoryLabel: 'data/raw', md5: a.checksum['@value'], size: 5 },
      { fileId: expect.any(Number), storageIdentifier: b.storageIdentifier, fileName: b.fileName, md5: b.checksum['@value'], size: 0 },
    ]);
    expect(standin.registered(PID)[0]?.checksum).toEqual({ type: 'MD5', value: a.checksum['@value'] });
  });

  it('fails only the entry whose file is missing from storage, inside a 200 answer', async () => {
    const present = await place(PID, '18f2c1a9b40-000000000001', 'present');
    const missing = { ...present, storageIdentifier: 'file://18f2c1a9b41-000000000002', fileName: 'missing.txt' };
    const [ok, failed] = await client().addFiles(PID, [present, missing]);
    expect(ok).toMatchObject({ ok: true, size: 7 });
    expect(failed).toMatchObject({ ok: false, storageIdentifier: missing.storageIdentifier, message: 'Bad Request:Failed to save the content of the uploaded file.' });
    expect(standin.registered(PID).map((file) => file.storageIdentifier)).toEqual([present.storageIdentifier]);
  });

  it('registers the same storage identifier a second time if asked, as Dataverse does, under a new name', async () => {
    const entry = { ...(await place(PID, '18f2c1a9b42-000000000003', 'once')), fileName: 'once.txt' };
    const [first] = await client().addFiles(PID, [entry]);
    const [again] = await client().addFiles(PID, [entry]);
    expect(again).toMatchObject({ ok: true, warning: expect.stringMatching(/same content/) });
    expect(standin.registered(PID).map((file) => file.fileName)).toEqual([entry.fileName, 'once-1.txt']);
    expect(first).toMatchObject({ ok: true });
    expect(new Set(standin.registered(PID).map((file) => file.fileId)).size).toBe(2);
  });

  it('lists the latest version when the dataset has no draft', async () => {
    const entry = await place(PID, '18f2c1a9b43-000000000004', 'kept');
    await client().addFiles(PID, [entry]);
    standin.publish(PID);
    await expect(client().listDraftFiles(PID)).resolves.toMatchObject([{ storageIdentifier: entry.storageIdentifier }]);
    await expect(client().listDraftFiles(PUBLISHED)).resolves.toEqual([]);
    const paths = standin.calls.map((call) => call.path).filter((path) => path.includes('/versions/'));
    expect(paths.slice(-2)).toEqual(['/api/datasets/:persistentId/versions/:draft/files', '/api/datasets/:persistentId/versions/:latest/files']);
  });

  it("updates a registered file's metadata and reports an unknown file as not found", async () => {
    const entry = await place(PID, '18f2c1a9b44-000000000005', 'meta');
    const [result] = await client().addFiles(PID, [entry]);
    if (!result?.ok) throw new Error('registration failed');
    await client().updateFileMetadata(result.fileId, { description: 'Blue skies', categories: ['Data'], directoryLabel: 'sky' });
    expect(standin.registered(PID)[0]).toMatchObject({ description: 'Blue skies', categories: ['Data'], directoryLabel: 'sky', metadataUpdates: 1 });
    // Files.updateFileMetadata answers an unknown id with 400, not 404.
    const error = await failure(client().updateFileMetadata(987_654, { description: 'x' }));
    expect(error).toMatchObject({ code: 'DATAVERSE_REJECTED' });
    expect(error.message).toContain('Error attempting get the requested data file.');
  });

  it('refuses a wrong token at once with DATAVERSE_AUTH, naming the fix and never the token', async () => {
    const wrong = 'wrong-token-0d9e8f7a-2222-4c6b-8a1f-ddddeeeeffff';
    const error = await failure(client({ token: wrong }).getDataset(PID));
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.code).toBe('DATAVERSE_AUTH');
    expect(error.message).toContain('holdfast resume --token NEW');
    expect(error.message).toContain(standin.url);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(wrong);
    expect(standin.calls).toHaveLength(1);
  });

  it('reports an unknown dataset as DATAVERSE_NOT_FOUND', async () => {
    const missing = 'doi:10.5072/FK2/NOPE00';
    expect(await failure(client().getDataset(missing))).toMatchObject({ code: 'DATAVERSE_NOT_FOUND' });
    expect(await failure(client().listDraftFiles(missing))).toMatchObject({ code: 'DATAVERSE_NOT_FOUND' });
    expect(await failure(client().addFiles(missing, [await place(PID, 'x1', 'x')]))).toBeInstanceOf(NonRetryableError);
  });

  it('retries a 5xx twice with growing backoff, then succeeds', async () => {
    standin.faults.failNext('/api/datasets/:persistentId', 503, 2);
    await expect(client().getDataset(PID)).resolves.toMatchObject({ id: 1 });
    expect(standin.calls).toHaveLength(3);
    expect(sleeps).toEqual([200, 400]);
  });

  it('gives up with a retryable DATAVERSE_UNAVAILABLE when the 5xx persists', async () => {
    standin.faults.failNext('/api/datasets/', 500, 100);
    const error = await failure(client({ retries: 3 }).getLocks(PID));
    expect(error).not.toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code: 'DATAVERSE_UNAVAILABLE', details: { attempts: 4 } });
    expect(standin.calls).toHaveLength(4);
  });

  it('registers each file once when the answer to addFiles is lost', async () => {
    const entries = [await place(PID, 'a1', 'first'), await place(PID, 'a2', 'second')];
    standin.faults.failNext('/api/datasets/:persistentId/addFiles', 502, 1, { afterProcessing: true });
    const results = await client().addFiles(PID, entries);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    expect(standin.registered(PID)).toHaveLength(2);
    expect(addFilesPosts()).toBe(1);
  });

  it('sends addFiles again after a dropped connection, only for what is missing', async () => {
    const entries = [await place(PID, 'b1', 'first'), await place(PID, 'b2', 'second')];
    standin.faults.failNext('/api/datasets/:persistentId/addFiles', 'reset', 1);
    const results = await client().addFiles(PID, entries);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    expect(standin.registered(PID)).toHaveLength(2);
    expect(addFilesPosts()).toBe(2);
  });

  it('refuses addFiles on a locked dataset, then registers once the lock is gone', async () => {
    const entry = await place(PID, 'c1', 'locked');
    standin.faults.lock(PID, Number.POSITIVE_INFINITY, 'Workflow');
    await expect(client().getLocks(PID)).resolves.toMatchObject([{ lockType: 'Workflow', dataset: PID }]);
    // The final UpdateDatasetVersionCommand meets the lock: 500, nothing registered.
    expect(await failure(client().addFiles(PID, [entry]))).toMatchObject({ code: 'DATAVERSE_LOCKED' });
    expect(standin.registered(PID)).toEqual([]);
    let polls = 0;
    const waiting = client({
      sleep: async () => {
        polls += 1;
        if (polls === 2) standin.faults.unlock(PID);
      },
    });
    await waiting.waitUntilUnlocked(PID, { pollMs: 10 });
    expect(polls).toBe(2);
    await expect(client().addFiles(PID, [entry])).resolves.toMatchObject([{ ok: true }]);
  });

  it('registers nothing when the final command fails, and the retry lists, then sends again', async () => {
    const entries = [await place(PID, 'f1', 'first'), await place(PID, 'f2', 'second')];
    standin.faults.failFinalCommand();
    const results = await client().addFiles(PID, entries);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
    expect(standin.registered(PID)).toHaveLength(2);
    expect(addFilesPosts()).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('adds files while only an Ingest lock is held, as checkUpdateDatasetVersionLock allows', async () => {
    const entry = await place(PID, 'i1', 'ingest');
    standin.faults.lock(PID, Number.POSITIVE_INFINITY, 'Ingest');
    await expect(client().addFiles(PID, [entry])).resolves.toMatchObject([{ ok: true }]);
  });

  it('fails with DATAVERSE_LOCKED when the lock outlasts maxWaitMs', async () => {
    standin.faults.lock(PID, Number.POSITIVE_INFINITY, 'InReview');
    let clock = 0;
    const waiting = client({
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const error = await failure(waiting.waitUntilUnlocked(PID, { maxWaitMs: 1_000, pollMs: 300 }));
    expect(error).not.toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code: 'DATAVERSE_LOCKED', details: { locks: ['InReview'], waitedMs: 1_000 } });
  });
});

describe('the stand-in checks what it receives', () => {
  async function post(path: string, body: NonNullable<RequestInit['body']>, headers: Record<string, string> = { 'X-Dataverse-key': TOKEN }): Promise<[number, unknown]> {
    const response = await fetch(`${standin.url}${path}`, { method: 'POST', headers, body });
    return [response.status, await response.json()];
  }
  const form = (jsonData: string): FormData => {
    const data = new FormData();
    data.set('jsonData', jsonData);
    return data;
  };
  const addFiles = `/api/datasets/:persistentId/addFiles?persistentId=${encodeURIComponent(PID)}`;
  const good = { storageIdentifier: 'file://18f2c1a9b3e-0a1b2c3d4e5f', fileName: 'x.txt', mimeType: 'text/plain', checksum: { '@type': 'MD5', '@value': 'ab' } };

  it.each([
    ['not JSON', '{oops'],
    ['not an array', JSON.stringify(good)],
    ['an entry without checksum', JSON.stringify([{ ...good, checksum: undefined }])],
    ['a checksum @type Dataverse does not know', JSON.stringify([{ ...good, checksum: { '@type': 'CRC32', '@value': 'ab' } }])],
  ])('answers 400 with an ERROR body for jsonData that is %s', async (_, jsonData) => {
    const [status, body] = await post(addFiles, form(jsonData));
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 'ERROR', message: expect.any(String) });
    expect(standin.registered(PID)).toEqual([]);
  });

  it('refuses entries it cannot use one by one inside a 200, as AddReplaceFileHelper.addFiles does', async () => {
    const [status, body] = await post(addFiles, form(JSON.stringify([
      { ...good, storageIdentifier: undefined },
      { ...good, storageIdentifier: 'file://not-a-dataverse-id' },
      { ...good, fileName: undefined },
      { ...good, mimeType: undefined },
    ])));
    expect(status).toBe(200);
    const files = (body as { data: { Files: Array<Record<string, unknown>> } }).data.Files;
    expect(files.map((file) => file.errorMessage)).toEqual([
      'You must provide a storageidentifier, filename, and mimetype.',
      'You must provide a storageidentifier, filename, and mimetype.',
      'Bad Request:The file name cannot be determined.',
      'Bad Request:The file content type cannot be determined.',
    ]);
    expect(files[0]).not.toHaveProperty('storageIdentifier');
    expect(files[2]).toMatchObject({ storageIdentifier: good.storageIdentifier, fileDetails: { storageIdentifier: good.storageIdentifier, mimeType: good.mimeType } });
    expect(standin.registered(PID)).toEqual([]);
  });

  it('answers malformed requests with JSON errors and keeps serving', async () => {
    expect(await post(addFiles, form('[]'), {})).toEqual([401, expect.objectContaining({ status: 'ERROR' })]);
    expect(await post(addFiles, 'jsonData=[]', { 'X-Dataverse-key': TOKEN, 'content-type': 'application/x-www-form-urlencoded' })).toEqual([415, expect.anything()]);
    const broken = { 'X-Dataverse-key': TOKEN, 'content-type': 'multipart/form-data; boundary=zzz' };
    expect(await post(addFiles, '--zzz\r\nnonsense', broken)).toEqual([400, expect.objectContaining({ status: 'ERROR' })]);
    expect(await post('/api/nothing/here', 'x')).toEqual([404, expect.objectContaining({ status: 'ERROR' })]);
    expect(await post(addFiles, form('[]'))).toEqual([200, { status: 'OK', data: { Files: [], Result: { 'Total number of files': 0, 'Number of files successfully added': 0 } } }]);
  });

  it('answers 413 for a body over its limit', async () => {
    const small = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }], maxBodyBytes: 1024 });
    try {
      const response = await fetch(`${small.url}${addFiles}`, { method: 'POST', headers: { 'X-Dataverse-key': TOKEN }, body: form('x'.repeat(4096)) });
      expect(response.status).toBe(413);
    } finally {
      await small.close();
      await small.close();
    }
  });
});
