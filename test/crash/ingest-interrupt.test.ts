/**
 * Ctrl-C on `holdfast ingest` (issue 22, item 5): the process ends (exit 130),
 * says on stderr that the load is kept and that `holdfast resume` continues
 * it, and the resume it names does finish the load. The dataset is locked so
 * the load is surely mid-way (waiting to register) when SIGINT lands.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import { loadsOf, makeSampleFolder, runCli, withStore } from '../helpers/dataload.js';
import { startWorkload, waitForOutput, type Workload } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const TOKEN = 'token-interrupt-1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
const PID = 'doi:10.5072/FK2/STOP01';
let standin: DataverseStandin | undefined;
let workload: Workload | undefined;

afterEach(async () => {
  if (workload && workload.child.exitCode === null && workload.child.signalCode === null) workload.child.kill('SIGKILL');
  await workload?.exited;
  await standin?.close();
  standin = undefined;
});

describe('crash: Ctrl-C on `holdfast ingest`', () => {
  it('says the load is kept and that `holdfast resume` continues it; resume does', async () => {
    const root = tempFolder('holdfast-interrupt-');
    const source = join(root, 'source');
    const filesDir = join(root, 'files');
    const store = join(root, 'store');
    await makeSampleFolder(source, { awkward: false, smallFiles: 5 });
    standin = await startDataverseStandin({ token: TOKEN, filesDir, datasets: [{ persistentId: PID }] });
    standin.faults.lock(PID, Infinity);

    workload = startWorkload('watch-cli', ['ingest', source, '--dataset', PID, '--files-dir', filesDir, '--dataverse', standin.url, '--token', TOKEN, '--store', store]);
    expect(await waitForOutput(workload, 'load load-', 30_000), workload.errors()).toBe(true);
    const id = /load (load-[0-9a-z]+):/.exec(workload.output())![1]!;
    // The header is its own line, before any progress line.
    expect(workload.output().split('\n')[0]).toMatch(/^load load-[0-9a-z]+: .+ -> doi:10\.5072\/FK2\/STOP01$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    workload.child.kill('SIGINT');
    const exit = await Promise.race([workload.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000))]);
    expect(exit, workload.errors()).toEqual({ code: 130, signal: null });
    expect(workload.errors()).toContain(`interrupted: load ${id} is kept in the store; \`holdfast resume --store ${store}\` continues it`);

    const kept = await withStore(store, (s) => loadsOf(s).map((load) => ({ id: load.id, status: load.status })));
    expect(kept).toEqual([{ id, status: 'active' }]);
    standin.faults.unlock(PID);
    const resumed = await runCli(['resume', '--store', store, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = await withStore(store, (s) => loadsOf(s).map((load) => `${load.status}/${load.state}`));
    expect(done).toEqual(['done/completed']);
  }, 60_000);
});
