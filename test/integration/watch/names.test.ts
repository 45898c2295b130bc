/**
 * `holdfast watch` meeting names Dataverse would refuse or alter (issue 15,
 * item 5): refused as each file settles, with a recorded reason naming the
 * label Dataverse would accept, while the other files load; with
 * `--fix-labels` loaded under that label.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDataverseStandin, type DataverseStandin } from '../../../src/adapters/dataverse/dataverse-standin.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { readStore, startWatch, viewWatch, waitUntil, watchIdOf, type WatchProcess, type WatchSetup } from '../../helpers/watch.js';

const PID = 'doi:10.5072/FK2/WNAMES';
const TOKEN = 'token-watch-names-0f9e8d7c';

let root: string;
let setup: WatchSetup;
let standin: DataverseStandin;
let running: WatchProcess | undefined;

beforeEach(async () => {
  root = tempFolder('holdfast-watch-names-');
  setup = { dir: join(root, 'inbox'), store: join(root, 'store'), filesDir: join(root, 'files'), dataset: PID, settleMs: 300, batchIdleMs: 500, token: TOKEN };
  mkdirSync(setup.dir);
  standin = await startDataverseStandin({ token: TOKEN, filesDir: setup.filesDir, datasets: [{ persistentId: PID }] });
  setup.dataverse = standin.url;
});

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
  await standin.close();
});

async function watchWith(...extra: string[]): Promise<{ watch: WatchProcess; id: string }> {
  const watch = (running = startWatch({ ...setup, extra }));
  const id = watchIdOf(await watch.waitForLine((l) => l.event === 'watch.started', 'watch.started'));
  await watch.waitForLine((l) => l.event === 'watch.scanned', 'watch.scanned');
  return { watch, id };
}

const dropFiles = () => {
  mkdirSync(join(setup.dir, 'données'));
  writeFileSync(join(setup.dir, 'good.txt'), 'good\n');
  writeFileSync(join(setup.dir, 'a:b.txt'), 'colon\n');
  writeFileSync(join(setup.dir, 'données', 'x.csv'), 'a,b\n');
};
const registeredPaths = () => standin.registered(PID).map((f) => (f.directoryLabel ? `${f.directoryLabel}/${f.fileName}` : f.fileName)).sort();

describe('holdfast watch and names Dataverse would refuse', () => {
  it('refuses them with a recorded reason and the label Dataverse would accept, and loads the others', async () => {
    const { watch, id } = await watchWith();
    dropFiles();

    await waitUntil(() => readStore(setup.store, (store) => viewWatch(store, id, PID).loaded.has('good.txt')), 'good.txt loaded');
    const refused = await waitUntil(
      () => readStore(setup.store, (store) => {
        const found = new Map([...store.scanRecords<{ reason: string }>('watch.refused', [id])].map((r) => [String((r.key as unknown[])[1]), r.value.reason]));
        return found.size === 2 && found;
      }),
      'both bad names refused',
    );
    expect(await watch.stop()).toEqual({ code: 0, signal: null });

    expect(refused.get('a:b.txt')).toMatch(/^NAME_REFUSED: Dataverse refuses ":" in a file name; Dataverse would accept "a_b.txt"/);
    expect(refused.get('données/x.csv')).toMatch(/^NAME_REFUSED: .*Dataverse would accept "donn.es\/x.csv"/);
    expect(watch.lines()).toContainEqual(expect.objectContaining({ event: 'file.refused', file: 'a:b.txt' }));
    expect(watch.lines().filter((l) => l.event === 'watch.accepted').map((l) => l.file)).toEqual(['good.txt']);
    expect(registeredPaths()).toEqual(['good.txt']);
  });

  it('with --fix-labels loads them under the label Dataverse would accept', async () => {
    const { watch, id } = await watchWith('--fix-labels');
    dropFiles();

    await waitUntil(() => readStore(setup.store, (store) => ['good.txt', 'a:b.txt', 'données/x.csv'].every((p) => viewWatch(store, id, PID).loaded.has(p))), 'every file loaded');
    expect(await watch.stop()).toEqual({ code: 0, signal: null });

    expect(registeredPaths()).toEqual(['a_b.txt', 'donn.es/x.csv', 'good.txt']);
    expect(watch.lines().some((l) => l.event === 'file.refused')).toBe(false);
  });
});
