/** A batch job's children in words (issue 22, item 4): `holdfast job JOB/b0.r1` says "batch 0, run 1 of job JOB". */
import { describe, expect, it } from 'vitest';
import { cli, workspace } from './batch-cli-helpers.js';

describe('batch children named in words', () => {
  it('`job` of a batch child says which batch and run it is', async () => {
    const w = workspace();
    const source = w.numbers('a.jsonl', [1, 2, 3, 4]);
    const id = (await cli(['job', 'create', 'echo', '--source', `jsonl:${source}#id`, '--partition', 'every:2', ...w.flags])).stdout.trim();
    expect((await cli(['run', id, '--all', ...w.flags])).code).toBe(0);
    const child = await cli(['job', `${id}/b1.r1`, '--store', w.store]);
    expect(child.code, child.stderr).toBe(0);
    expect(child.stdout.split('\n')[1]).toBe(`  batch 1, run 1 of job ${id}`);
    const json = await cli(['job', `${id}/b0.r1`, '--store', w.store, '--json']);
    expect(json.json).toMatchObject({ id: `${id}/b0.r1`, describes: `batch 0, run 1 of job ${id}` });
  });
});
