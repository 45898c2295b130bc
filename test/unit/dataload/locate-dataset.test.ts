/**
 * Issue 21: Dataverse answers "GET dataset" with every file of the dataset, so
 * a watch that asked for its dataset's storage folder once per batch paid, at
 * batch 100, for the 99,000 files before it. The data load's effects reuse the
 * folder for a while, by installation, token and dataset, and ask again after
 * that, for another token or dataset, and after a failure.
 */
import { describe, expect, it } from 'vitest';
import { createDataLoadEffects } from '../../../src/adapters/dataload/dataload-effects.js';
import type { DataverseClient } from '../../../src/adapters/dataverse/dataverse-client.js';
import type { HashPool } from '../../../src/adapters/files/hash-pool.js';
import { HoldfastError } from '../../../src/errors.js';
import type { EffectRecords } from '../../../src/runtime/effect-runner.js';

const URL = 'https://dataverse.example.org';
const PID = 'doi:10.5072/FK2/LOCATE';

function setUp() {
  let clock = 1_000_000;
  const asked: { token: string; pid: string }[] = [];
  let failNext = false;
  const tokens = new Map([[URL, 'token-a']]);
  const dataverse = (_url: string, token: string) =>
    ({
      getDataset: async (pid: string) => {
        asked.push({ token, pid });
        if (failNext) {
          failNext = false;
          throw new HoldfastError('DATAVERSE_UNAVAILABLE', 'down for a moment');
        }
        return { id: 1, persistentId: pid, storageIdentifier: `file://10.5072/${pid.slice(-6)}` };
      },
    }) as unknown as DataverseClient;
  const effects = createDataLoadEffects({ hashPool: {} as HashPool, dataverse, now: () => clock });
  const records = { get: async (_collection: string, key: unknown) => (tokens.has(key as string) ? { token: tokens.get(key as string) } : undefined) } as unknown as EffectRecords;
  const logic = effects.locateDataset as unknown as { config: (args: unknown) => Promise<{ folder: unknown; targetDir: string }> };
  const locate = (dataset = PID) => logic.config({ input: { dataset, filesDir: '/files', dataverseUrl: URL }, signal: new AbortController().signal, records });
  return {
    asked,
    locate,
    later: (ms: number) => (clock += ms),
    setToken: (token: string) => tokens.set(URL, token),
    failNext: () => (failNext = true),
  };
}

describe('locateDataset', () => {
  it('asks Dataverse once for a run of loads into one dataset, and again after ten minutes', async () => {
    const t = setUp();
    const first = await t.locate();
    for (let batch = 2; batch <= 20; batch++) expect(await t.locate()).toEqual(first);
    expect(first.targetDir).toBe('/files/10.5072/LOCATE');
    expect(t.asked).toHaveLength(1);
    t.later(10 * 60 * 1000);
    await t.locate();
    expect(t.asked).toHaveLength(2);
  });

  it('asks again for another dataset or another token, and after a failure', async () => {
    const t = setUp();
    await t.locate();
    await t.locate('doi:10.5072/FK2/OTHER1');
    t.setToken('token-b');
    await t.locate();
    expect(t.asked).toEqual([
      { token: 'token-a', pid: PID },
      { token: 'token-a', pid: 'doi:10.5072/FK2/OTHER1' },
      { token: 'token-b', pid: PID },
    ]);
    const u = setUp();
    u.failNext();
    await expect(u.locate()).rejects.toMatchObject({ code: 'DATAVERSE_UNAVAILABLE' });
    await u.locate();
    await u.locate();
    expect(u.asked).toHaveLength(2);
  });
});
