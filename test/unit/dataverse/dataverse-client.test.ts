import { describe, expect, it } from 'vitest';
import { HoldfastError, NonRetryableError } from '../../../src/errors.js';
import { DataverseClient } from '../../../src/adapters/dataverse/dataverse-client.js';
import {
  datasetStorageFolder,
  defaultDatasetStorageIdentifier,
  fileStorageId,
  parsePersistentId,
} from '../../../src/adapters/dataverse/dataverse-pid.js';
import { readAddFilesAnswer } from '../../../src/adapters/dataverse/dataverse-readers.js';
import type { AddFileEntry } from '../../../src/adapters/dataverse/dataverse-types.js';

const TOKEN = 'secret-token-7e6d5c4b';
const PID = 'doi:10.5072/FK2/ABC123';

// A fetch that answers from a list, one answer per call, and records what it was sent.
function scripted(answers: Array<() => Response>): { fetch: typeof fetch; sent: Array<{ url: string; headers: Headers }> } {
  const sent: Array<{ url: string; headers: Headers }> = [];
  const fetchFake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(input), headers: new Headers(init?.headers) });
    const next = answers[Math.min(sent.length, answers.length) - 1];
    if (!next) throw new Error('no scripted answer');
    return next();
  };
  return { fetch: fetchFake as typeof fetch, sent };
}

const json = (status: number, body: unknown): (() => Response) => () => new Response(JSON.stringify(body), { status });
const noSleep = async (): Promise<void> => {};

async function failure(promise: Promise<unknown>): Promise<HoldfastError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(HoldfastError);
  return error as HoldfastError;
}

describe('persistent identifiers', () => {
  it('splits a DOI into authority and identifier and derives the storage folder', () => {
    expect(parsePersistentId(PID)).toEqual({ protocol: 'doi', authority: '10.5072', identifier: 'FK2/ABC123' });
    expect(defaultDatasetStorageIdentifier(PID)).toBe('file://10.5072/FK2/ABC123');
    expect(datasetStorageFolder('file://10.5072/FK2/ABC123')).toBe('10.5072/FK2/ABC123');
    expect(datasetStorageFolder('s3://bucket:10.5072/FK2/ABC123')).toBe('10.5072/FK2/ABC123');
  });

  it.each(['10.5072/FK2/ABC123', 'doi:10.5072', 'xyz:10.5072/A', 'doi:10.5072/../etc', 'doi:10.5072/FK2//A'])(
    'refuses %s with INVALID_PID',
    (pid) => {
      expect(() => parsePersistentId(pid)).toThrow(expect.objectContaining({ code: 'INVALID_PID' }));
    },
  );

  it('reads a file storage id and refuses one that could name a path', () => {
    expect(fileStorageId('file://18f2c1a9b3e-0a1b2c3d4e5f')).toBe('18f2c1a9b3e-0a1b2c3d4e5f');
    expect(fileStorageId('file://../secret')).toBeNull();
    expect(fileStorageId('file://..')).toBeNull();
    expect(fileStorageId('18f2c1a9b3e')).toBeNull();
  });
});

describe('reading an addFiles answer', () => {
  const entry = (id: string): AddFileEntry => ({
    storageIdentifier: `file://${id}`,
    fileName: `${id}.txt`,
    mimeType: 'text/plain',
    checksum: { '@type': 'MD5', '@value': '0' },
  });
  const unreadable = (what: string): Error => new Error(what);

  it('matches elements by storage identifier, by position when counts agree, and flags duplicate content', () => {
    // fileDetails is a FileMetadata whose dataFile has no id yet: never read.
    const files = [
      { storageIdentifier: 'file://b', warningMessage: 'duplicate content', fileDetails: { label: 'b.txt', dataFile: { filesize: 3 } } },
      { errorCode: 400, message: 'bad tag', fileDetails: {} },
      { storageIdentifier: 'file://a', successMessage: 'Added successfully to the dataset', fileDetails: { label: 'a.txt', dataFile: { filesize: 1 } } },
    ];
    expect(readAddFilesAnswer({ Files: files }, [entry('a'), entry('c'), entry('b')], unreadable)).toEqual([
      { accepted: true },
      { accepted: false, message: 'bad tag' },
      { accepted: true, warning: 'duplicate content' },
    ]);
  });

  it('fails an entry the answer does not mention or answers with neither success nor error, and an answer without data.Files', () => {
    expect(readAddFilesAnswer({ Files: [] }, [entry('a')], unreadable)).toMatchObject([{ accepted: false }]);
    expect(readAddFilesAnswer({ Files: [{ storageIdentifier: 'file://a' }] }, [entry('a')], unreadable)).toMatchObject([{ accepted: false }]);
    expect(() => readAddFilesAnswer({ files: [] }, [entry('a')], unreadable)).toThrow(/data.Files/);
  });
});

