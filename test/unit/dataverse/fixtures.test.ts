/**
 * The client's readers against Dataverse's answers as its Java writes them at
 * 5.14 and 6.11 (test/fixtures/dataverse, each naming its source). A fake fetch
 * answers each call with a fixture; every fixture must be used by some test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataverseClient } from '../../../src/adapters/dataverse/dataverse-client.js';
import type { AddFileEntry } from '../../../src/adapters/dataverse/dataverse-types.js';
import { HoldfastError, NonRetryableError } from '../../../src/errors.js';

const DIR = join(import.meta.dirname, '../../fixtures/dataverse');
const PID = 'doi:10.5072/FK2/ABC123';
const used = new Set<string>();

interface Fixture {
  _source: string;
  httpStatus: number;
  contentType?: string;
  body: unknown;
}

function fixture(name: string): Fixture {
  used.add(name);
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
}

function respond(value: Fixture): Response {
  const text = typeof value.body === 'string' ? value.body : JSON.stringify(value.body);
  return new Response(text, { status: value.httpStatus, headers: { 'content-type': value.contentType ?? 'application/json' } });
}

type Route = [method: string, pathPart: string, answer: Fixture];

// A client whose fetch answers the first route whose method matches and whose path part the URL holds.
function client(routes: Route[]): { client: DataverseClient; calls: string[] } {
  const calls: string[] = [];
  const fetchFake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    const url = decodeURIComponent(String(input));
    calls.push(`${method} ${url}`);
    const route = routes.find(([m, part]) => m === method && url.includes(part));
    if (!route) throw new Error(`no fixture for ${method} ${url}`);
    return respond(route[2]);
  };
  return {
    client: new DataverseClient({ baseUrl: 'https://dataverse.example', token: 'tok-1234567890', fetch: fetchFake as typeof fetch, sleep: async () => {}, retries: 1 }),
    calls,
  };
}

async function failure(promise: Promise<unknown>): Promise<HoldfastError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(HoldfastError);
  return error as HoldfastError;
}

const entry = (storageIdentifier: string, fileName: string): AddFileEntry => ({
  storageIdentifier,
  fileName,
  mimeType: 'text/plain',
  checksum: { '@type': 'MD5', '@value': '0' },
});
const A = 'file://18f3a5c2b11-1a2b3c4d5e6f';
const B = 'file://18f3a5c2b12-2b3c4d5e6f70';
const C = 'file://18f3a5c2b13-3c4d5e6f7081';
const SENT_6_11 = [entry(A, 'a.txt'), entry(B, 'b.txt'), entry(C, 'c.txt'), entry('file://not-ours', 'd.txt'), entry('file://18f3a5c2b15-5e6f708192a3', 'e.txt')];

describe('GET /api/datasets/:persistentId (Datasets.getDataset)', () => {
  it('reads a 6.11 dataset, separator included', async () => {
    const { client: dv } = client([['GET', '/api/datasets/:persistentId/', fixture('dataset-6.11')]]);
    await expect(dv.getDataset(PID)).resolves.toEqual({ id: 1, persistentId: PID, storageIdentifier: 'file://10.5072/FK2/ABC123' });
  });

  it('reads a 5.14 dataset, which prints no separator, and keeps the storage identifier that differs from the PID', async () => {
    const { client: dv } = client([['GET', '/api/datasets/:persistentId/', fixture('dataset-5.14')]]);
    await expect(dv.getDataset('doi:10.5072/FK2/MOVED1')).resolves.toEqual({ id: 7, persistentId: 'doi:10.5072/FK2/STORE9', storageIdentifier: 'file://10.5072/FK2/STORE9' });
  });

  it.each(['dataset-not-found-5.14', 'dataset-not-found-6.11'])('reports %s as DATAVERSE_NOT_FOUND, not retried', async (name) => {
    const { client: dv, calls } = client([['GET', '/api/datasets/', fixture(name)]]);
    const error = await failure(dv.getDataset('doi:10.5072/FK2/NOPE00'));
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.code).toBe('DATAVERSE_NOT_FOUND');
    expect(calls).toHaveLength(1);
  });

  it('reads "Bad API key" as DATAVERSE_AUTH', async () => {
    const { client: dv } = client([['GET', '/api/datasets/', fixture('bad-api-key')]]);
    expect(await failure(dv.getDataset(PID))).toMatchObject({ code: 'DATAVERSE_AUTH' });
  });
});

describe('GET .../versions/{v}/files (Datasets.getVersionFiles)', () => {
  it('reads a 6.11 listing, taking the deposited size of a file tabular ingest replaced', async () => {
    const { client: dv } = client([['GET', '/versions/:draft/files', fixture('version-files-draft-6.11')]]);
    await expect(dv.listDraftFiles(PID)).resolves.toEqual([
      { fileId: 11, storageIdentifier: A, fileName: 'a.txt', directoryLabel: 'data/raw', md5: '5d41402abc4b2a76b9719d911017c592', size: 5 },
      { fileId: 12, storageIdentifier: B, fileName: 'cores.tab', md5: '7d793037a0760186574b0282f2f435e7', size: 1204 },
    ]);
  });

  it('lists :latest when :draft is the 404 of a dataset without a draft (5.14 listing)', async () => {
    const { client: dv, calls } = client([
      ['GET', '/versions/:draft/files', fixture('version-draft-not-found')],
      ['GET', '/versions/:latest/files', fixture('version-files-draft-5.14')],
    ]);
    await expect(dv.listDraftFiles(PID)).resolves.toEqual([
      { fileId: 11, storageIdentifier: A, fileName: 'a.txt', directoryLabel: 'data/raw', md5: '5d41402abc4b2a76b9719d911017c592', size: 5 },
    ]);
    expect(calls).toHaveLength(2);
  });
});

describe('GET .../locks (Datasets.getLocksForDataset)', () => {
  it('reads each lock as json(DatasetLock) prints it, a missing message left out', async () => {
    const { client: dv } = client([['GET', '/locks', fixture('locks')]]);
    await expect(dv.getLocks(PID)).resolves.toEqual([
      { lockType: 'Ingest', date: '2026-12-06 05:00:00.123', user: 'dataverseAdmin', dataset: PID, message: 'Ingest in progress' },
      { lockType: 'EditInProgress', date: '2026-12-06 05:00:01.5', user: 'depositor', dataset: PID },
    ]);
  });
});

describe('POST .../addFiles (AddReplaceFileHelper.addFiles), confirmed from the draft listing', () => {
  it('reports a file registered only when the draft lists it, with the id and size the listing gives', async () => {
    const { client: dv, calls } = client([
      ['POST', '/addFiles', fixture('add-files-6.11')],
      ['GET', '/versions/:draft/files', fixture('version-files-draft-6.11')],
    ]);
    await expect(dv.addFiles(PID, SENT_6_11)).resolves.toEqual([
      { storageIdentifier: A, ok: true, fileId: 11, size: 5 },
      { storageIdentifier: B, ok: true, fileId: 12, size: 1204, warning: 'This file has the same content as b.txt that is in the dataset. ' },
      { storageIdentifier: C, ok: false, message: 'Bad Request:Failed to save the content of the uploaded file.' },
      { storageIdentifier: 'file://not-ours', ok: false, message: 'You must provide a storageidentifier, filename, and mimetype.' },
      { storageIdentifier: 'file://18f3a5c2b15-5e6f708192a3', ok: false, message: expect.stringMatching(/^Not a valid Tabular Data Tag/) },
    ]);
    expect(calls.map((call) => call.split('?')[0])).toEqual(['POST https://dataverse.example/api/datasets/:persistentId/addFiles', 'GET https://dataverse.example/api/datasets/:persistentId/versions/:draft/files']);
  });

  it('does not report registered a file addFiles called added that the draft does not list (5.14 answer)', async () => {
    const listing = fixture('version-files-draft-5.14');
    const empty = { ...listing, body: { status: 'OK', data: [] } };
    const { client: dv } = client([
      ['POST', '/addFiles', fixture('add-files-5.14')],
      ['GET', '/versions/:draft/files', empty],
    ]);
    await expect(dv.addFiles(PID, [entry(A, 'a.txt')])).resolves.toEqual([
      { storageIdentifier: A, ok: false, message: 'Dataverse accepted the file but its draft does not list it, so it is not registered' },
    ]);
  });

  it("reads the final command's 500 about a lock as DATAVERSE_LOCKED: nothing registered, nothing confirmed", async () => {
    const { client: dv, calls } = client([['POST', '/addFiles', fixture('add-files-final-command-failed')]]);
    const error = await failure(dv.addFiles(PID, [entry(A, 'a.txt')]));
    expect(error).not.toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code: 'DATAVERSE_LOCKED', details: { pid: PID } });
    expect(calls).toHaveLength(1);
  });

  it("reads the final command's 500 about missing permissions as DATAVERSE_AUTH, not retried", async () => {
    const { client: dv, calls } = client([['POST', '/addFiles', fixture('add-files-missing-permission')]]);
    const error = await failure(dv.addFiles(PID, [entry(A, 'a.txt')]));
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.code).toBe('DATAVERSE_AUTH');
    expect(calls).toHaveLength(1);
  });

  it('reads the 6.x file count limit as DATAVERSE_REJECTED', async () => {
    const { client: dv } = client([['POST', '/addFiles', fixture('add-files-count-limit-6.11')]]);
    const error = await failure(dv.addFiles(PID, [entry(A, 'a.txt')]));
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.message).toContain('Number of files can not exceed');
  });
});

describe('POST /api/files/{id}/metadata (Files.updateFileMetadata)', () => {
  it('takes the plain-text 200 as done', async () => {
    const { client: dv } = client([['POST', '/api/files/21/metadata', fixture('file-metadata-updated')]]);
    await expect(dv.updateFileMetadata(21, { description: 'Blue skies' })).resolves.toBeUndefined();
  });

  it('reads the 400 of an unknown file as DATAVERSE_REJECTED and the 500 of a lock as DATAVERSE_LOCKED', async () => {
    const unknown = client([['POST', '/metadata', fixture('file-metadata-unknown-file')]]).client;
    expect(await failure(unknown.updateFileMetadata(99, { description: 'x' }))).toMatchObject({ code: 'DATAVERSE_REJECTED' });
    const locked = client([['POST', '/metadata', fixture('file-metadata-locked')]]).client;
    expect(await failure(locked.updateFileMetadata(21, { description: 'x' }))).toMatchObject({ code: 'DATAVERSE_LOCKED' });
  });
});

// Runs last (tests of a file run in order): a fixture no test reads is a fixture nobody checks.
it('has read every fixture in test/fixtures/dataverse', () => {
  const all = readdirSync(DIR).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length));
  expect(all.filter((name) => !used.has(name))).toEqual([]);
});
