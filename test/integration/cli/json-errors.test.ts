/**
 * `--json` everywhere (issue 22, item 2): every command that `holdfast --help`
 * lists (and each subcommand) ends a failure with exactly one JSON object on
 * stdout, `{"error":{"code","message",...}}`, and the exit code of the text
 * form; the text line stays on stderr. A command added without a row here
 * fails the first test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/index.js';
import { runCli } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

interface Row {
  /** The command as `--help` names it (`job create` for a subcommand). */
  command: string;
  /** What makes it fail: arguments before --store and --json. */
  argv: () => string[];
  /** The store it is given: an empty one, or a folder with none. */
  store: 'empty' | 'missing';
  code: 1 | 2;
  errorCode: string;
}

let folder: string;
let empty: string;
let missing: string;
let blocker: Server;
let busyPort: number;

// Temp folders go when each test ends: made again for each.
beforeEach(async () => {
  folder = tempFolder('holdfast-json-errors-');
  empty = join(folder, 'store');
  missing = join(folder, 'no-store');
  await (await createRuntime({ store: empty, machines: [] })).close();
  mkdirSync(join(folder, 'mine'));
  writeFileSync(join(folder, 'mine', 'thesis.tex'), 'not the demo');
  writeFileSync(appFile(), `export default { applications: [{ name: 'echo', steps: [{ name: 'echo', run: (item) => item }] }] };`);
});

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  busyPort = (blocker.address() as AddressInfo).port;
});

afterAll(() => blocker.close());

const nowhere = () => join(folder, 'nowhere');
const appFile = () => join(folder, 'holdfast.config.mjs');
const dataset = ['--dataset', 'doi:10.5072/FK2/JSON', '--files-dir'];

const ROWS: Row[] = [
  { command: 'ingest', argv: () => ['ingest', nowhere(), ...dataset, join(folder, 'files')], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'resume', argv: () => ['resume', '--app', join(folder, 'no-config.ts')], store: 'empty', code: 2, errorCode: 'SOURCE_MISSING' },
  { command: 'watch', argv: () => ['watch', nowhere(), ...dataset, join(folder, 'files')], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'jobs', argv: () => ['jobs'], store: 'missing', code: 2, errorCode: 'STORE_MISSING' },
  { command: 'job', argv: () => ['job', 'no-such-job'], store: 'empty', code: 2, errorCode: 'ACTOR_NOT_FOUND' },
  { command: 'job create', argv: () => ['job', 'create', 'geocode', '--source', `jsonl:${nowhere()}`, '--app', join(folder, 'no-config.ts')], store: 'empty', code: 2, errorCode: 'SOURCE_MISSING' },
  { command: 'run', argv: () => ['run', 'no-such-job', '--all', '--app', appFile()], store: 'empty', code: 2, errorCode: 'JOB_NOT_FOUND' },
  { command: 'reprocess', argv: () => ['reprocess', 'no-such-job', '--app', appFile()], store: 'empty', code: 2, errorCode: 'JOB_NOT_FOUND' },
  { command: 'batches', argv: () => ['batches', 'no-such-job'], store: 'empty', code: 2, errorCode: 'JOB_NOT_FOUND' },
  { command: 'exceptions', argv: () => ['exceptions', 'no-such-job'], store: 'empty', code: 2, errorCode: 'JOB_NOT_FOUND' },
  { command: 'resolve', argv: () => ['resolve', 'no-such-job', 'item-1', '--value', '1'], store: 'empty', code: 2, errorCode: 'JOB_NOT_FOUND' },
  { command: 'pause', argv: () => ['pause', 'no-such-job'], store: 'empty', code: 2, errorCode: 'ACTOR_NOT_FOUND' },
  { command: 'unpause', argv: () => ['unpause', 'no-such-job'], store: 'empty', code: 2, errorCode: 'ACTOR_NOT_FOUND' },
  { command: 'retry', argv: () => ['retry', 'no-such-job'], store: 'empty', code: 2, errorCode: 'ACTOR_NOT_FOUND' },
  { command: 'delete', argv: () => ['delete', 'no-such-job'], store: 'empty', code: 2, errorCode: 'ACTOR_NOT_FOUND' },
  { command: 'demo', argv: () => ['demo', '--dir', join(folder, 'mine'), '--large-mb', '1'], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'dataverse-standin', argv: () => ['dataverse-standin', '--port', String(busyPort)], store: 'empty', code: 2, errorCode: 'PORT_IN_USE' },
  { command: 'serve', argv: () => ['serve', '--port', String(busyPort)], store: 'empty', code: 2, errorCode: 'PORT_IN_USE' },
  { command: 'defer', argv: () => ['defer', 'default', 'notes.count', '--payload', nowhere()], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'archive add', argv: () => ['archive', 'add', nowhere()], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'import', argv: () => ['import', nowhere(), '--service', 'http://127.0.0.1:9/'], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'user add', argv: () => ['user', 'add', 'admin'], store: 'empty', code: 2, errorCode: 'INVALID_INPUT' },
  { command: 'user list', argv: () => ['user', 'list'], store: 'missing', code: 2, errorCode: 'STORE_MISSING' },
  { command: 'verify', argv: () => ['verify'], store: 'missing', code: 2, errorCode: 'STORE_MISSING' },
  { command: 'backup', argv: () => ['backup', join(folder, 'backup')], store: 'missing', code: 2, errorCode: 'STORE_MISSING' },
  { command: 'archive', argv: () => ['archive'], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'user', argv: () => ['user'], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'token', argv: () => ['token'], store: 'empty', code: 2, errorCode: 'USAGE' },
  { command: 'prune', argv: () => ['prune'], store: 'missing', code: 2, errorCode: 'STORE_MISSING' },
  { command: 'token rotate', argv: () => ['token', 'rotate'], store: 'missing', code: 2, errorCode: 'STORE_MISSING' },
];

/** The commands `--help` lists (and their subcommands), as `job create`. */
async function listedCommands(): Promise<string[]> {
  const names = (help: string) => [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
  const top = names((await runCli(['--help'])).stdout);
  const listed: string[] = [];
  for (const command of top) {
    listed.push(command);
    const help = (await runCli([command, '--help'])).stdout;
    if (help.includes('Commands:')) listed.push(...names(help).map((sub) => `${command} ${sub}`));
  }
  return listed;
}

describe('--json failures', () => {
  it('has a row for every command that --help lists', async () => {
    const listed = await listedCommands();
    expect(listed.length).toBeGreaterThan(20);
    const rows = ROWS.map((row) => row.command);
    expect(listed.filter((command) => !rows.includes(command))).toEqual([]);
  });

  it.each(ROWS)('$command: exactly one {"error"} object on stdout, exit $code', async (row) => {
    const run = await runCli([...row.argv(), '--store', row.store === 'empty' ? empty : missing, '--json']);
    expect(run.code, run.stderr).toBe(row.code);
    const lines = run.stdout.split('\n').filter((line) => line !== '');
    expect(lines, run.stdout).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { error: { code: unknown; message: unknown } };
    expect(parsed.error).toMatchObject({ code: row.errorCode, message: expect.any(String) });
    expect(run.stderr).not.toBe(''); // the person's line stays on stderr
  });
});
