/**
 * `holdfast dataverse-standin` as a new user meets it: started in a child process,
 * it prints its URL, token and the ingest command; that command, run as printed
 * (with a folder and a store), ends `completed` with exit 0 on its first run, for
 * either release the stand-in answers as. SIGTERM stops it with exit 0.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/dataload.js';
import type { SummaryJson } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRY = 'test/integration/inspector/serve-entry.ts';

interface Started {
  event: string;
  url: string;
  token: string;
  release: string;
  filesDir: string;
  datasets: Array<{ persistentId: string; folder: string }>;
  ingest: string;
}

function startCommand(args: string[]): { started: Promise<Started>; stop: () => Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'dataverse-standin', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = (async () => {
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('\n') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (!stdout.includes('\n')) throw new Error(`dataverse-standin did not start: ${stderr}`);
    return JSON.parse(stdout.split('\n')[0] as string) as Started;
  })();
  // Without --json the first line is prose: only tests that await `started` see that as an error.
  started.catch(() => {});
  return {
    started,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    output: () => stdout + stderr,
  };
}

describe('holdfast dataverse-standin', () => {
  it.each(['6.11', '5.14'])('answers as Dataverse %s, and the ingest command it prints ends completed, exit 0, on its first run', async (release) => {
    const work = tempFolder();
    const filesDir = join(work, 'dataverse files');
    const command = startCommand(['--port', '0', '--files-dir', filesDir, '--release', release, '--json']);
    try {
      const started = await command.started;
      expect(started).toMatchObject({ event: 'dataverse-standin.started', release, filesDir, datasets: [{ persistentId: 'doi:10.5072/FK2/STANDIN' }] });
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(started.token).toMatch(/^[0-9a-f]{32}$/);
      expect(started.ingest).toBe(
        `holdfast ingest ./my-folder --dataset doi:10.5072/FK2/STANDIN --files-dir '${filesDir}' --dataverse ${started.url} --token ${started.token}`,
      );

      const folder = join(work, 'my-folder');
      await mkdir(join(folder, 'data'), { recursive: true });
      await writeFile(join(folder, 'a.txt'), 'alpha\n');
      await writeFile(join(folder, 'data', 'b.csv'), 'x,y\n1,2\n');
      await writeFile(join(folder, 'data', 'empty.txt'), '');
      // The printed command, word for word, with the user's folder and a store of the test's own.
      const words = [...started.ingest.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');
      expect(words.slice(0, 3)).toEqual(['holdfast', 'ingest', './my-folder']);
      const run = await runCli(['ingest', folder, ...words.slice(3), '--store', join(work, 'store'), '--json']);
      expect(run.code, run.stderr).toBe(0);
      const summary = run.json as SummaryJson;
      expect(summary.state).toBe('completed');
      expect(summary.counts).toMatchObject({ total: 3, registered: 3, failed: 0 });

      // The stand-in lists them in the draft, with the ids the summary reports.
      const listing = await fetch(`${started.url}/api/datasets/:persistentId/versions/:draft/files?persistentId=doi:10.5072/FK2/STANDIN`, {
        headers: { 'X-Dataverse-key': started.token },
      });
      const files = ((await listing.json()) as { data: Array<{ label: string; dataFile: { id: number } }> }).data;
      expect(files.map((file) => file.label).sort()).toEqual(['a.txt', 'b.csv', 'empty.txt']);
      expect(files.map((file) => file.dataFile.id).sort()).toEqual(summary.files.map((file) => file.fileId).sort());
    } finally {
      expect(await command.stop(), command.output()).toBe(0);
    }
  }, 120_000);

  it('prints the URL, the token and the command in words when not --json', async () => {
    const command = startCommand(['--port', '0', '--files-dir', join(tempFolder(), 'files'), '--token', 'rehearsal-token', '--dataset', 'doi:10.5072/FK2/ONE', '--dataset', 'doi:10.5072/FK2/TWO']);
    try {
      const deadline = Date.now() + 30_000;
      while (!command.output().includes('Stop with Ctrl-C') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const text = command.output();
      expect(text).toMatch(/Dataverse stand-in at http:\/\/127\.0\.0\.1:\d+ \(answers as Dataverse 6\.11\)/);
      expect(text).toContain('token:     rehearsal-token');
      expect(text).toContain('dataset:   doi:10.5072/FK2/TWO');
      expect(text).toMatch(/holdfast ingest \.\/my-folder --dataset doi:10\.5072\/FK2\/ONE --files-dir \S+ --dataverse http:\/\/127\.0\.0\.1:\d+ --token rehearsal-token/);
    } finally {
      expect(await command.stop()).toBe(0);
    }
  }, 60_000);

  it.each([
    [['--port', '70000'], '--port must be 0 to 65535'],
    [['--dataset', 'not-a-pid'], 'malformed persistent identifier'],
    [['--release', '4.20'], '--release must be 5.14 or 6.11'],
    [['--token', ' '], '--token must not be empty'],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const run = await runCli(['dataverse-standin', ...args, '--files-dir', join(tempFolder(), 'files')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
