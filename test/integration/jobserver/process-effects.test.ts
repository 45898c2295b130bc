/** The processJob effects alone: start marks for non-idempotent runs, data read again and checked by hash. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalSandbox } from '../../../src/adapters/processes/eval-sandbox.js';
import { dataFilePath } from '../../../src/adapters/jobserver/data-files.js';
import { createLoadData, createRunProcess, type EffectDeps, type StartMarks } from '../../../src/adapters/jobserver/process-effects.js';
import type { RunProcessInput } from '../../../src/machines/process-job.types.js';
import { tempFolder } from '../../helpers/temp-store.js';

function deps(folder: string, calls: string[], marks?: StartMarks): EffectDeps {
  return {
    dataFile: (name) => dataFilePath(folder, name, ['.json']),
    functions: { count: (data) => (calls.push('ran'), data) },
    datatypes: {},
    scriptsDir: undefined,
    allowEnv: [],
    maxOutputBytes: 1000,
    evalMemoryMb: 64,
    evalSandbox,
    allowUnsandboxedEval: false,
    functionsVersion: 'v',
    marks,
  };
}

function memoryMarks(): StartMarks & { keys: string[] } {
  const keys: string[] = [];
  return { keys, has: async (key) => keys.includes(key.join('/')), put: async (key) => void keys.push(key.join('/')) };
}

const input = (idempotent: boolean): RunProcessInput => ({ jobId: 'j1', run: 1, process: { kind: 'function', name: 'count', version: 'v' }, idempotent, parameters: {}, data: [{ kind: 'raw', value: 1, sha256: 'h' }], timeoutMs: 1000 });
const context = (attempt: number) => ({ idempotencyKey: 'k', attempt, signal: new AbortController().signal });

describe('processJob effects', () => {
  it('commits a start mark before a non-idempotent process runs, and reports interrupted instead of running it twice', async () => {
    const calls: string[] = [];
    const marks = memoryMarks();
    const run = createRunProcess(deps(tempFolder(), calls, marks));
    expect(await run(input(false), context(1))).toMatchObject({ status: 'succeeded', output: { value: [1] } });
    expect(marks.keys).toEqual(['j1/1']);
    expect(await run(input(false), context(2))).toMatchObject({ status: 'interrupted' });
    expect(calls).toEqual(['ran']);
  });

  it('runs a non-idempotent process again when its first attempt never started it (no mark)', async () => {
    const calls: string[] = [];
    const run = createRunProcess(deps(tempFolder(), calls, memoryMarks()));
    expect(await run(input(false), context(2))).toMatchObject({ status: 'succeeded' });
    expect(calls).toEqual(['ran']);
  });

  it('without a mark store, takes a second attempt as the sign of a recovery', async () => {
    const calls: string[] = [];
    const run = createRunProcess(deps(tempFolder(), calls));
    expect(await run(input(false), context(2))).toMatchObject({ status: 'interrupted' });
    expect(await run(input(true), context(2))).toMatchObject({ status: 'succeeded' });
    expect(calls).toEqual(['ran']);
  });

  it('runs an idempotent process again after a recovery, writing no mark', async () => {
    const calls: string[] = [];
    const marks = memoryMarks();
    const run = createRunProcess(deps(tempFolder(), calls, marks));
    await run(input(true), context(1));
    await run(input(true), context(2));
    expect(calls).toEqual(['ran', 'ran']);
    expect(marks.keys).toEqual([]);
  });

  it('hashes data files when loading, and refuses to run on a file changed since', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'in.json'), '{"v":1}');
    const calls: string[] = [];
    const load = createLoadData(deps(folder, calls));
    const loaded = await load({ jobId: 'j1', data: [{ kind: 'datafile', ref: 'in.json', sha256: '' }] });
    expect(loaded).toEqual({ ok: true, sha256: [createHash('sha256').update('{"v":1}').digest('hex')] });
    const sha256 = (loaded as { sha256: string[] }).sha256[0]!;
    writeFileSync(join(folder, 'in.json'), '{"v":2}');
    const run = createRunProcess(deps(folder, calls));
    const result = await run({ ...input(true), data: [{ kind: 'datafile', ref: 'in.json', sha256 }] }, context(1));
    expect(result).toMatchObject({ status: 'failed', error: { code: 'SOURCE_CHANGED' } });
    expect(calls).toEqual([]);
    expect(await load({ jobId: 'j1', data: [{ kind: 'datafile', ref: 'gone.json', sha256: '' }] })).toMatchObject({ ok: false, error: { code: 'DATA_NOT_FOUND' } });
  });
});
