/**
 * Issue 21: a watch's batches slowed down as the dataset grew, because each
 * 100-file addFiles was confirmed from a listing of the whole draft. The client
 * now reads the draft newest first, a page at a time, until it has found the
 * files it sent; these tests count the files the listings returned. The
 * stand-in serves getVersionFiles' paging (6.x) and ignores it at 5.14, as
 * Dataverse does.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataverseClient } from '../../../src/adapters/dataverse/dataverse-client.js';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import type { DataverseRelease } from '../../../src/adapters/dataverse/dataverse-standin-json.js';
import type { AddFileEntry } from '../../../src/adapters/dataverse/dataverse-types.js';
import { randomStorageIdentifier } from '../../../src/adapters/files/storage-identifier.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-paging-0a1b2c3d4e5f';
const PID = 'doi:10.5072/FK2/PAGE01';

let standin: DataverseStandin | undefined;
afterEach(() => standin?.close());

/** A stand-in and a client whose fetch counts the files each version listing answered. */
async function setUp(release: DataverseRelease = '6.11', retries = 0) {
  standin = await startDataverseStandin({ token: TOKEN, filesDir: tempFolder('holdfast-paging-'), datasets: [{ persistentId: PID }], release });
  const folder = standin.folderOf(PID);
  mkdirSync(folder, { recursive: true });
  const listings: { query: URLSearchParams; files: number }[] = [];
  const counting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (/\/versions\/[^/]+\/files$/.test(url.pathname)) {
      const body = (await response.clone().json()) as { data: unknown[] };
      listings.push({ query: url.searchParams, files: body.data.length });
    }
    return response;
  };
  const client = new DataverseClient({ baseUrl: standin.url, token: TOKEN, retries, baseDelayMs: 1, fetch: counting });
  let made = 0;
  /** `count` new files placed in the dataset's folder, as addFiles entries. */
  const entries = (count: number): AddFileEntry[] =>
    Array.from({ length: count }, () => {
      const sid = randomStorageIdentifier();
      const bytes = `file ${made}\n`;
      writeFileSync(join(folder, sid), bytes);
      return { storageIdentifier: `file://${sid}`, fileName: `f${made++}.txt`, mimeType: 'text/plain', checksum: { '@type': 'MD5', '@value': createHash('md5').update(bytes).digest('hex') } };
    });
  /** Registers `total` files in chunks of `chunk`, each confirmed. */
  const fill = async (total: number, chunk: number) => {
    for (let done = 0; done < total; done += chunk) {
      const results = await client.addFiles(PID, entries(Math.min(chunk, total - done)));
      expect(results.every((result) => result.ok)).toBe(true);
    }
  };
  return { client, listings, entries, fill };
}

describe('addFiles confirms what it sent from the newest files of the draft', () => {
  it('reads one page for a 100-file chunk into a dataset of 1,500 files, not the whole draft (6.11)', async () => {
    const { client, listings, entries, fill } = await setUp();
    await fill(1_500, 500);
    listings.length = 0;
    const sent = entries(100);
    const results = await client.addFiles(PID, sent);
    expect(results.map((result) => result.ok)).toEqual(sent.map(() => true));
    expect(new Set(results.map((result) => result.ok && result.fileId)).size).toBe(100);
    expect(listings).toHaveLength(1);
    expect(listings[0]!.query.get('orderCriteria')).toBe('Newest');
    expect(listings[0]!.files).toBeLessThanOrEqual(500);
    // The whole draft is still there for anyone who lists it.
    expect(await client.listDraftFiles(PID)).toHaveLength(1_600);
  });

  it('reads on, page after page, when the files sent fill more than one', async () => {
    const { client, listings, entries, fill } = await setUp();
    await fill(300, 300);
    listings.length = 0;
    const results = await client.addFiles(PID, entries(700));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(listings.map((listing) => listing.query.get('offset'))).toEqual(['0', '500']);
  });

  it('says which entries are not registered, and does not read the whole draft for one addFiles refused', async () => {
    const { client, listings, entries, fill } = await setUp();
    await fill(600, 300);
    listings.length = 0;
    const sent = entries(3);
    standin!.faults.rejectStorageIds.add(sent[1]!.storageIdentifier);
    const results = await client.addFiles(PID, sent);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    expect(listings.map((listing) => listing.files)).toEqual([500]);
  });

  it('confirms at 5.14, which ignores the paging and lists every file, and stops when the list comes again', async () => {
    const { client, listings, entries, fill } = await setUp('5.14', 1);
    await fill(500, 250);
    listings.length = 0;
    // The first attempt saves nothing; the retry looks for all it sent first, in a list exactly a page
    // long (whose next "page" is the same list), then sends them again and finds them.
    standin!.faults.failFinalCommand(1);
    const results = await client.addFiles(PID, entries(100));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(listings.map((listing) => listing.files)).toEqual([500, 500, 600]);
  });
});

describe("the stand-in's getVersionFiles paging", () => {
  it('orders Newest, pages by limit and offset, and counts the whole version in totalCount (6.11)', async () => {
    const { fill } = await setUp();
    await fill(5, 5);
    const get = async (query: string) => {
      const response = await fetch(`${standin!.url}/api/datasets/:persistentId/versions/:draft/files?persistentId=${PID}&${query}`, { headers: { 'X-Dataverse-key': TOKEN } });
      return { status: response.status, body: (await response.json()) as { totalCount?: number; data?: { label: string }[]; message?: string } };
    };
    const page = await get('orderCriteria=Newest&limit=2&offset=1');
    expect(page.body.totalCount).toBe(5);
    expect(page.body.data!.map((file) => file.label)).toEqual(['f3.txt', 'f2.txt']);
    expect((await get('limit=2')).body.data!.map((file) => file.label)).toEqual(['f0.txt', 'f1.txt']);
    expect((await get('orderCriteria=Sideways')).status).toBe(400);
  });
});