describe('DataverseClient error handling', () => {
  it('sends the token as X-Dataverse-key and blanks it out of any message Dataverse echoes', async () => {
    const { fetch, sent } = scripted([json(400, { status: 'ERROR', message: `key ${TOKEN} lacks rights` })]);
    const client = new DataverseClient({ baseUrl: 'http://dv.test/', token: TOKEN, fetch, sleep: noSleep });
    const error = await failure(client.getLocks(PID));
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.code).toBe('DATAVERSE_REJECTED');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TOKEN);
    expect(sent[0]?.headers.get('X-Dataverse-key')).toBe(TOKEN);
    expect(sent[0]?.url).toBe('http://dv.test/api/datasets/:persistentId/locks?persistentId=doi%3A10.5072%2FFK2%2FABC123');
  });

  it('retries a 200 whose body is not JSON, then reports Dataverse unavailable', async () => {
    const { fetch, sent } = scripted([() => new Response('<html>maintenance</html>', { status: 200 })]);
    const client = new DataverseClient({ baseUrl: 'http://dv.test', token: TOKEN, fetch, sleep: noSleep, retries: 2 });
    const error = await failure(client.getDataset(PID));
    expect(error.code).toBe('DATAVERSE_UNAVAILABLE');
    expect(error.message).toContain('not Dataverse');
    expect(sent).toHaveLength(3);
  });

  it('reads a lock refusal as DATAVERSE_LOCKED even when Dataverse wraps it in a 500', async () => {
    const message = 'CommandException updating DatasetVersion from addFiles job: Dataset cannot be edited due to dataset lock.';
    const { fetch, sent } = scripted([json(500, { status: 'ERROR', message })]);
    const client = new DataverseClient({ baseUrl: 'http://dv.test', token: TOKEN, fetch, sleep: noSleep });
    const error = await failure(client.addFiles(PID, [{ storageIdentifier: 'file://a', fileName: 'a', mimeType: 'text/plain', checksum: { '@type': 'MD5', '@value': '0' } }]));
    expect(error).not.toBeInstanceOf(NonRetryableError);
    expect(error.code).toBe('DATAVERSE_LOCKED');
    expect(sent).toHaveLength(1);
  });

  it('stops retrying at once when its signal is aborted', async () => {
    const controller = new AbortController();
    const { fetch, sent } = scripted([json(503, { status: 'ERROR', message: 'busy' })]);
    const sleep = async (): Promise<void> => {
      controller.abort(new Error('stopped by the runtime'));
      throw controller.signal.reason;
    };
    const client = new DataverseClient({ baseUrl: 'http://dv.test', token: TOKEN, fetch, sleep });
    await expect(client.getDataset(PID, controller.signal)).rejects.toThrow('stopped by the runtime');
    expect(sent).toHaveLength(1);
  });

  it('reports a redirect instead of following it with the token', async () => {
    const { fetch, sent } = scripted([() => new Response(null, { status: 301, headers: { location: 'https://other.test/api' } })]);
    const client = new DataverseClient({ baseUrl: 'http://dv.test', token: TOKEN, fetch, sleep: noSleep });
    const error = await failure(client.getDataset(PID));
    expect(error).toMatchObject({ code: 'DATAVERSE_REJECTED', message: expect.stringContaining('https://other.test/api') });
    expect(sent).toHaveLength(1);
  });

  it('names every bad option at once', () => {
    expect(() => new DataverseClient({ baseUrl: 'ftp://x', token: ' ', retries: -1 })).toThrow(
      /baseUrl must be http\(s\); token is empty; retries must be/,
    );
  });
});
