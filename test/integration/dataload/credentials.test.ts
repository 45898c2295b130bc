/**
 * The token kept off the command line (issue 15, item 6): `--token-file` and
 * the R client's `DATAVERSE_KEY` and `DATAVERSE_SERVER`, beside `--token` and
 * `--dataverse`, which win; a bad token file is refused (exit 2) without
 * quoting it; and no output of ingest or resume ever holds a token.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { readTokenFile, resolveCredentials } from '../../../src/cli/dataverse-credentials.js';
import { listFiles, makeSampleFolder, runCli, verifyLoad, type CliRun, type SummaryJson } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TOKEN = 'token-9a8b7c6d-1e2f-4a5b-8c7d-0f1e2d3c4b5a';
const WRONG = 'wrong-2c4e6a8b-0d1f-4e3a-9b5c-7d9e1f3a5b7c';
const PID = 'doi:10.5072/FK2/KEYS01';

let root: string;
let dir: string;
let filesDir: string;
let store: string;
let standin: DataverseStandin;

beforeEach(async () => {
  root = tempFolder('holdfast-credentials-');
  dir = join(root, 'source');
  filesDir = join(root, 'files');
  store = join(root, 'store');
  standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await standin.close();
});

const tokenFile = async (content: string, name = 'token') => {
  const path = join(root, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
};
const noEnv = {} as NodeJS.ProcessEnv;
const expectNoToken = (...runs: CliRun[]) => {
  for (const run of runs) for (const text of [run.stdout, run.stderr]) for (const token of [TOKEN, WRONG]) expect(text).not.toContain(token);
};

describe('where the token and the Dataverse come from', () => {
  it('takes --token, else --token-file, else DATAVERSE_KEY; --dataverse, else DATAVERSE_SERVER', async () => {
    const file = await tokenFile(`${TOKEN}\n`);
    const env = { DATAVERSE_KEY: WRONG, DATAVERSE_SERVER: 'dataverse.example.edu' } as NodeJS.ProcessEnv;
    expect(await resolveCredentials({}, env)).toEqual({ dataverseUrl: 'https://dataverse.example.edu', token: WRONG, tokenSource: 'DATAVERSE_KEY' });
    expect(await resolveCredentials({ tokenFile: file }, env)).toEqual({ dataverseUrl: 'https://dataverse.example.edu', token: TOKEN, tokenSource: '--token-file' });
    expect(await resolveCredentials({ token: 'flag', dataverse: 'http://127.0.0.1:8080/' }, env)).toEqual({ dataverseUrl: 'http://127.0.0.1:8080', token: 'flag', tokenSource: '--token' });
    expect(await resolveCredentials({}, { DATAVERSE_SERVER: 'http://localhost:8080/' } as NodeJS.ProcessEnv)).toEqual({ dataverseUrl: 'http://localhost:8080' });
  });

  it('leaves DATAVERSE_KEY alone without a Dataverse (a copy-only load), but refuses a token flag without one', async () => {
    expect(await resolveCredentials({}, { DATAVERSE_KEY: TOKEN } as NodeJS.ProcessEnv)).toEqual({});
    await expect(resolveCredentials({ tokenFile: await tokenFile(TOKEN) }, noEnv)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('--token-file needs --dataverse (or DATAVERSE_SERVER)') });
    await expect(resolveCredentials({ token: TOKEN, tokenFile: await tokenFile(TOKEN), dataverse: 'http://x' }, noEnv)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('not both') });
    await expect(resolveCredentials({}, { DATAVERSE_SERVER: 'ftp://x' } as NodeJS.ProcessEnv)).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('reads a token file trimmed of one trailing newline, and refuses one empty, unreadable, huge or of several lines without quoting it', async () => {
    expect(await readTokenFile(await tokenFile(`${TOKEN}\n`))).toBe(TOKEN);
    expect(await readTokenFile(await tokenFile(`${TOKEN}\r\n`))).toBe(TOKEN);
    expect(await readTokenFile(await tokenFile(TOKEN))).toBe(TOKEN);
    const refusals: [string, string][] = [
      ['is empty', await tokenFile('')],
      ['is empty', await tokenFile('\n', 'newline-only')],
      ['more than one line', await tokenFile(`${TOKEN}\n\n`, 'two-newlines')],
      ['more than one line', await tokenFile(`${TOKEN}\n${WRONG}\n`, 'two-tokens')],
      ['too large for an API token', await tokenFile('x'.repeat(5_000), 'huge')],
      ['cannot be read (ENOENT)', join(root, 'missing')],
      ['is not a file', root],
    ];
    for (const [words, path] of refusals) {
      const error = (await readTokenFile(path).catch((e: unknown) => e)) as Error & { code: string };
      expect(error).toMatchObject({ code: 'USAGE', message: expect.stringContaining(words) });
      expect(error.message).not.toContain(TOKEN);
      expect(error.message).not.toContain(WRONG);
    }
    if (process.getuid?.() !== 0) {
      const locked = await tokenFile(TOKEN, 'locked');
      await chmod(locked, 0o000);
      await expect(readTokenFile(locked)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('cannot be read (EACCES)') });
    }
  });
});

describe('holdfast ingest and resume with the token off the command line', () => {
  const base = () => ['ingest', dir, '--dataset', PID, '--files-dir', filesDir, '--store', store, '--json'];

  it('loads with --token-file, and exits 2 for a bad token file before copying anything', async () => {
    const files = await makeSampleFolder(dir, { awkward: false, smallFiles: 4 });
    const bad = await runCli([...base(), '--dataverse', standin.url, '--token-file', await tokenFile('', 'empty-token')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is empty');
    expect(await listFiles(filesDir)).toEqual([]);

    const run = await runCli([...base(), '--dataverse', standin.url, '--token-file', await tokenFile(`${TOKEN}\n`)]);

    expect(run.code, run.stderr).toBe(0);
    expect((run.json as SummaryJson).state).toBe('completed');
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
    expectNoToken(bad, run);
  });

  it('loads with DATAVERSE_KEY and DATAVERSE_SERVER alone, and a --token-file wins over DATAVERSE_KEY', async () => {
    const files = await makeSampleFolder(dir, { awkward: false, smallFiles: 3 });
    vi.stubEnv('DATAVERSE_SERVER', standin.url);
    vi.stubEnv('DATAVERSE_KEY', TOKEN);
    const first = await runCli(base());
    expect(first.code, first.stderr).toBe(0);
    expect((first.json as SummaryJson).counts).toMatchObject({ registered: files.length });

    await writeFile(join(dir, 'later.txt'), 'later\n');
    vi.stubEnv('DATAVERSE_KEY', WRONG);
    const second = await runCli([...base(), '--token-file', await tokenFile(TOKEN)]);
    expect(second.code, second.stderr).toBe(0);
    expect((second.json as SummaryJson).counts).toMatchObject({ registered: 1 });
    expectNoToken(first, second);
  });

  it('--dataverse and --token win over DATAVERSE_SERVER and DATAVERSE_KEY', async () => {
    await makeSampleFolder(dir, { awkward: false, smallFiles: 2 });
    vi.stubEnv('DATAVERSE_SERVER', 'http://127.0.0.1:9');
    vi.stubEnv('DATAVERSE_KEY', WRONG);

    const run = await runCli([...base(), '--dataverse', standin.url, '--token', TOKEN]);

    expect(run.code, run.stderr).toBe(0);
    expect((run.json as SummaryJson).counts).toMatchObject({ registered: 2 });
  });

  it('a refused DATAVERSE_KEY leaves the load waiting with a hint that shows no token; resume --token-file finishes it', async () => {
    const files = await makeSampleFolder(dir, { awkward: false, smallFiles: 3 });
    vi.stubEnv('DATAVERSE_SERVER', standin.url);
    vi.stubEnv('DATAVERSE_KEY', WRONG);
    const first = await runCli(base().filter((arg) => arg !== '--json'));
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('holdfast resume` (with --token-file FILE or DATAVERSE_KEY for a refused token)');
    const again = await runCli(base());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--token-file FILE or DATAVERSE_KEY');

    vi.unstubAllEnvs();
    const resumed = await runCli(['resume', '--token-file', await tokenFile(`${TOKEN}\n`), '--store', store, '--json']);

    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ resumed: 1, loads: [{ state: 'completed', succeeded: true }] });
    expect(await verifyLoad({ store, filesDir, dataset: PID, expected: files, standin })).toEqual([]);
    expectNoToken(first, again, resumed);
  });

  it('resume takes DATAVERSE_KEY for the loads into DATAVERSE_SERVER, and not for another installation', async () => {
    await makeSampleFolder(dir, { awkward: false, smallFiles: 2 });
    const first = await runCli([...base(), '--dataverse', standin.url, '--token', WRONG]);
    expect(first.code).toBe(1);

    vi.stubEnv('DATAVERSE_KEY', TOKEN);
    vi.stubEnv('DATAVERSE_SERVER', 'other.example.org');
    const elsewhere = await runCli(['resume', '--store', store, '--json']);
    expect(elsewhere.code, 'the key is for another installation: the load still waits').toBe(1);

    vi.stubEnv('DATAVERSE_SERVER', standin.url);
    const resumed = await runCli(['resume', '--store', store, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expectNoToken(first, elsewhere, resumed);
  });
});
