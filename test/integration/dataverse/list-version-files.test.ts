/**
 * DataverseClient.listVersionFiles against the stand-in: the files of a named
 * version; a version that does not exist (no draft, never published) holds
 * none; a missing dataset is DATAVERSE_NOT_FOUND, a bad token DATAVERSE_AUTH.
 * The load cleanup (issue 15, item 7) decides on these lists.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataverseClient } from '../../../src/adapters/dataverse/dataverse-client.js';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-versions-0a1b2c3d4e5f';
const PID = 'doi:10.5072/FK2/VERS01';
const SID = '18f3a5c2b11-1a2b3c4d5e6f';

let standin: DataverseStandin;
let client: DataverseClient;

beforeEach(async () => {
  const filesDir = tempFolder('holdfast-versions-');
  standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
  mkdirSync(standin.folderOf(PID), { recursive: true });
  writeFileSync(join(standin.folderOf(PID), SID), 'some bytes\n');
  client = new DataverseClient({ baseUrl: standin.url, token: TOKEN, retries: 0 });
});

afterEach(() => standin.close());

const register = () =>
  client.addFiles(PID, [{ storageIdentifier: `file://${SID}`, fileName: 'a.txt', mimeType: 'text/plain', checksum: { '@type': 'MD5', '@value': '0'.repeat(32) } }]);

describe('DataverseClient.listVersionFiles', () => {
  it('lists a draft\'s files, and none for a version never published', async () => {
    await register();
    expect((await client.listVersionFiles(PID, ':draft')).map((f) => f.storageIdentifier)).toEqual([`file://${SID}`]);
    expect((await client.listVersionFiles(PID, ':latest')).map((f) => f.storageIdentifier)).toEqual([`file://${SID}`]);
    expect(await client.listVersionFiles(PID, ':latest-published')).toEqual([]);
  });

  it('gives no files for :draft once the dataset is published without a draft, and the published files for the others', async () => {
    await register();
    standin.publish(PID);
    expect(await client.listVersionFiles(PID, ':draft')).toEqual([]);
    expect((await client.listVersionFiles(PID, ':latest-published')).map((f) => f.storageIdentifier)).toEqual([`file://${SID}`]);
  });

  it('refuses a missing dataset with DATAVERSE_NOT_FOUND for :latest and a bad token with DATAVERSE_AUTH', async () => {
    await expect(client.listVersionFiles('doi:10.5072/FK2/NOSUCH', ':latest')).rejects.toMatchObject({ code: 'DATAVERSE_NOT_FOUND' });
    const stranger = new DataverseClient({ baseUrl: standin.url, token: 'wrong', retries: 0 });
    await expect(stranger.listVersionFiles(PID, ':draft')).rejects.toMatchObject({ code: 'DATAVERSE_AUTH' });
  });
});
